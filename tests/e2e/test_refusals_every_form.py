"""Every form that updates in place (htmx) shows its refusal in place, in a real browser (issue 14.1).

The forms are the templates' hx-post forms (grep hx-post templates/): comment, reply, status, mark official, mark
helpful, vote, follow, rating, self-assessment, shortlist, invite, withdraw, note, accept, decline, mark all read.
("Mark read" on the notifications page sits inside hx-disable: a plain form, tested in tests/notifications.)
Each case makes the server refuse the way a person meets it: bad input, or the world changing between showing
the page and pressing the button (voting closed, consent withdrawn, invitation withdrawn) - or, for the forms
with nothing to get wrong, a form token that went stale, whose answer is a whole error page: shown as a message
next to the form, never dropped into the page. The page must not reload (the refusal came in place) and the
form must still be there to try again.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import LiveServer, log_in, unique

pytestmark = pytest.mark.browser

STALE_TOKEN = "Something in that request was not right: Check what you entered and try again."


@dataclass
class World:
    """A product of its own for each case (the sample's stays as other tests expect it)."""

    sample: dict
    product: str
    idea: int
    scope: str = "body"  # where the refusal must show: the reply box of its comment, the card of its candidate…


def app_context():
    assert LiveServer.current is not None
    return LiveServer.current.app.app_context()


def user(email: str):
    from cocreate.auth.models import User
    from cocreate.extensions import db

    return db.session.scalar(db.select(User).where(User.email == email))


def make_world(sample) -> World:
    from cocreate.companies.models import Company
    from cocreate.extensions import db
    from cocreate.ideas import services as ideas
    from cocreate.products.models import Version
    from cocreate.products.services import create_product

    with app_context():
        company = db.session.scalar(db.select(Company).where(Company.slug == sample["company"]))
        name = unique("Refusals ")
        product = create_product(company, name=name, slug=name.lower().replace(" ", "-"), tagline="For refusals")
        db.session.flush()
        db.session.add(Version(product_id=product.id, label="v1", notes="", notes_html="",
                               released_on=date.today() - timedelta(days=2)))
        db.session.flush()
        db.session.refresh(product)
        idea = ideas.create_idea(product, user(sample["customer"]), title=unique("Refusable idea "))
        db.session.commit()
        return World(sample, product.slug, idea.id)


def shortlisted(world: World, state: str = "candidate", opted_in: bool = True) -> tuple[int, str]:
    """A customer of the world, with a contribution score, on the company's shortlist; (candidate id, e-mail)."""
    from argon2 import PasswordHasher

    from cocreate.ambassadors import shortlist
    from cocreate.ambassadors.models import State
    from cocreate.ambassadors.scores import refresh_all
    from cocreate.auth.models import User
    from cocreate.companies.models import Company
    from cocreate.extensions import db, utcnow
    from cocreate.ideas import services as ideas
    from cocreate.products.models import Product
    from tests.e2e.conftest import PASSWORD

    with app_context():
        email = f"{unique('fan')}@sample.example"
        fan = User(name=unique("Fan "), email=email, contact_opt_in=opted_in,
                   password_hash=PasswordHasher(time_cost=1, memory_cost=64).hash(PASSWORD), email_verified_at=utcnow())
        db.session.add(fan)
        db.session.flush()
        product = db.session.scalar(db.select(Product).where(Product.slug == world.product))
        ideas.create_idea(product, fan, title=unique("A fan's idea "))
        company = db.session.scalar(db.select(Company).where(Company.slug == world.sample["company"]))
        candidate = shortlist.add_candidate(company, fan, user(world.sample["owner"]))
        if state != "candidate":
            candidate.state = State(state)
            candidate.invited_at = utcnow()
        refresh_all()
        db.session.commit()
        return candidate.id, email


def change_world(action: Callable[..., None], *args) -> None:
    from cocreate.extensions import db

    with app_context():
        action(*args)
        db.session.commit()


# --- What changes between showing the page and pressing the button --------------------------------------------

def close_voting(idea_id: int) -> None:
    from cocreate.extensions import db
    from cocreate.ideas.models import Idea, Status

    db.session.get(Idea, idea_id).status = Status.DECLINED


def delete_comment(comment_id: int) -> None:
    from cocreate.extensions import db, utcnow
    from cocreate.ideas.models import Comment

    db.session.get(Comment, comment_id).deleted_at = utcnow()


def withdraw_consent(email: str) -> None:
    user(email).contact_opt_in = False


def set_state(candidate_id: int, state: str) -> None:
    from cocreate.ambassadors.models import Candidate, State
    from cocreate.extensions import db

    db.session.get(Candidate, candidate_id).state = State(state)


def put_on_shortlist(sample: dict, email: str) -> None:
    from cocreate.ambassadors import shortlist
    from cocreate.companies.models import Company
    from cocreate.extensions import db

    company = db.session.scalar(db.select(Company).where(Company.slug == sample["company"]))
    shortlist.add_candidate(company, user(email), user(sample["owner"]))


def stale_token(page) -> None:
    """The form token went stale (the session was renewed in another tab): what the server gets is refused."""
    page.evaluate("""() => { document.body.setAttribute('hx-headers', '{"X-CSRFToken": "stale"}');
        document.querySelectorAll('input[name=csrf_token]').forEach(i => { i.value = 'stale'; }); }""")


# --- The cases: (who, open the page and prepare, press, the refusal's words) ------------------------------------

def posted_comment(w: World, email: str, body: str) -> int:
    """A comment on the world's idea, written through the service as ``email``'s account: its id."""
    from cocreate.extensions import db
    from cocreate.ideas import services as ideas
    from cocreate.ideas.models import Idea

    with app_context():
        comment_id = ideas.add_comment(db.session.get(Idea, w.idea), user(email), body).id
        db.session.commit()
    return comment_id

def comment(page, w: World):
    page.goto(f"/p/{w.product}/ideas/{w.idea}")
    yield
    page.get_by_role("button", name="Comment", exact=True).click()


def reply(page, w: World):
    first_id = posted_comment(w, w.sample["owner"], "What do you think?")
    page.goto(f"/p/{w.product}/ideas/{w.idea}")
    w.scope = f"#comment-{first_id} details.reply-box"
    page.locator(f"#comment-{first_id} details.reply-box summary").click()
    page.locator(f"#reply-{first_id}").fill("   ")  # passes the browser's "required"; nothing to post
    yield
    page.locator(f"#comment-{first_id} details.reply-box button[type=submit]").click()


def status(page, w: World):
    page.goto(f"/p/{w.product}/ideas/{w.idea}")
    page.get_by_label("New status").select_option("declined")
    page.get_by_label("Promised date").fill((date.today() + timedelta(days=30)).isoformat())
    yield
    page.get_by_role("button", name="Save status").click()


def official(page, w: World):
    answer_id = posted_comment(w, w.sample["owner"], "We are on it.")
    page.goto(f"/p/{w.product}/ideas/{w.idea}")
    w.scope = "#comments"
    change_world(delete_comment, answer_id)
    yield
    page.locator(f"#comment-{answer_id}").get_by_role("button", name="Mark as official response").click()


def helpful(page, w: World):
    said_id = posted_comment(w, w.sample["customer"], "Useful detail.")
    page.goto(f"/p/{w.product}/ideas/{w.idea}")
    stale_token(page)
    yield
    page.locator(f"#comment-{said_id}").get_by_role("button", name="Helpful").click()


def vote(page, w: World):
    page.goto(f"/p/{w.product}/ideas")
    w.scope = f"#vote-{w.idea}"
    change_world(close_voting, w.idea)
    yield
    page.locator(f"#vote-{w.idea} button").click()


def follow(page, w: World):
    page.goto(f"/p/{w.product}/ideas/{w.idea}")
    stale_token(page)
    yield
    page.locator(".follow button[type=submit]").first.click()


def rating(page, w: World):
    page.goto(f"/p/{w.product}/rate")
    w.scope = "#rating"
    yield
    page.locator("#rating button[type=submit]").click()  # every touchpoint left on "Skip"


def self_assessment(page, w: World):
    page.goto(f"/p/{w.product}/self-assessment")
    w.scope = "#self-assessment"
    page.evaluate("""() => { const r = document.querySelector('#self-assessment input[type=radio][value="5"]');
        r.value = '9'; r.checked = true; }""")
    yield
    page.get_by_role("button", name="Save the self-assessment").click()


def shortlist_add(page, w: World):
    _, email = shortlisted(w)
    with app_context():
        from cocreate.ambassadors.models import Candidate
        from cocreate.extensions import db

        fan = user(email)
        db.session.execute(db.delete(Candidate).where(Candidate.user_id == fan.id))  # not on it when shown
        db.session.commit()
        fan_id = fan.id
    page.goto(f"/c/{w.sample['company']}/ambassadors?sort=recent")
    w.scope = f"#shortlist-{fan_id}"
    change_world(put_on_shortlist, w.sample, email)
    yield
    page.locator(f"#shortlist-{fan_id} button[type=submit]").click()


def invite(page, w: World):
    candidate, email = shortlisted(w)
    page.goto(f"/c/{w.sample['company']}/ambassadors/shortlist")
    w.scope = f"#candidate-{candidate}"
    change_world(withdraw_consent, email)
    yield
    page.locator(f"#candidate-{candidate}").get_by_role("button", name="Invite").click()


def withdraw(page, w: World):
    candidate, _ = shortlisted(w, state="invited")
    page.goto(f"/c/{w.sample['company']}/ambassadors/shortlist")
    w.scope = f"#candidate-{candidate}"
    change_world(set_state, candidate, "declined")
    yield
    page.locator(f"#candidate-{candidate}").get_by_role("button", name="Withdraw").click()


def note(page, w: World):
    candidate, _ = shortlisted(w)
    page.goto(f"/c/{w.sample['company']}/ambassadors/shortlist")
    w.scope = f"#candidate-{candidate}"
    box = page.locator(f"#candidate-{candidate} textarea")
    box.evaluate("e => e.removeAttribute('maxlength')")  # as a browser that does not apply it would send it
    box.fill("n" * 2001)
    yield
    page.locator(f"#candidate-{candidate}").get_by_role("button", name="Save note").click()


def _answer(page, w: World, button: str):
    candidate, email = shortlisted(w, state="invited")
    page.context.clear_cookies()
    log_in(page, email)
    page.goto("/me/invitations")
    w.scope = f"#invitation-{candidate}"
    change_world(set_state, candidate, "withdrawn")
    yield
    page.locator(f"#invitation-{candidate}").get_by_role("button", name=button).click()


def accept(page, w: World):
    yield from _answer(page, w, "Accept")


def decline(page, w: World):
    yield from _answer(page, w, "Decline")


def read_all(page, w: World):
    from cocreate.notifications.services import notify

    with app_context():
        from cocreate.extensions import db

        notify(user(w.sample["customer"]), "test", subject="Something happened", body="", url="/")
        db.session.commit()
    page.goto("/notifications")
    stale_token(page)
    yield
    page.get_by_role("button", name="Mark all as read").click()


CASES = {  # form: (who, the steps, what the refusal says)
    "comment": ("owner", comment, "This field is required."),
    "reply": ("customer", reply, "This field is required."),
    "status": ("owner", status, "Only planned or in-progress ideas carry a promised date."),
    "mark official": ("owner", official, "Only a comment by the product team can be the official response."),
    "mark helpful": ("owner", helpful, STALE_TOKEN),
    "vote": ("customer", vote, "Voting is closed."),
    "follow": ("customer", follow, STALE_TOKEN),
    "rating": ("customer", rating, "Score at least one touchpoint"),
    "self-assessment": ("owner", self_assessment, "Choose a score from 1 to 5, or skip it."),
    "shortlist": ("owner", shortlist_add, "is on the shortlist already."),
    "invite": ("owner", invite, "has not agreed to be contacted about ambassador programmes."),
    "withdraw": ("owner", withdraw, "An invitation that is declined cannot become withdrawn."),
    "note": ("owner", note, "Keep the note under 2,000 characters."),
    "accept": ("customer", accept, "This invitation is withdrawn; there is nothing to answer."),
    "decline": ("customer", decline, "This invitation is withdrawn; there is nothing to answer."),
    "mark all read": ("customer", read_all, STALE_TOKEN),
}


@pytest.mark.parametrize("form", list(CASES))
def test_every_htmx_form_shows_its_refusal_in_place(page, sample, form):
    who, steps, words = CASES[form]
    world = make_world(sample)
    log_in(page, sample[who])
    run = steps(page, world)
    next(run)  # the page is shown and the form filled in
    page.evaluate("window.__sameDocument = true")  # a full page load would lose it
    with pytest.raises(StopIteration):
        next(run)  # the button is pressed
    message = page.locator(world.scope).get_by_text(words).first
    message.wait_for()
    assert message.is_visible()
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded: the refusal did not come in place"
    assert page.locator("html").count() == 1 and page.locator("body body, main main").count() == 0, \
        "a whole page was dropped into the page"


def test_the_list_of_cases_covers_every_htmx_form_of_the_templates():
    """A new hx-post form without a case here fails this test: add how it refuses."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    found = {}
    for path in sorted(templates.rglob("*.html")):
        for match in re.finditer(r"hx-(post|put|delete|patch)=\"\{\{ ?([^}]*?)\}\}\"", path.read_text()):
            target = match.group(2)
            endpoint = re.search(r"url_for\('([\w.]+)'", target)
            found[endpoint.group(1) if endpoint else target.strip()] = str(path.relative_to(templates))
    covered = {
        "ideas.comment", "ideas.change_status", "ideas.mark_comment", "vote.url", "action", "maturity.rate",
        "maturity.self_assessment", "add", "ambassadors.invite", "ambassadors.withdraw", "ambassadors.note",
        "ambassadors.accept", "ambassadors.decline", "notifications.read_all",
        "notifications.read",  # inside hx-disable: a plain form (tests/notifications)
    }
    assert set(found) <= covered, f"htmx forms without a refusal case: {set(found) - covered} ({found})"
