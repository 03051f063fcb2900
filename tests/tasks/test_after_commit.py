"""Events inside the transaction, side effects after it: a rolled-back change sends, queues and caches nothing."""

import sqlalchemy as sa

from cocreate import events
from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas.models import Status
from cocreate.ideas.services import change_status, set_vote
from cocreate.maturity.models import ProductFigures
from cocreate.notifications.models import MailMessage, Notification
from cocreate.webhooks import services as webhooks
from cocreate.webhooks.models import WebhookDelivery
from tests import factories, taskqueue


def world():
    company = factories.CompanyFactory()
    team = factories.member(company, Role.OWNER)
    webhooks.create_webhook(company, team, url="http://127.0.0.1:9/hook", events=["idea.status_changed"])
    product = factories.rated_product(company)
    idea = factories.idea(product, factories.UserFactory(), title="Kickstand")
    set_vote(idea, factories.UserFactory(), True)
    db.session.commit()
    taskqueue.clear()
    return team, product, idea


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Notification, MailMessage, WebhookDelivery))


def stored_stage(product) -> str | None:
    return db.session.scalar(sa.select(ProductFigures.stage).where(ProductFigures.product_id == product.id))


def test_a_rolled_back_change_sends_queues_and_stores_nothing():
    team, product, idea = world()
    change_status(idea, team, Status.PLANNED, note="Soon")
    assert counts() == (2, 2, 1)  # written in the transaction: two followers told, one webhook delivery
    assert stored_stage(product) is not None  # the board's figures, judged again in the same transaction
    assert events.pending(db.session())  # the jobs wait for the commit
    assert taskqueue.queued() == []
    db.session.rollback()
    assert counts() == (0, 0, 0) and stored_stage(product) is None
    assert taskqueue.queued() == []
    assert not events.pending(db.session())

    db.session.commit()  # a later commit of the same session does not revive what was rolled back
    assert taskqueue.queued() == []


def test_a_committed_change_hands_its_work_over_once_committed():
    team, product, idea = world()
    change_status(idea, team, Status.PLANNED, note="Soon")
    db.session.commit()
    assert sorted(taskqueue.queued()) == ["cocreate.notifications.tasks.send_mail"] * 2 + [
        "cocreate.webhooks.tasks.deliver_webhook"]
    assert stored_stage(product) is not None
    db.session.commit()
    assert len(taskqueue.queued()) == 3  # handed over once


def test_a_failing_savepoint_keeps_the_outer_transactions_work(app):
    team, product, idea = world()
    change_status(idea, team, Status.PLANNED)
    try:
        with db.session.begin_nested():
            db.session.execute(sa.text("SELECT 1"))
            raise RuntimeError("inner failure")
    except RuntimeError:
        pass
    db.session.commit()
    assert "cocreate.webhooks.tasks.deliver_webhook" in taskqueue.queued()


def test_work_that_cannot_be_handed_over_is_logged_and_the_commit_stands(caplog):
    team, product, idea = world()

    def broken():
        raise ConnectionError("broker down")

    change_status(idea, team, Status.DECLINED)
    events.after_commit(broken)
    with caplog.at_level("ERROR", logger="cocreate.events"):
        db.session.commit()
    assert "broker down" in caplog.text
    db.session.expire_all()
    assert idea.status == Status.DECLINED


def test_no_feature_imports_another_features_routes_or_side_effects():
    """The rule of the house, checked on the source: routes import only their own feature's routes, and the
    services that announce events never import the features that react to them."""
    import pathlib
    import re

    root = pathlib.Path(__file__).parents[2] / "cocreate"
    features = {p.parent.name for p in root.glob("*/__init__.py")}
    problems = []
    for path in root.glob("*/*.py"):
        feature = path.parent.name
        for imported in re.findall(r"^\s*from cocreate\.(\w+)\.(\w+) import|^\s*from cocreate\.(\w+) import (\w+)",
                                   path.read_text(), flags=re.M):
            package, module = (imported[0], imported[1]) if imported[0] else (imported[2], imported[3])
            if package in features and package != feature and module in ("routes", "csv_routes", "subscribers",
                                                                          "tasks"):
                problems.append(f"{path.relative_to(root)} imports cocreate.{package}.{module}")
            if package in ("notifications", "webhooks") and package != feature and module in ("services", "mail"):
                problems.append(f"{path.relative_to(root)} calls {package} directly")
    assert problems == []
