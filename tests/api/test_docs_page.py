"""/api/v1/docs: the API described for people, from the document derived from the schemas."""


def test_the_docs_page_lists_every_operation_of_the_derived_document_without_a_token(client):
    document = client.get("/api/v1/openapi.json").json
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    operations = [(path, method) for path, methods in document["paths"].items() for method in methods
                  if method != "parameters"]
    assert len(operations) >= 19
    for path, method in operations:
        assert f'<code class="api-method">{method.upper()}</code> <code class="api-path">{path}</code>' in html
    assert "<code>limit</code>" in html and "integer, 1–100, default 20" in html  # a query parameter
    assert "<code>cursor</code>" in html  # cursor pagination
    assert "<code>promised_on</code>" in html and "one of: " in html  # body fields and an enum
    assert "<code>If-None-Match</code>" in html  # ETags
    assert "No API token, or an unknown, revoked or expired one." in html  # the answers
    assert 'href="/api/v1/openapi.json"' in html


def test_swagger_ui_is_vendored_and_started_by_a_file_under_the_strict_csp(client):
    response = client.get("/api/v1/docs")
    html = response.get_data(as_text=True)
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert '<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js' in html
    assert '<script src="/static/js/api-docs.js' in html
    assert 'data-spec="/api/v1/openapi.json"' in html
    assert "<script>" not in html  # no inline script anywhere
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    for asset in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css",
                  "/static/js/api-docs.js"):
        with client.get(asset) as served:
            assert served.status_code == 200, asset


def test_the_tokens_page_links_the_docs(client, logged_in):
    assert 'href="/api/v1/docs"' in client.get("/profile/tokens").get_data(as_text=True)
