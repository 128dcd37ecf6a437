"""The county workspace: a Starlette app with server-rendered pages (Jinja2), no script.

Every page: who is signed in (a session cookie) -> what they may see (services/
workspace/scope.py) -> figures (set-based) -> a template. Refusals are audited like the
bot's. Pages are plain functions run in Starlette's thread pool with one database
session each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from services import audit, weblogin
from services.clock import Clock, local
from services.config import Settings
from services.errors import NotFound, PermissionDenied, UserError
from services.fonts import cjk_font_path
from services.roles import ROLE_LABELS
from services.workspace import scope
from services.workspace.scope import Viewer
from storage.db import Database
from storage.models import Member, WebSession
from web import auth
from web import text as T

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


class Workspace:
    """What every page needs: the database, the settings, the clock, the templates."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.secure = auth.secure_cookies(settings.web_url)
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"),
                               autoescape=select_autoescape(["html"]), trim_blocks=True,
                               lstrip_blocks=True)
        self.env.globals.update(T=T, ROLE_LABELS=ROLE_LABELS)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def today(self) -> date:
        return local(self.now, self.settings.timezone).date()

    def html(self, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        body = self.env.get_template(name).render(**ctx)
        return HTMLResponse(body, status_code=status, headers=auth.HEADERS)

    def message(self, title: str, text: str, status: int, viewer: Viewer | None = None) -> HTMLResponse:
        return self.html("message.html", status, title=title, text=text, viewer=viewer)


PageFn = Callable[[Workspace, Request, Any, Viewer, WebSession], Response]


def page(fn: PageFn) -> Callable[[Request], Response]:
    """Wrap a page: sign-in, viewer, CSRF on POST, refusals audited, errors in Chinese."""

    async def endpoint(request: Request) -> Response:
        ws: Workspace = request.app.state.ws
        form = dict(await request.form()) if request.method == "POST" else {}
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(_run, ws, request, form, fn)

    return endpoint


def _run(ws: Workspace, request: Request, form: dict[str, Any], fn: PageFn) -> Response:
    viewer: Viewer | None = None
    with ws.db.session() as s:
        found = weblogin.current(s, auth.cookie_of(request), ws.now)
        if found is None:
            return ws.message(T.SIGNED_OUT_TITLE, T.SIGNED_OUT, 401)
        session_row, member = found
        try:
            viewer = scope.viewer_for(s, member)
            if request.method == "POST" and not auth.csrf_ok(session_row.csrf, form.get("csrf")):
                raise PermissionDenied("web.not_in_scope")
            request.state.form = form
            return fn(ws, request, s, viewer, session_row)
        except PermissionDenied as exc:
            s.rollback()
            audit.record(s, f"member:{member.id}", "refused", ws.now,
                         subject=f"web:{request.url.path}"[:128], code=exc.code)
            return ws.message(T.REFUSED_TITLE, str(exc), 403, viewer)
        except NotFound as exc:
            s.rollback()
            return ws.message(T.NOT_FOUND_TITLE, str(exc), 404, viewer)
        except UserError as exc:
            s.rollback()
            return ws.message(T.BAD_INPUT_TITLE, str(exc), 400, viewer)


# -- sign-in ---------------------------------------------------------------------------------
async def login_page(request: Request) -> Response:
    """GET shows a button and spends nothing: a chat app's link preview cannot use it up."""
    ws: Workspace = request.app.state.ws
    token = request.path_params["token"]
    with ws.db.session() as s:
        try:
            weblogin.check_link(s, token, ws.now)
        except UserError as exc:
            return ws.message(T.LINK_TITLE, str(exc), 400)
    return ws.html("login.html", token=token)


async def login_post(request: Request) -> Response:
    ws: Workspace = request.app.state.ws
    token = request.path_params["token"]
    with ws.db.session() as s:
        try:
            new = weblogin.redeem(s, token, ws.now, ws.settings)
        except UserError as exc:
            return ws.message(T.LINK_TITLE, str(exc), 400)
        member = s.get(Member, new.member_id)
        try:
            home = scope.viewer_for(s, member).home()  # type: ignore[arg-type]
        except UserError as exc:
            return ws.message(T.LINK_TITLE, str(exc), 400)
        audit.record(s, f"member:{new.member_id}", "web.signin", ws.now)
    resp = RedirectResponse(home, status_code=303, headers=auth.HEADERS)
    auth.set_session_cookie(resp, new.cookie, ws.settings.web_session_hours * 3600, ws.secure)
    return resp


def logout(ws: Workspace, request: Request, s: Any, viewer: Viewer, sess: WebSession) -> Response:
    weblogin.end(s, auth.cookie_of(request), ws.now)
    resp = ws.message(T.SIGNED_OUT_TITLE, T.LOGGED_OUT, 200)
    auth.clear_session_cookie(resp, ws.secure)
    return resp


def home(ws: Workspace, request: Request, s: Any, viewer: Viewer, sess: WebSession) -> Response:
    return RedirectResponse(viewer.home(), status_code=303, headers=auth.HEADERS)


async def font(request: Request) -> Response:
    path = cjk_font_path()
    if path is None:
        return Response(status_code=404)
    return FileResponse(path, media_type="font/otf",
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})


async def health(request: Request) -> Response:
    return Response("ok", media_type="text/plain")


def create_app(db: Database, settings: Settings, clock: Clock | None = None) -> Starlette:
    from web import pages

    ws = Workspace(db, settings, clock or Clock())
    routes = [
        Route("/", page(home)),
        Route("/healthz", health),
        Route("/login/{token}", login_page, methods=["GET"]),
        Route("/login/{token}", login_post, methods=["POST"]),
        Route("/logout", page(logout), methods=["POST"]),
        Route("/font/cjk.otf", font),
        *[Route(path, page(fn), methods=methods) for path, fn, methods in pages.ROUTES],
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.ws = ws
    return app
