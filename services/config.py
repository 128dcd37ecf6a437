"""Deployment settings from environment variables and an optional `.env` file.

Every setting has a safe default so `make run` works on a fresh machine: a SQLite file
under data/, the console channel when no Telegram token is set, Asia/Shanghai time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
    timezone: str = "Asia/Shanghai"
    supervision_chat_id: str | None = None

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

    # -- reminders --
    # Morning digest for leaders (team time, HH:MM); the weekly one goes out on Monday.
    digest_time: str = "08:00"
    # Days before a member's term ends when the member, the leader and the admin are told.
    rotation_days: str = "60,30,15"
    # The handover window (交接期): the checklist opens this many days before the term ends.
    handover_days: int = 15
    # Create the default series for teams that have none (at start and on every tick).
    reminders_seed_defaults: bool = True


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
