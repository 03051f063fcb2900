"""The schedule, declared in code: every periodic task is listed, runs by hand, and the once-a-day ones run once."""

from datetime import date, timedelta

import sqlalchemy as sa

from cocreate import tasks
from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas.models import Status
from cocreate.ideas.services import change_status
from cocreate.notifications.models import MailMessage
from cocreate.notifications.tasks import team_digests
from tests import factories

SCHEDULED = {"release_versions", "refresh_board", "sweep_mail", "send_digests", "team_digests", "purge_mail",
             "sweep_webhooks", "purge_deliveries", "refresh_contribution_scores", "sweep_images"}


def test_every_scheduled_task_is_listed_with_what_it_does(runner):
    output = runner.invoke(args=["tasks", "list"]).output
    listed = {line.split(":")[0].rsplit(".", 1)[-1] for line in output.splitlines()}
    assert listed == SCHEDULED
    assert "Every 5 minutes" in output and "Daily at 03:30 UTC" in output


def test_an_unknown_task_is_refused_by_name(runner):
    result = runner.invoke(args=["tasks", "run", "send_everything"])
    assert result.exit_code != 0 and "flask tasks list" in result.output


def test_the_team_digest_goes_out_once_a_day_however_many_schedulers_run_it(runner):
    company = factories.CompanyFactory()
    owner = factories.member(company, Role.OWNER)
    product = factories.ProductFactory(company=company)
    late = factories.idea(product, title="Late promise")
    change_status(late, owner, Status.PLANNED, promised_on=date.today() + timedelta(days=1))
    late.promised_on = date.today() - timedelta(days=3)  # promised earlier; its day has passed
    db.session.commit()

    first, second = team_digests.call_local(), team_digests.call_local()
    assert first >= 1 and second == 0
    subjects = db.session.scalars(sa.select(MailMessage.subject).where(MailMessage.user_id == owner.id)).all()
    assert subjects.count("Your daily Cocreate digest") == 1
    assert tasks.once("team_digest_daily", date.today().isoformat()) is False  # the day is taken


def test_the_board_refresh_records_a_stage_no_event_announced(runner):
    from cocreate.maturity.models import StageChange

    product = factories.rated_product(versions=1)
    for _ in range(12):  # ratings written behind the services' back: no event, as when the clock moves
        factories.rating(product.current_version, scores=(5, 5, 5, 5, 5, 5))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StageChange)) == 0
    assert runner.invoke(args=["tasks", "run", "refresh_board"]).output.strip() == "1"
    change = db.session.scalar(sa.select(StageChange))
    assert change.product_id == product.id and change.from_stage == "Prototype" and change.to_stage != "Prototype"
