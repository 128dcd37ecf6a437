"""How features plug into the router: commands, dialogs, buttons, free text, ticks.

Each feature module exposes `register(registry)`; conversations.FEATURES lists them.
One mechanism serves every feature, so a new flow never copies a handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.callbacks import (
    CallbackData,
    DialogButton,
    dialog_value,
)
from core.context import Ctx
from core.messages import Incoming, Reply
from services.config import Settings
from services.roles import Role

Replies = list[Reply]


@dataclass
class Turn:
    """The outcome of one dialog step: what to say and the state to keep (None = done)."""

    replies: Replies
    state: dict[str, Any] | None = None

    @classmethod
    def done(cls, *replies: Reply) -> Turn:
        return cls(list(replies), None)

    @classmethod
    def stay(cls, state: dict[str, Any], *replies: Reply) -> Turn:
        return cls(list(replies), state)


class Dialog:
    """A small state machine; its state is a JSON dict stored per platform user.

    Subclasses implement `start` and `step`. Buttons a dialog shows carry data
    "d:<name>:<value>" so the router can tell them from stale or foreign presses.
    """

    name: str = ""
    title: str = ""  # shown to the user: "您还有未完成的「{title}」"
    # Registration is the one dialog a person without an account may be in; any other
    # dialog is ended by the router when its person is deactivated half-way.
    allow_unregistered: bool = False

    def start(self, ctx: Ctx, args: str) -> Turn:
        raise NotImplementedError

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        raise NotImplementedError

    def button(self, value: str) -> str:
        return DialogButton(self.name, value).pack()

    @staticmethod
    def pressed(msg: Incoming) -> str | None:
        """The value of this dialog's button pressed in this step, or None if typed."""
        return dialog_value(msg.callback)


CommandFn = Callable[[Ctx, str], Replies]
CallbackFn = Callable[[Ctx, Any], Replies]
TextFn = Callable[[Ctx, str], Replies | None]
TickFn = Callable[[Session, datetime, Settings], None]


@dataclass
class Command:
    name: str
    description: str  # Chinese, shown in /help and Telegram's command menu
    roles: frozenset[Role]
    run: CommandFn | None = None
    dialog: str | None = None
    aliases: tuple[str, ...] = ()  # Chinese words that trigger it alone: "请假"
    allow_unregistered: bool = False
    hidden: bool = False  # works, but not listed in the menu
    guest_only_menu: bool = False  # listed only for people not yet registered
    order: int = 100


@dataclass(frozen=True)
class ButtonHandler:
    """A kind of button: its typed data class and the handler that gets the parsed value."""

    spec: type[CallbackData]
    fn: CallbackFn


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    dialogs: dict[str, Dialog] = field(default_factory=dict)
    callbacks: dict[str, ButtonHandler] = field(default_factory=dict)
    text_handlers: list[tuple[int, TextFn]] = field(default_factory=list)
    ticks: list[tuple[str, TickFn]] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)

    def command(self, cmd: Command) -> None:
        if cmd.name in self.commands:
            raise ValueError(f"command /{cmd.name} registered twice")
        self.commands[cmd.name] = cmd
        for alias in cmd.aliases:
            self.aliases[alias] = cmd.name

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs[dialog.name] = dialog

    def callback(self, spec: type[CallbackData], fn: CallbackFn) -> None:
        """Buttons of one kind: the router parses their data with `spec` (a CallbackData
        class) and calls `fn(ctx, value)`; the handler must still authorise the presser.
        Only typed data is accepted: no kind of button without its parser."""
        if not (isinstance(spec, type) and issubclass(spec, CallbackData)):
            raise TypeError(f"button data must be a CallbackData class, not {spec!r}")
        if spec.prefix == DialogButton.prefix or spec.prefix in self.callbacks:
            raise ValueError(f"callback prefix {spec.prefix!r} taken")
        self.callbacks[spec.prefix] = ButtonHandler(spec, fn)

    def text(self, priority: int, fn: TextFn) -> None:
        """Free text outside a dialog; lower priority numbers are asked first."""
        self.text_handlers.append((priority, fn))
        self.text_handlers.sort(key=lambda p: p[0])

    def tick(self, name: str, fn: TickFn) -> None:
        """A periodic job: look at the database at `now` and queue what is due.

        It gets the bot's own settings, never the process environment, so a test or a
        second deployment in one process sees its own configuration.
        """
        self.ticks.append((name, fn))

    def menu_for(self, role: Role | None) -> list[Command]:
        cmds = [c for c in self.commands.values() if not c.hidden and (
            (role is None and c.allow_unregistered)
            or (role is not None and role in c.roles and not c.guest_only_menu))]
        return sorted(cmds, key=lambda c: (c.order, c.name))
