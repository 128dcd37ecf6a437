"""A thin client for DingTalk's robot send APIs (the SDK has none for proactive sends).

``dingtalk-stream`` receives messages and replies through the per-message session
webhook, but a bot also has to *start* conversations (reminders, digests): that is
``POST /v1.0/robot/oToMessages/batchSend`` (single chats, up to 20 userIds) and
``POST /v1.0/robot/groupMessages/send`` (a group by openConversationId), authenticated with
the ``x-acs-dingtalk-access-token`` header. This helper wraps exactly those calls plus the
session-webhook reply, turns DingTalk's error bodies into :class:`DingTalkApiError`, and
leaves retries, queues and rate limiting to the caller - that policy belongs to the bot.

It lives beside the fake because it is the piece of client code the fake is tested with;
the DingTalk channel may adopt it. It is synchronous (``requests``, like the SDK): call it
from a worker thread, never from the event loop that also serves a fake.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

__all__ = ["DingTalkApiError", "RobotSender", "action_card", "markdown", "text"]

JSON = dict[str, Any]
DEFAULT_BASE_URL = "https://api.dingtalk.com"
# Throttling answers: new-OpenAPI codes (HTTP 403; the group one is the fake's ASSUMED code,
# see docs/dingtalk-protocol.md) and old-API / webhook errcodes (HTTP 200).
THROTTLE_CODE_PREFIXES = ("Forbidden.AccessDenied.QpsLimit", "Forbidden.AccessDenied.GroupRobot")
THROTTLE_ERRCODES = frozenset({130101, 410100, 90018})


class DingTalkApiError(Exception):
    """A send DingTalk refused. ``code`` is the new-API ``code`` or the webhook ``errcode``."""

    def __init__(self, status: int, code: str | int | None, message: str, body: Any = None):
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body

    @property
    def throttled(self) -> bool:
        """Rate limited: slow down and try later (the caller decides how much later)."""
        if self.status == 429:
            return True
        if isinstance(self.code, str):
            return self.code.startswith(THROTTLE_CODE_PREFIXES)
        return self.code in THROTTLE_ERRCODES

    @property
    def invalid_token(self) -> bool:
        return self.code == "InvalidAuthentication"

    @property
    def retryable(self) -> bool:
        """Worth sending again later: throttling or a server-side failure."""
        return self.throttled or self.status >= 500


def text(content: str) -> tuple[str, JSON]:
    """(msgKey, msgParam) of a plain text message."""
    return "sampleText", {"content": content}


def markdown(title: str, body: str) -> tuple[str, JSON]:
    """(msgKey, msgParam) of a markdown message; ``title`` shows in the chat list."""
    return "sampleMarkdown", {"title": title, "text": body}


def action_card(title: str, body: str, button: str, url: str) -> tuple[str, JSON]:
    """(msgKey, msgParam) of a one-button action card opening ``url``."""
    return "sampleActionCard", {"title": title, "text": body, "singleTitle": button, "singleURL": url}


class RobotSender:
    """Proactive robot messages through the OpenAPI, and session-webhook replies.

    Args:
        robot_code: the robot's code (an internal app's AppKey).
        token: returns a valid access token, e.g. ``DingTalkStreamClient.get_access_token``
            (which caches it); None means the token could not be fetched.
        reset_token: called once when DingTalk rejects the token (``InvalidAuthentication``),
            before the single retry, e.g. ``DingTalkStreamClient.reset_access_token``.
        base_url: the OpenAPI host (a fake's ``url`` in tests).
    """

    def __init__(
        self,
        robot_code: str,
        token: Callable[[], str | None],
        *,
        reset_token: Callable[[], None] | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.robot_code = robot_code
        self._token = token
        self._reset_token = reset_token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = session or requests.Session()

    def send_to_users(self, user_ids: list[str], msg_key: str, msg_param: JSON) -> JSON:
        """batchSend to up to 20 users. Returns the body: check ``invalidStaffIdList`` and
        ``flowControlledStaffIdList`` - users listed there did not get the message."""
        if not 1 <= len(user_ids) <= 20:
            raise ValueError("batchSend takes 1 to 20 userIds")
        return self._post("/v1.0/robot/oToMessages/batchSend", {
            "robotCode": self.robot_code, "userIds": list(user_ids), "msgKey": msg_key,
            "msgParam": json.dumps(msg_param, ensure_ascii=False)})

    def send_to_group(self, open_conversation_id: str, msg_key: str, msg_param: JSON) -> JSON:
        """groupMessages/send to one group; returns ``{"processQueryKey": ...}``."""
        return self._post("/v1.0/robot/groupMessages/send", {
            "robotCode": self.robot_code, "openConversationId": open_conversation_id,
            "msgKey": msg_key, "msgParam": json.dumps(msg_param, ensure_ascii=False)})

    def reply(self, session_webhook: str, body: JSON) -> JSON:
        """POST ``body`` (``{"msgtype": "text", "text": {...}}`` ...) to a message's session
        webhook. No token: the URL itself is the credential, valid until
        ``sessionWebhookExpiredTime``. Raises unless DingTalk answers errcode 0."""
        response = self._http.post(session_webhook, json=body, timeout=self.timeout)
        payload = self._json(response)
        if response.status_code != 200 or payload.get("errcode", -1) != 0:
            raise DingTalkApiError(response.status_code, payload.get("errcode"),
                                   str(payload.get("errmsg", response.text)), payload)
        return payload

    def _post(self, path: str, body: JSON) -> JSON:
        for attempt in (1, 2):
            token = self._token()
            if not token:
                raise DingTalkApiError(0, None, "no access token (token request failed)")
            response = self._http.post(self.base_url + path, json=body, timeout=self.timeout,
                                       headers={"x-acs-dingtalk-access-token": token})
            payload = self._json(response)
            if response.status_code == 200:
                return payload
            error = DingTalkApiError(response.status_code, payload.get("code"),
                                     str(payload.get("message", response.text)), payload)
            if error.invalid_token and attempt == 1 and self._reset_token is not None:
                self._reset_token()
                continue
            raise error
        raise AssertionError("unreachable")

    @staticmethod
    def _json(response: requests.Response) -> JSON:
        try:
            payload = response.json()
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}
