"""Authorisation matrix: every route × every role gets the answer tests/security/matrix.py expects.

Refused requests (403, 404, log in) and every GET must leave the database exactly as it was; allowed writes
run on a freshly built world each, so one role's change cannot hide another's answer.
"""

from urllib.parse import urlsplit

import pytest

from cocreate.products.models import Visibility
from tests.security import world
from tests.security.matrix import CASES, LOGIN, OK, TEST_ONLY_BLUEPRINTS, Case

IGNORED_METHODS = {"HEAD", "OPTIONS"}
HIDDEN = "hidden"


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] not in TEST_ONLY_BLUEPRINTS
        for method in (rule.methods or set()) - IGNORED_METHODS
    }


def test_every_route_is_in_the_matrix(app):
    listed = {(case.endpoint, case.method) for case in CASES}
    missing = sorted(app_routes(app) - listed)
    assert not missing, (
        "These routes are not in the authorisation matrix: "
        + ", ".join(f"{method} {endpoint}" for endpoint, method in missing)
        + ". Add a Case for each to tests/security/matrix.py saying what every role gets."
    )
    stale = sorted(listed - app_routes(app))
    assert not stale, f"The matrix lists routes the app does not have: {stale}"


def test_the_route_check_sees_every_rule_of_the_app(make_app):
    """Whatever a feature adds (a blueprint's route, a rule on the app itself, any method), the check above
    sees it: the matrix cannot fall behind the routes other work adds."""
    other = make_app()
    other.add_url_rule("/probe-route", "probe_route", lambda: "", methods=["GET", "PATCH"])
    listed = {(case.endpoint, case.method) for case in CASES}
    assert {("probe_route", "GET"), ("probe_route", "PATCH")} <= app_routes(other) - listed


def send(client, case: Case, w: world.World, role: str):
    world.act_as(client, w.user(role))
    response = client.open(case.path(w), method=case.method, data=case.data(w, role))
    response.close()  # static files are streamed from an open file
    return response


def to_login(response) -> bool:
    return response.status_code == 303 and urlsplit(response.headers.get("Location", "")).path == "/login"


def verdict(response, expected, case: Case, role: str) -> str | None:
    """What is wrong with the answer, or None."""
    status = response.status_code
    got = f"{case.id} as {role}: got {status} {response.headers.get('Location', '')}".rstrip()
    if expected == LOGIN:
        return None if to_login(response) else f"{got}, expected a redirect to the log-in page"
    if expected == HIDDEN:
        return None if to_login(response) or status == 404 else f"{got}, expected 404 or the log-in page"
    if expected == OK:
        return None if status in (200, 204, 303) and not to_login(response) else f"{got}, expected it allowed"
    return None if status == expected else f"{got}, expected {expected}"


def run_roles(app, case: Case, expect: dict, visibility: Visibility = Visibility.PUBLIC) -> list[str]:
    """Every role of `expect`: refusals and reads first, on one world; each allowed write on a new one."""
    writes = case.method != "GET"
    order = sorted(expect, key=lambda role: writes and expect[role] == OK)  # allowed writes last
    problems: list[str] = []
    w = world.build(visibility)
    fresh = True
    for role in order:
        allowed_write = writes and expect[role] == OK
        if allowed_write and not fresh:
            world.reset()
            w = world.build(visibility)
        before = None if allowed_write else world.snapshot()
        response = send(app.test_client(), case, w, role)
        problem = verdict(response, expect[role], case, role)
        if problem:
            problems.append(problem)
        elif before is not None and world.snapshot() != before:
            problems.append(f"{case.id} as {role}: answered {response.status_code} but changed the database")
        fresh = fresh and not allowed_write
    return problems


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_role_gets_the_expected_answer(app, case):
    problems = run_roles(app, case, case.expect)
    assert not problems, "\n".join(problems)


class _Probe:
    """Stands in for a World to see where a case's path points, without a database."""

    id = 1
    slug = "probe"

    def __getattr__(self, name):
        return self

    def __getitem__(self, key):
        return self


PRODUCT_CASES = [case for case in CASES if case.path(_Probe()).startswith("/p/")]


@pytest.mark.parametrize("case", PRODUCT_CASES, ids=lambda c: c.id)
def test_private_product_is_hidden_from_outsiders_and_open_to_its_team(app, case):
    """A private product's pages and actions are a 404 to anyone outside its company (anonymous: a 404 or
    the log-in page); its team gets the same answers as on a public product."""
    expect = {"anonymous": HIDDEN, "customer": 404, "author": 404, "outsider": 404,
              "product": case.expect["product"], "owner": case.expect["owner"]}
    problems = run_roles(app, case, expect, Visibility.PRIVATE)
    assert not problems, "\n".join(problems)
