"""Deployment settings from environment variables and an optional `.env` file.

Every setting has a safe default so `make run` works on a fresh machine: a SQLite file
under data/, the console channel when no Telegram token is set, Asia/Shanghai time.
"""

from __future__ import annotations

import socket
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = PROJECT_ROOT / "data" / "zhucun.sqlite3"


class Settings(BaseSettings):
    """One flat settings object; feature sections group their own fields below."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default=f"sqlite:///{DEFAULT_SQLITE}")
    bot_token: str | None = None
    bot_username: str = "zhucun_helper_bot"
    telegram_base_url: str | None = None  # e.g. http://127.0.0.1:8081 for a self-hosted Bot API
    # The library under the Telegram channel: python-telegram-bot ("ptb") or "aiogram".
    # Both are the platform "telegram" (same identities, inbox keys and outbox rows), so a
    # deployment may switch with a restart; docs/channels.md says which to pick and why.
    telegram_library: Literal["ptb", "aiogram"] = "ptb"
    timezone: str = "Asia/Shanghai"
    supervision_chat_id: str | None = None

    # -- DingTalk (channels/dingtalk.py): an enterprise internal app's robot in Stream mode --
    # The app's Client ID (AppKey) and Client Secret (AppSecret); both set -> the channel runs.
    dingtalk_client_id: str | None = None
    dingtalk_client_secret: str | None = None
    # The robot's code; for an internal app's robot it is the Client ID (the default).
    dingtalk_robot_code: str | None = None
    # DingTalk's OpenAPI host (token, stream connection, robot sends); tests point it at
    # the local fake gateway.
    dingtalk_api_url: str = "https://api.dingtalk.com"
    # Robot send limits: a group takes about 20 messages a minute (the 21st throttles it for
    # 10 minutes), the app's send APIs about 20 calls a second.
    dingtalk_group_per_minute: float = 15.0
    dingtalk_per_second: float = 15.0

    webhook_url: str | None = None  # public https URL; set -> webhook mode instead of polling
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None

    # Dialogs left untouched this long are dropped so a stale one never traps a user.
    dialog_timeout_hours: int = 72
    # Inputs longer than this are refused politely (a report may be long, a name may not).
    max_text_chars: int = 20000
    invite_valid_days: int = 14
    # How often the scheduler tick and the outbox flush run in the long-lived bot.
    tick_seconds: int = 30
    outbox_grace_hours: int = 6
    # -- delivery and processing (core/inbox.py, core/outbox.py, core/sender.py) --
    # A reply not delivered within this (the platform down) is recorded as missed instead
    # of arriving as stale news; the person is not left guessing: the next message works.
    reply_grace_minutes: int = 60
    # This process's name in outbox claims: a restarted worker marks its own in-flight
    # message `unknown` at once. Give each of two processes its own name.
    worker_name: str = Field(default_factory=lambda: socket.gethostname()[:48] or "worker")
    # Messages in flight at once per channel. 1 bounds what a crash leaves uncertain to
    # one message; more sends faster over a slow link (docs/operations.md).
    send_concurrency: int = 1
    # Pace sending by each platform's limits (Telegram: 30 a second, about 1 a second per
    # chat, 20 a minute per group). Off only to measure the bot's own speed (bench/).
    send_pacing: bool = True
    # Updates of different people processed at once (each person's stay in order).
    process_concurrency: int = 4
    # Handled updates are forgotten after this many days (platforms redeliver for a day).
    inbox_keep_days: int = 7
    # admin purge-member may remove a deactivated person's name, phone and accounts only
    # this many days after deactivation (assessments and audits of the term come first).
    member_retention_days: int = 365

    # -- reports --
    # A report for yesterday may still be filed until this hour (team time) today.
    report_late_until_hour: int = 12
    # Free text at least this long (not a question) is offered to be saved as a report.
    report_offer_min_chars: int = 40
    # Off: /checkin politely declines and days with a submitted report count as days in
    # the village (the 2024 rules forbid forcing check-ins; a county may not want them).
    checkin_enabled: bool = True
    # A second location within this many seconds is the same check-in, not a new one.
    checkin_repeat_seconds: int = 120
    # Days in the village a month (seed 003): cadres 15, team leaders 5, first secretaries
    # as cadres.
    quota_cadre_days: int = 15
    quota_first_secretary_days: int = 15
    quota_team_leader_days: int = 5
    # Where charts and Excel exports are written before being sent ("" = system temp dir).
    files_dir: str = ""
    # -- complaints --
    # Categories a villager picks from (env: a JSON list).
    complaint_categories: list[str] = Field(default_factory=lambda: [
        "驻村干部作风", "不在岗", "项目资金", "惠民政策落实", "基础设施", "其他"])
    complaint_daily_limit: int = 5  # tickets per villager per day
    complaint_accept_hours: int = 24  # not accepted by then -> escalated to the administrator
    complaint_close_days: int = 7  # not closed by then -> escalated to the administrator
    complaint_max_chars: int = 5000  # longer descriptions are refused with a request to shorten
    complaint_max_photos: int = 9
    # -- leave --
    # Kinds offered by /leave, comma-separated, in button order.
    leave_types: str = "事假,病假,弹性休假,轮休,公差/出差"
    # Kinds that are reported (报备), not requested: filed at once, count as village work.
    leave_report_only_types: str = "公差/出差"
    # The kind drawn from the monthly flexible-leave allowance, and that allowance
    # (working days a month; half days allowed).
    leave_flexible_type: str = "弹性休假"
    leave_flexible_days_per_month: float = 3
    # Who approves up to how many calendar days: "role:days,...,role" (last tier: no limit).
    leave_approval_chain: str = "team_leader:3,admin"
    # Roles copied for the record (备案) when a leave is approved or reported; "" = none.
    leave_record_roles: str = ""
    # How many days back a leave may still be filed (补请); older dates are refused.
    leave_backdate_days: int = 3
    # A request left undecided this long is sent to the approver again (and again).
    leave_remind_hours: int = 24
    # Local hour after which a leave that ended without 销假 is flagged (the next morning).
    leave_unreturned_hour: int = 8
    # -- knowledge --
    # Only the first this many characters of a question are matched (the log keeps it all):
    # a question is short; matching a pasted page would be slow and meaningless.
    kb_match_chars: int = 300

    # -- households and poverty-return monitoring --
    # A household not visited for this many days is listed in its contact cadre's leader's
    # digest (a village may set its own with `admin village-board --unvisited-days`).
    households_unvisited_days: int = 60
    # Identification of a monitored household takes at most this many working days
    # (provincial practice: check, village review and notice, township, county).
    monitoring_working_days: int = 20

    # -- reminders --
    # Morning digest for leaders (team time, HH:MM); the weekly one goes out on Monday.
    digest_time: str = "08:00"
    # Days before a member's term ends when the member, the leader and the admin are told.
    rotation_days: str = "60,30,15"
    # The handover window (交接期): the checklist opens this many days before the term ends.
    handover_days: int = 15
    # Create the default series for teams that have none (at start and on every tick).
    reminders_seed_defaults: bool = True

    # -- the county workspace (web/) --
    # Where the workspace listens, and the address people open (links sent by /web). An
    # empty base URL means http://WEB_LISTEN:WEB_PORT; behind a proxy set the https one.
    web_listen: str = "127.0.0.1"
    web_port: int = 8080
    web_base_url: str = ""
    # `bot.py run` serves the workspace beside the channels; false: channels only.
    web_enabled: bool = True
    # A sign-in link works once, for this many minutes; a session lasts this many hours.
    web_link_minutes: int = 10
    web_session_hours: int = 12
    # Days in the village a year (one province: 200), leave excluded, for the year view.
    quota_year_days: int = 200

    @property
    def web_url(self) -> str:
        """The workspace's public address without a trailing slash."""
        return (self.web_base_url or f"http://{self.web_listen}:{self.web_port}").rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
