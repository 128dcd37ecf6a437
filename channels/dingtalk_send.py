"""DingTalk's robot send APIs on aiohttp, with the app access token cached, and every
answer mapped onto the channel contract's SendResult.

Why not the SDK: `dingtalk-stream` fetches its token and replies with blocking
`requests` calls inside coroutines, which would stall the event loop that also receives
the stream and runs the inbox; and it has no call for proactive messages at all. So this
module does the few HTTP calls the bot needs itself:

    POST /v1.0/oauth2/accessToken            {appKey, appSecret} -> {accessToken, expireIn}
    POST /v1.0/robot/oToMessages/batchSend   one person (userIds=[staffId])
    POST /v1.0/robot/groupMessages/send      a group (openConversationId)

Every message goes through these two send APIs, replies included; the per-message
session webhook is not used. A reply is an outbox row that may be sent minutes or, after
an outage, hours later (the webhook expires after about 90 minutes) and after a restart
(the webhook URL lived only in the received frame); one path also means one error
mapping and one pacing budget. The price is an access token, fetched every two hours.

Mapping (docs/dingtalk-protocol.md lists the bodies):
    200, user in invalidStaffIdList        -> blocked (left the organisation, no such user)
    200, user in flowControlledStaffIdList -> retry after a minute
    403 QpsLimit* / 429                    -> retry after a second (or Retry-After)
    403 ...GroupRobotMessageLimit          -> retry after ten minutes (the group is throttled)
    400 InvalidAuthentication              -> new token, once, at once; then retry
    400 other (bad parameter)              -> failed
    5xx, connection refused/reset          -> retry with the sender's backoff
    timeout waiting for the answer         -> unknown (it may have arrived)
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import aiohttp

from core.channel import SendResult as R

log = logging.getLogger(__name__)
P_TOKEN = "/v1.0/oauth2/accessToken"
P_BATCH = "/v1.0/robot/oToMessages/batchSend"
P_GROUP = "/v1.0/robot/groupMessages/send"
TOKEN_MARGIN = 300.0  # refresh this long before the token expires (as the SDK does)
QPS_RETRY = 1.0
FLOW_RETRY = 60.0
GROUP_THROTTLE_RETRY = 600.0  # DingTalk throttles a group for ten minutes


class TokenError(RuntimeError):
    """The access token could not be fetched (network, DingTalk down, bad credentials)."""


class TokenCache:
    """The app's access token, fetched once and shared by every send until shortly before
    it expires; one fetch at a time however many sends wait for it."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str, client_id: str,
                 client_secret: str) -> None:
        self.http, self.base = http, base_url.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0

    def reset(self, token: str | None = None) -> None:
        """Forget the token (DingTalk refused it); only if it is still the one refused."""
        if token is None or token == self._token:
            self._token, self._expires = None, 0.0

    async def get(self) -> str:
        if self._token and time.monotonic() < self._expires:
            return self._token
        async with self._lock:
            if self._token and time.monotonic() < self._expires:
                return self._token
            try:
                async with self.http.post(self.base + P_TOKEN, json={
                        "appKey": self.client_id, "appSecret": self.client_secret}) as resp:
                    body = await _json(resp)
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise TokenError(type(exc).__name__) from exc
            if status != 200 or not body.get("accessToken"):
                raise TokenError(f"{status} {body.get('code')}")
            self.fetches += 1
            ttl = float(body.get("expireIn") or 7200)
            self._token = str(body["accessToken"])
            self._expires = time.monotonic() + max(ttl - TOKEN_MARGIN, ttl / 2)
            return self._token


async def _json(resp: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await resp.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(resp_headers: Any, default: float) -> float:
    try:
        return max(default, float(resp_headers.get("Retry-After", "")))
    except (TypeError, ValueError):
        return default


class RobotClient:
    """One robot's sends. `send(target, msg_key, msg_param)`: a staffId, or "g:<cid>"
    for a group; the answer is a SendResult, never an exception."""

    def __init__(self, http: aiohttp.ClientSession, tokens: TokenCache, base_url: str,
                 robot_code: str) -> None:
        self.http, self.tokens = http, tokens
        self.base, self.robot_code = base_url.rstrip("/"), robot_code

    async def send(self, user_id: str | None, group_id: str | None, msg_key: str,
                   msg_param: dict[str, Any]) -> R:
        param = json.dumps(msg_param, ensure_ascii=False)
        if group_id is not None:
            path, body = P_GROUP, {"robotCode": self.robot_code, "openConversationId": group_id,
                                   "msgKey": msg_key, "msgParam": param}
        else:
            path, body = P_BATCH, {"robotCode": self.robot_code, "userIds": [user_id],
                                   "msgKey": msg_key, "msgParam": param}
        for attempt in (1, 2):
            try:
                token = await self.tokens.get()
            except TokenError as exc:
                return R("retry", error=f"token {exc}")
            try:
                async with self.http.post(self.base + path, json=body,
                                          headers={"x-acs-dingtalk-access-token": token}) as resp:
                    payload = await _json(resp)
                    status, headers = resp.status, resp.headers
            except aiohttp.ConnectionTimeoutError as exc:  # never connected: safe to resend
                return R("retry", error=type(exc).__name__)
            except (aiohttp.ServerTimeoutError, TimeoutError):
                # the request went out and no answer came: it may have been delivered
                return R("unknown", error="timeout after sending")
            except aiohttp.ClientConnectorError as exc:  # never reached DingTalk
                return R("retry", error=type(exc).__name__)
            except (aiohttp.ClientError, OSError) as exc:  # reset, closed before an answer
                return R("retry", error=type(exc).__name__)
            code = str(payload.get("code") or "")
            if status == 400 and code == "InvalidAuthentication" and attempt == 1:
                self.tokens.reset(token)  # expired or revoked early: one new token, at once
                continue
            return self._result(status, code, payload, headers, user_id)
        return R("retry", error="InvalidAuthentication")

    @staticmethod
    def _result(status: int, code: str, payload: dict[str, Any], headers: Any,
                user_id: str | None) -> R:
        if status == 200:
            if user_id is not None and user_id in (payload.get("invalidStaffIdList") or []):
                return R("blocked", error="invalidStaffId")
            if user_id is not None and user_id in (payload.get("flowControlledStaffIdList") or []):
                return R("retry", retry_after=FLOW_RETRY, error="flowControlled")
            key = payload.get("processQueryKey")
            return R("sent", message_id=str(key) if key else None)
        if status == 429 or code.startswith("Forbidden.AccessDenied.QpsLimit"):
            return R("retry", retry_after=_retry_after(headers, QPS_RETRY), error=code or "429")
        if code.startswith("Forbidden.AccessDenied.GroupRobot") or code.endswith("GroupRobotMessageLimit"):
            return R("retry", retry_after=GROUP_THROTTLE_RETRY, error=code)
        if status >= 500:
            return R("retry", error=str(status))
        if status == 400 and code == "InvalidAuthentication":
            return R("retry", error=code)
        if status in (401, 403) and "staff" in code.lower():
            return R("blocked", error=code)
        return R("failed", error=f"{status} {code}"[:64])
