"""python-telegram-bot's networking on aiohttp instead of httpx.

PTB makes its HTTP calls through `telegram.request.BaseRequest`, an interface meant to be
implemented "via different asyncio HTTP libraries". Its default, `HTTPXRequest`, made a
sendMessage cost 1.7 ms of CPU on this machine; over aiohttp, with the answer kept as JSON
(channels.telegram.RawBot), 0.4 ms: 23% (`bench/ptb_http_bench.py`, same run). The bot
sends every reply from one process, so that difference was a third of what an update cost.
aiohttp is already here (aiogram and the webhook server use it).

PTB keeps everything else: building requests (`RequestData`), reading the answer and
raising its own errors (RetryAfter, Forbidden, BadRequest ...). Transport failures are
raised as PTB's: `TimedOut` for timeouts and `NetworkError` for the rest, each `from` the
aiohttp exception, so `channels.telegram.fault` can tell a connect timeout (nothing was
sent) from a read timeout (it may have arrived), as it can with httpx.
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded pool of keep-alive connections."""

    def __init__(self, connection_pool_size: int = 8, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = BaseRequest.DEFAULT_NONE,
                         write_timeout: object = BaseRequest.DEFAULT_NONE,
                         connect_timeout: object = BaseRequest.DEFAULT_NONE,
                         pool_timeout: object = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        unset = BaseRequest.DEFAULT_NONE
        read = self._read if read_timeout is unset else read_timeout
        connect = self._connect if connect_timeout is unset else connect_timeout
        write = (self._write if not files else self._media_write) \
            if write_timeout is unset else write_timeout
        # aiohttp has no write timeout of its own: an upload may take the write time on top
        # of waiting for the answer. Waiting for a free connection counts as connecting.
        timeout = aiohttp.ClientTimeout(
            total=None, connect=connect,  # type: ignore[arg-type]
            sock_read=(read or 0) + (write or 0) if files else read)  # type: ignore[operator]
        # a plain form, encoded here: aiohttp's own encoding of a dict (a FormData and its
        # payload lookup) cost more than the rest of the request together
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if fields and not files:
            data = urlencode(fields).encode()
            headers = _FORM
        if files:
            form = aiohttp.FormData(quote_fields=False)  # 表.xlsx stays 表.xlsx
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, spec in files.items():
                filename, content, mime = (spec if isinstance(spec, tuple) and len(spec) == 3
                                           else (name, spec, "application/octet-stream"))
                form.add_field(name, content, filename=filename, content_type=mime)
            data = form
        try:
            async with self._session.request(method, url, data=data, headers=headers,
                                             timeout=timeout) as res:
                return res.status, await res.read()
        except TimeoutError as err:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
