"""A shared cache of whole pages for visitors who are not logged in: a few seconds, per language and URL.

A visitor's page is the same for everyone who asks in that language (it carries no CSRF token and sets no
cookie: see templates/base.html and ideas/_vote.html), so the first request renders it and the next ones, for
PAGE_CACHE_SECONDS, are served from the cache store (Redis when REDIS_URL is set, so every worker and host shares
it). Only requests without a session or remember-me cookie and without an API token take part; a page that starts
a session, sets a cookie, or says it is private is never stored. Signed-in people always see their own votes and
ratings at once: they never read this cache.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale

from cocreate.extensions import cache

log = logging.getLogger(__name__)

# Headers of the view worth keeping; the app's after-request hooks add the security headers on every answer.
_KEPT = ("Content-Type", "Content-Language", "ETag", "Cache-Control", "Vary")


def _key() -> str | None:
    """The cache key of this request, or None when it must not use the cache."""
    config = current_app.config
    if not config.get("PAGE_CACHE_SECONDS") or request.method != "GET":
        return None
    cookies = request.cookies
    if config["SESSION_COOKIE_NAME"] in cookies or config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
        return None
    if "Authorization" in request.headers or request.path.startswith(("/static/", "/api/", "/images/")):
        return None
    fragment = "block" if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted") else "page"
    return f"page:1:{get_locale()}:{fragment}:{request.full_path}"


def serve_from_cache() -> Response | None:
    key = _key()
    g.page_cache_key = key
    if key is None:
        return None
    try:
        hit = cache.get(key)
    except Exception as error:  # the cache store (Redis) is down: render the page as if there were no cache
        log.warning("page cache unavailable: %s", error)
        return None
    if hit is None:
        return None
    body, headers = hit
    g.page_cache_hit = True
    response = Response(body, 200, headers=headers)
    etag = response.get_etag()[0]
    if etag and etag in request.if_none_match:
        response = Response(status=304, headers=[(k, v) for k, v in headers if k in ("ETag", "Cache-Control", "Vary")])
    response.headers["X-Page-Cache"] = "hit"
    return response


def store_in_cache(response: Response) -> Response:
    key = g.get("page_cache_key")
    if key is None or g.get("page_cache_hit"):
        return response
    private = "private" in (response.headers.get("Cache-Control") or "") or "no-store" in (
        response.headers.get("Cache-Control") or "")
    if (response.status_code != 200 or response.mimetype != "text/html" or private or session.modified
            or dict(session) or "Set-Cookie" in response.headers or response.direct_passthrough):
        return response
    headers = [(name, value) for name, value in response.headers.items() if name in _KEPT]
    try:
        cache.set(key, (response.get_data(), headers), timeout=current_app.config["PAGE_CACHE_SECONDS"])
    except Exception as error:  # the cache store (Redis) is down: the page is served all the same
        log.warning("page cache unavailable: %s", error)
        return response
    response.headers["X-Page-Cache"] = "miss"
    return response


def init_app(app: Flask) -> None:
    app.before_request(serve_from_cache)
    app.after_request(store_in_cache)
