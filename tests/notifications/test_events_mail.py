"""Every notification path end to end: event → notification → the worker's send_mail task → the SMTP server."""

from datetime import UTC, date, timedelta

import sqlalchemy as sa
from babel.dates import format_date

from cocreate import tasks
from cocreate.companies.models import Role
from cocreate.extensions import db, utcnow
from cocreate.ideas.models import Comment, Idea, Status
from cocreate.ideas.services import add_comment, set_vote
from cocreate.notifications import follows, services
from cocreate.notifications.models import MailMessage, MailState, Notification
from tests import factories, taskqueue
from tests.conftest import login


def team_product():
    company = factories.CompanyFactory(name="Casa Verde")
    team = factories.member(company, Role.PRODUCT, name="Luca Team")
    product = factories.ProductFactory(company=company, slug="bike", name="Bike")
    return team, product


def notes_of(user, kind=None):
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def send_mail(runner=None, *, retries: bool = False) -> str:
    """What the worker does with the queue (and, with ``retries``, with the retries whose time has come)."""
    results = taskqueue.run_scheduled() if retries else taskqueue.run_queued()
    failed = [r for r in results if r not in ("sent", "skipped")]  # None: the task raised Retry
    return f"{results.count('sent')} sent, {len(failed)} failed"


def test_status_change_with_promise_reaches_author_and_voter_by_mail(client, runner, smtp):
    team, product = team_product()
    author = factories.UserFactory(name="Ada")
    idea = factories.idea(product, author, title="Bigger saddle")
    voter = factories.UserFactory(name="Bo")
    set_vote(idea, voter, True)
    db.session.commit()

    login(client, team)
    promised = date.today() + timedelta(days=30)
    response = client.post(f"/p/bike/ideas/{idea.id}/status", data={
        "status": "planned", "promised_on": promised.isoformat(), "note": "Coming in spring"})
    assert response.status_code == 303
    assert smtp.messages == []  # nothing is sent inside the request

    for user in (author, voter):
        [note] = notes_of(user)
        # the date as the recipient's language writes it (English here: "Dec 25, 2026")
        assert note.kind == "status" and f"promised for {format_date(promised, locale='en')}" in note.subject
    assert notes_of(team) == []  # the actor is not told of their own action

    assert "2 sent" in send_mail(runner)
    assert sorted(m["To"] for m in smtp.messages) == sorted([author.email, voter.email])
    message = smtp.messages[0]
    assert "“Bigger saddle” is now planned, promised for" in message["Subject"]
    text = message.get_content()
    assert "Coming in spring" in text and f"/p/bike/ideas/{idea.id}" in text
    assert message["List-Unsubscribe"].startswith("<http") and "/unsubscribe/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "0 sent" in send_mail(runner)  # sent once only
    assert len(smtp.messages) == 2


def test_official_response_reaches_followers_not_the_team(client, runner, smtp):
    team, product = team_product()
    author = factories.UserFactory()
    idea = factories.idea(product, author, title="Lighter frame")
    comment = add_comment(idea, team, "We are testing carbon frames.")
    db.session.commit()
    login(client, team)
    assert client.post(f"/p/bike/ideas/{idea.id}/comments/{comment.id}/official").status_code == 303
    [note] = notes_of(author, "official")
    assert note.subject == "Casa Verde responded to “Lighter frame”"
    assert notes_of(team) == []
    send_mail(runner)
    [message] = smtp.messages
    assert message["To"] == author.email and "carbon frames" in message.get_content()


def test_reply_to_a_comment_tells_its_author(client, runner, smtp):
    _, product = team_product()
    ada, bo = factories.UserFactory(name="Ada"), factories.UserFactory(name="Bo")
    idea = factories.idea(product, factories.UserFactory(), title="Bell")
    first = add_comment(idea, ada, "A louder bell please")
    db.session.commit()
    login(client, bo)
    response = client.post(f"/p/bike/ideas/{idea.id}/comments", data={"body": "Agreed!", "parent_id": str(first.id)})
    assert response.status_code == 303
    [note] = notes_of(ada, "reply")
    assert note.subject == "Bo replied to your comment on “Bell”" and note.url.endswith(
        f"#comment-{db.session.scalar(sa.select(Comment.id).where(Comment.author_id == bo.id))}")
    assert notes_of(bo) == []  # own comment: nothing
    send_mail(runner)
    assert [m["To"] for m in smtp.messages] == [ada.email]
    assert "Agreed!" in smtp.messages[0].get_content()


def test_replying_to_oneself_notifies_nobody(client, smtp):
    _, product = team_product()
    ada = factories.UserFactory()
    idea = factories.idea(product, factories.UserFactory())
    first = add_comment(idea, ada, "First")
    add_comment(idea, ada, "Second", parent_id=first.id)
    db.session.commit()
    assert notes_of(ada) == []


def test_merge_tells_the_duplicates_followers_who_then_follow_the_target(client, runner, smtp):
    team, product = team_product()
    voter = factories.UserFactory()
    duplicate = factories.idea(product, factories.UserFactory(), title="Night light")
    into = factories.idea(product, factories.UserFactory(), title="Front lamp")
    set_vote(duplicate, voter, True)
    db.session.commit()
    login(client, team)
    response = client.post(f"/p/bike/ideas/{duplicate.id}/merge", data={"target_id": str(into.id)})
    assert response.status_code == 303
    [note] = notes_of(voter, "merge")
    assert note.subject == "“Night light” was merged into “Front lamp”" and note.url == f"/p/bike/ideas/{into.id}"
    assert follows.is_following(voter, idea=db.session.get(Idea, into.id))
    send_mail(runner)
    assert voter.email in [m["To"] for m in smtp.messages]


def test_undoing_a_merge_tells_the_followers_who_were_told_of_it(client, runner, smtp):
    """Issue 14.10: they were told "your vote now counts there", and then nothing when the merge was undone."""
    team, product = team_product()
    voter, author = factories.UserFactory(), factories.UserFactory()
    duplicate = factories.idea(product, author, title="Night light")
    into = factories.idea(product, factories.UserFactory(), title="Front lamp")
    set_vote(duplicate, voter, True)
    db.session.commit()
    login(client, team)
    client.post(f"/p/bike/ideas/{duplicate.id}/merge", data={"target_id": str(into.id)})
    send_mail(runner)
    smtp.messages.clear()
    response = client.post(f"/p/bike/ideas/{duplicate.id}/unmerge")
    assert response.status_code == 303
    [note] = notes_of(voter, "unmerge")
    assert note.subject == "“Night light” is no longer merged into “Front lamp”"
    assert "counts on “Night light” again" in note.body and note.url == f"/p/bike/ideas/{duplicate.id}"
    assert notes_of(team, "unmerge") == []  # who undid it is not told
    send_mail(runner)
    assert sorted(m["To"] for m in smtp.messages) == sorted([voter.email, author.email])  # both follow it
    assert all("no longer merged" in m["Subject"] for m in smtp.messages)


def test_shipping_in_a_released_version_says_your_idea_shipped(client, runner, smtp):
    team, product = team_product()
    author = factories.UserFactory()
    idea = factories.idea(product, author, title="Kickstand")
    v3 = factories.VersionFactory(product=product, label="v0.3", released_on=date.today())
    login(client, team)
    response = client.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "shipped",
                                                                     "shipped_version_id": str(v3.id)})
    assert response.status_code == 303
    [note] = notes_of(author)
    assert (note.kind, note.subject) == ("shipped", "Your idea shipped in v0.3: “Kickstand”")
    # Editing the version later does not announce it twice.
    client.post(f"/p/bike/versions/{v3.id}/edit", data={"label": "v0.3", "released_on": date.today().isoformat()})
    assert len(notes_of(author)) == 1
    send_mail(runner)
    assert [m["Subject"] for m in smtp.messages] == ["Your idea shipped in v0.3: “Kickstand”"]


def test_releasing_an_upcoming_version_announces_the_ideas_it_shipped(client, runner, smtp):
    team, product = team_product()
    author, voter = factories.UserFactory(), factories.UserFactory()
    idea = factories.idea(product, author, title="Kickstand")
    set_vote(idea, voter, True)
    upcoming = factories.VersionFactory(product=product, label="v0.4", released_on=date.today() + timedelta(days=9))
    login(client, team)
    client.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "shipped", "shipped_version_id": str(upcoming.id)})
    [note] = notes_of(author)
    assert note.kind == "status" and note.subject.startswith("“Kickstand” will ship in v0.4 on")

    # The team releases it today (the release route is the version form).
    response = client.post(f"/p/bike/versions/{upcoming.id}/edit",
                           data={"label": "v0.4", "released_on": date.today().isoformat()})
    assert response.status_code == 303
    for user in (author, voter):
        shipped = notes_of(user, "shipped")
        assert [n.subject for n in shipped] == ["Your idea shipped in v0.4: “Kickstand”"]
        assert shipped[0].url == f"/p/bike/versions/{upcoming.id}"
    send_mail(runner)
    assert sorted(m["To"] for m in smtp.messages if "shipped in v0.4" in m["Subject"]) == sorted(
        [author.email, voter.email])
    # The changelog lists it.
    page = client.get(f"/p/bike/versions/{upcoming.id}").get_data(as_text=True)
    assert "Kickstand" in page and "Ideas shipped in v0.4" in page


def test_announce_releases_command_catches_versions_whose_day_came(client, runner, smtp):
    team, product = team_product()
    author = factories.UserFactory()
    idea = factories.idea(product, author, title="Kickstand")
    version = factories.VersionFactory(product=product, label="v0.5", released_on=date.today() + timedelta(days=1))
    from cocreate.ideas.services import change_status

    change_status(idea, team, Status.SHIPPED, shipped_version_id=version.id)
    db.session.commit()
    assert notes_of(author, "shipped") == []
    version.released_on = date.today()  # the day has come
    db.session.commit()
    assert runner.invoke(args=["tasks", "run", "release_versions"]).output.strip() == "1"
    assert runner.invoke(args=["tasks", "run", "release_versions"]).output.strip() == "0"
    assert len(notes_of(author, "shipped")) == 1


def test_notify_public_api_for_an_ambassador_invitation(runner, smtp):
    user = factories.UserFactory()
    note = services.notify(user, "ambassador_invitation", subject="Casa Verde invites you to be an ambassador",
                           body="Accept or decline on your invitations page.", url="/ambassadors/invitations")
    db.session.commit()
    assert note.id and note.read_at is None and note.idea_id is None
    send_mail(runner)
    [message] = smtp.messages
    assert message["Subject"] == "Casa Verde invites you to be an ambassador"
    assert "http://localhost" in message.get_content() and "/ambassadors/invitations" in message.get_content()
    assert "Stop following this idea" not in message.get_content()


def test_failing_smtp_keeps_mail_queued_and_the_request_succeeds_then_retries(client, runner, dead_smtp,
                                                                                mail_config):
    team, product = team_product()
    author = factories.UserFactory()
    idea = factories.idea(product, author, title="Bigger saddle")
    login(client, team)
    response = client.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "under_review"})
    assert response.status_code == 303  # the request that caused the mail is unaffected

    output = send_mail(runner)
    assert "0 sent, 1 failed" in output
    mail = db.session.scalar(sa.select(MailMessage))
    assert mail.state == MailState.QUEUED and mail.attempts == 1 and mail.sent_at is None
    assert "refused" in mail.last_error.lower() or "errno" in mail.last_error.lower()
    assert mail.next_attempt_at > utcnow()

    [retry] = taskqueue.scheduled()  # Huey's retry, a minute after the failure
    assert retry.name == "send_mail" and retry.eta > utcnow().replace(tzinfo=None)
    # The server is back; the mail waits for its back-off, then goes out.
    from tests.notifications.conftest import Inbox, free_port

    inbox, port = Inbox(), free_port()
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail_config.update(MAIL_PORT=port)
        assert "0 sent, 0 failed" in send_mail(runner)  # nothing runs before its time
        mail.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert "1 sent" in send_mail(runner, retries=True)
    finally:
        controller.stop()
    db.session.expire_all()
    mail = db.session.scalar(sa.select(MailMessage))
    assert mail.state == MailState.SENT and mail.attempts == 2 and mail.last_error is None
    assert [m["To"] for m in inbox.messages] == [author.email]


def test_mail_gives_up_after_the_last_attempt(runner, dead_smtp, mail_config):
    user = factories.UserFactory()
    services.notify(user, "test", subject="Hello", body="", url="/")
    db.session.commit()
    send_mail(runner)
    for _ in range(tasks.ATTEMPTS - 1):  # each of Huey's retries, as its time comes
        db.session.execute(sa.update(MailMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert send_mail(runner, retries=True) == "0 sent, 1 failed"
    mail = db.session.scalar(sa.select(MailMessage))
    assert (mail.state, mail.attempts) == (MailState.FAILED, tasks.ATTEMPTS)
    assert taskqueue.scheduled() == []  # given up: no further retry


def test_without_mail_server_mail_is_logged_and_marked_sent(runner, caplog, mail_config):
    mail_config["MAIL_SERVER"] = None
    user = factories.UserFactory()
    services.notify(user, "test", subject="Logged only", body="Body text", url="/")
    db.session.commit()
    with caplog.at_level("INFO", logger="cocreate.notifications.mail"):
        assert "1 sent" in send_mail(runner)
    assert "Logged only" in caplog.text and user.email in caplog.text
    assert db.session.scalar(sa.select(MailMessage.state)) == MailState.SENT


def test_retries_wait_longer_each_time_as_huey_schedules_them(runner, dead_smtp):
    assert [tasks.retry_delay(n).total_seconds() for n in (1, 2, 3, 7)] == [60, 120, 240, 3840]
    services.notify(factories.UserFactory(), "test", subject="Hello", body="", url="/")
    db.session.commit()
    waits = []
    for _ in range(3):
        before = utcnow()
        send_mail(runner, retries=bool(waits))
        [retry] = taskqueue.scheduled()
        waits.append(round((retry.eta.replace(tzinfo=UTC) - before).total_seconds() / 60))
        mail = db.session.scalar(sa.select(MailMessage))
        assert abs((mail.next_attempt_at - before) - tasks.retry_delay(mail.attempts)) < timedelta(seconds=5)
        mail.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert waits == [1, 2, 4]  # minutes: the row says when Huey will try again


def test_a_title_with_line_breaks_cannot_inject_headers(client, runner, smtp):
    team, product = team_product()
    author = factories.UserFactory()
    idea = factories.idea(product, author, title="Saddle\r\nBcc: victim@example.com")
    from cocreate.ideas.services import change_status

    change_status(idea, team, Status.PLANNED)
    db.session.commit()
    assert "1 sent" in send_mail(runner)
    [message] = smtp.messages
    assert message["Bcc"] is None and "\n" not in message["Subject"]
    assert message["Subject"] == "“Saddle Bcc: victim@example.com” is now planned"


def test_a_mail_that_cannot_be_built_fails_without_blocking_the_queue(runner, smtp):
    good = factories.UserFactory()
    services.notify(factories.UserFactory(email="broken@example.com"), "test", subject="First", body="", url="/")
    services.notify(good, "test", subject="Second", body="", url="/")
    db.session.execute(sa.update(MailMessage).where(MailMessage.subject == "First")
                       .values(to_address="bad\r\naddress@example.com"))
    db.session.commit()
    assert "1 sent, 1 failed" in send_mail(runner)
    assert [m["Subject"] for m in smtp.messages] == ["Second"]
    assert db.session.scalar(sa.select(MailMessage.state).where(MailMessage.subject == "First")) == MailState.FAILED


def test_who_lost_access_to_a_private_product_hears_nothing_more_of_it(client):
    from cocreate.ideas.services import change_status
    from cocreate.products.models import ProductAccess, Visibility
    from cocreate.products.services import grant_access

    team, product = team_product()
    product.visibility = Visibility.PRIVATE
    invited, dropped = factories.UserFactory(name="Stays"), factories.UserFactory(name="Dropped")
    for user in (invited, dropped):
        grant_access(product, user)
    db.session.flush()
    idea = factories.idea(product, invited, title="Quieter motor")
    follows.follow(dropped, idea=idea)
    db.session.commit()
    assert {u.id for u in follows.followers(idea)} >= {invited.id, dropped.id}

    db.session.execute(sa.delete(ProductAccess).where(ProductAccess.user_id == dropped.id))  # access taken away
    db.session.commit()
    change_status(idea, team, Status.PLANNED, note="Soon")
    db.session.commit()
    assert [n.kind for n in notes_of(invited)] == ["status"]
    assert notes_of(dropped) == []


def _private_product_with_a_customer_who_commented():
    """A private product; a customer (invited) commented on an idea, then lost access."""
    from cocreate.products.models import ProductAccess, Visibility
    from cocreate.products.services import grant_access

    team, product = team_product()
    product.visibility = Visibility.PRIVATE
    customer = factories.UserFactory(name="Former guest")
    grant_access(product, customer)
    db.session.flush()
    idea = factories.idea(product, team, title="Quieter motor")
    comment = add_comment(idea, customer, "Please make it quieter")
    db.session.commit()
    return team, product, customer, idea, comment, lambda: db.session.execute(
        sa.delete(ProductAccess).where(ProductAccess.user_id == customer.id))


def test_a_reply_does_not_reach_who_can_no_longer_see_the_product(client, runner, smtp):
    """Issue 15.5: the reply path notified the parent's author without asking whether they may see the idea."""
    team, product, customer, idea, comment, take_access_away = _private_product_with_a_customer_who_commented()
    take_access_away()
    db.session.commit()
    login(client, team)
    response = client.post(f"/p/bike/ideas/{idea.id}/comments",
                           data={"body": "Secret plans: it will be quieter", "parent_id": str(comment.id)})
    assert response.status_code == 303
    assert notes_of(customer) == []
    send_mail(runner)
    assert smtp.messages == []
    # whoever can see it still hears of replies
    services.notify(customer, "test", subject="Not about an idea", body="", url="/")
    assert notes_of(customer, "test")  # notifications without an idea are not affected


def test_queued_mail_is_not_sent_once_the_recipient_can_no_longer_see_the_product(client, runner, smtp):
    """The mail was queued while the customer could see the product; access went before the worker sent it."""
    team, product, customer, idea, comment, take_access_away = _private_product_with_a_customer_who_commented()
    add_comment(idea, team, "Secret plans: it will be quieter", parent_id=comment.id)
    db.session.commit()
    [note] = notes_of(customer, "reply")
    take_access_away()
    db.session.commit()
    assert "0 sent" in send_mail(runner)
    assert smtp.messages == []
    mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.notification_id == note.id))
    assert mail.state == MailState.FAILED and "can no longer see" in mail.last_error
    assert "0 sent" in send_mail(runner, retries=True)  # not retried either


def test_a_digest_leaves_out_what_the_recipient_can_no_longer_see(client, runner, smtp):
    from cocreate.notifications.mail import bundle_digests, set_email_mode
    from cocreate.notifications.models import EmailMode

    team, product, customer, idea, comment, take_access_away = _private_product_with_a_customer_who_commented()
    set_email_mode(customer, EmailMode.DIGEST)
    add_comment(idea, team, "Secret plans: it will be quieter", parent_id=comment.id)
    services.notify(customer, "test", subject="Something public", body="", url="/")
    db.session.commit()
    take_access_away()
    db.session.commit()
    assert bundle_digests() == 1
    db.session.commit()
    send_mail(runner)
    [message] = smtp.messages
    text = message.get_content()
    assert "Something public" in text and "Quieter motor" not in text
    states = dict(db.session.execute(sa.select(MailMessage.subject, MailMessage.state).where(
        MailMessage.user_id == customer.id, MailMessage.notification_id.is_not(None))).all())
    assert states["Something public"] == MailState.BUNDLED
    assert [s for subject, s in states.items() if "Quieter motor" in subject] == [MailState.FAILED]
