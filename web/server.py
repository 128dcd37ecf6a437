"""Serving the workspace: in its own thread beside the bot (`bot.py run`), or alone
(`bot.py web --port PORT`). Uvicorn runs the Starlette app; pages use their own
database engine, so the bot's channels and the pages never wait on each other's pool."""

from __future__ import annotations

import logging
import threading
import time

import uvicorn

from services.clock import Clock
from services.config import Settings
from storage.db import Database
from web.app import create_app

log = logging.getLogger(__name__)


class WebServer:
    def __init__(self, settings: Settings, db: Database | None = None,
                 clock: Clock | None = None) -> None:
        self.settings = settings
        self.db = db or Database(settings.database_url)
        app = create_app(self.db, settings, clock)
        self.server = uvicorn.Server(uvicorn.Config(
            app, host=settings.web_listen, port=settings.web_port, log_level="warning",
            access_log=False, server_header=False, proxy_headers=False, lifespan="off"))
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.settings.web_url

    def start(self, timeout: float = 10.0) -> WebServer:
        """Serve in a daemon thread; returns once the port is listening."""
        self.thread = threading.Thread(target=self.server.run, name="web", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"web server did not start on {self.settings.web_listen}:"
                                   f"{self.settings.web_port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)

    def serve_forever(self) -> None:
        self.server.run()
