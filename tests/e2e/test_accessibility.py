"""axe-core on every main page: no serious or critical violation (colour contrast included)."""

import pytest

from tests.e2e.conftest import log_in
from tests.e2e.pages import PAGE_NAMES, main_pages

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="axe-playwright-python is not installed")
    return module.Axe()


def describe(violation: dict) -> str:
    targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
    return f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}"


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_no_serious_accessibility_violation(new_page, sample, axe, name):
    _, path, who = next(p for p in main_pages(sample) if p[0] == name)
    page = new_page(bypass_csp=True)  # axe injects a script; the app's CSP forbids inline scripts
    if who:
        log_in(page, who)
    response = page.goto(path)
    assert response.status == 200
    results = axe.run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(describe(v) for v in serious)
