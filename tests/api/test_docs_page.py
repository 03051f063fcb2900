"""/api/v1/docs: the API described for people, from the OpenAPI document (issue 14.11: it was a 404)."""

from cocreate.api import openapi


def test_the_docs_page_lists_every_operation_with_its_parameters_without_a_token(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    document = openapi.document("http://localhost/api/v1")
    for path, methods in document["paths"].items():
        for method in methods:
            assert f'<code class="api-method">{method.upper()}</code> <code class="api-path">{path}</code>' in html
    assert "<code>per_page</code>" in html and "integer, 1–100, default 20" in html  # a query parameter
    assert "<code>promised_on</code>" in html and "one of: " in html  # body fields and an enum
    assert "No API token, or an unknown, revoked or expired one." in html  # the answers
    assert 'href="/api/v1/openapi.json"' in html


def test_the_docs_page_loads_nothing_from_elsewhere_and_runs_no_script_of_its_own(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "cdn" not in html.lower() and "swagger" not in html.lower()
    assert html.count("<script") == 2  # the site's own htmx and app.js, as on every page
    assert "script-src 'self'" in client.get("/api/v1/docs").headers["Content-Security-Policy"]


def test_the_tokens_page_links_the_docs(client, logged_in):
    assert 'href="/api/v1/docs"' in client.get("/profile/tokens").get_data(as_text=True)
