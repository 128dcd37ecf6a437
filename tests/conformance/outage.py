"""A database that stops answering for a while, as it does in real life.

PostgreSQL: the bot connects through a TCP proxy; `down()` resets every open connection
and refuses new ones (the listening socket is closed) until `up()`. SQLite: another
process holds the write lock, so every writer waits its busy timeout and then fails.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
from contextlib import suppress


class TcpProxy:
    """127.0.0.1:<port> -> target, in a thread of its own; down() refuses connections."""

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target = (target_host, target_port)
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="proxy")

    def start(self) -> TcpProxy:
        self.thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        with suppress(Exception):
            self._call(self._close(reset=True))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def down(self) -> None:
        """Reset every connection and refuse new ones."""
        self._call(self._close(reset=True))

    def up(self) -> None:
        self._call(self._listen())

    def _call(self, coro) -> None:  # type: ignore[no-untyped-def]
        asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port,
                                                 reuse_address=True)

    async def _close(self, reset: bool) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for w in list(self.writers):
            if reset and w.transport is not None:
                w.transport.abort()
        self.writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with suppress(Exception):
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}


class SqliteLock:
    """Hold SQLite's write lock from another connection (another process would do the
    same: a long admin import, a backup)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn: sqlite3.Connection | None = None

    def down(self) -> None:
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN EXCLUSIVE")

    def up(self) -> None:
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None
