"""/api/v1/docs in Chromium (issue 18.1): Swagger UI, vendored, runs under the site's strict CSP and calls the API
with a token; without JavaScript the server-rendered reference is the page."""

import pytest

from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def token(live_server, sample):
    from cocreate.api.services import create_token
    from cocreate.auth.models import User
    from cocreate.extensions import db

    with live_server.app.app_context():
        owner = db.session.scalar(db.select(User).where(User.email == sample["owner"]))
        _row, secret = create_token(owner, "docs page", scope="read")
        db.session.commit()
        return secret


def test_swagger_ui_runs_under_the_csp_and_tries_an_operation_with_a_token(new_page, token, sample):
    page = new_page(viewport=PHONE)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/api/v1/docs")
    page.wait_for_selector("#swagger-ui .opblock")
    assert page.is_visible("#api-try")
    assert page.locator("#swagger-ui .opblock").count() >= 20
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # fits a phone

    page.click("#swagger-ui .authorize")
    page.fill(".modal-ux input[type=text]", token)
    page.click(".modal-ux .auth-btn-wrapper .authorize")
    page.click(".modal-ux .btn-done")
    operation = page.locator("#swagger-ui .opblock-get", has_text="/api/v1/products/{slug}/versions").first
    operation.locator(".opblock-summary").click()
    operation.locator(".try-out__btn").click()
    operation.locator("input[placeholder='slug']").fill(sample["product"])
    operation.locator(".execute").click()
    answer = operation.locator(".live-responses-table .response .response-col_status").first
    answer.wait_for()
    assert answer.inner_text().strip() == "200"
    assert '"label": "v2"' in operation.locator(".live-responses-table .microlight").first.inner_text()
    assert not problems, problems


def test_without_javascript_the_reference_is_the_page(new_page):
    page = new_page(java_script_enabled=False, viewport=PHONE)
    page.goto("/api/v1/docs")
    assert not page.is_visible("#api-try")
    assert page.locator("section.api-op").count() >= 20
    assert page.locator("code.api-path", has_text="/api/v1/products/{slug}/ratings").first.is_visible()
