"""Sessions, CSRF and security headers of the workspace.

The cookie is HttpOnly, SameSite=Lax and Secure whenever the workspace is served over
https or on this machine (browsers accept Secure cookies from http://localhost and
127.0.0.1); a plain-http address on another host would lose its cookie, so start-up warns
about it instead. Every POST carries the session's CSRF token in a hidden field.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "zc_session"
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}

HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "font-src 'self'; script-src 'none'; frame-ancestors 'none'; "
                                "form-action 'self'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # the sign-in link's token must never leave in a Referer header
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def secure_cookies(base_url: str) -> bool:
    parts = urlsplit(base_url)
    return parts.scheme == "https" or (parts.hostname or "") in LOOPBACK


def set_session_cookie(resp: Response, cookie: str, max_age: int, secure: bool) -> None:
    resp.set_cookie(COOKIE, cookie, max_age=max_age, httponly=True, secure=secure,
                    samesite="lax", path="/")


def clear_session_cookie(resp: Response, secure: bool) -> None:
    resp.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="lax")


def cookie_of(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def csrf_ok(expected: str, form_value: object) -> bool:
    return isinstance(form_value, str) and secrets.compare_digest(expected, form_value)
