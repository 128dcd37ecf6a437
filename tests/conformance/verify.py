"""After a stream: was every update handled exactly once, every message sent at most once?

Updates: every update pushed ends `done` in the inbox, and the records it creates exist
exactly as many times as the steps that create them were sent (a report per [提交], a
leave per reason given, an approval per [批准], a complaint per villager's [提交]).
Messages: per chat and text, what the platform received against the outbox rows: a row
`sent` arrived once, a row `unknown` (a crash mid-send) arrived at most once, nothing
arrived that no row accounts for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from core import text as core_text
from storage.db import Database
from storage.models import Complaint, DailyReport, InboxUpdate, LeaveRequest, OutboxMessage
from tests.conformance.population import Population
from tests.conformance.runner import StreamResult
from tests.conformance.scenario import APPROVE


@dataclass
class Verdict:
    updates: int = 0
    updates_lost: int = 0
    applied_twice: int = 0
    effects_missing: int = 0
    messages_sent: int = 0
    messages_twice: int = 0
    messages_lost: int = 0
    unknown: int = 0
    kills: int = 0
    gave_up: int = 0
    busy_told: int = 0
    not_delivered: Counter[str] = field(default_factory=Counter)  # outbox statuses other than sent
    notes: list[str] = field(default_factory=list)

    def row(self) -> str:
        return (f"updates {self.updates} | lost {self.updates_lost} | applied twice "
                f"{self.applied_twice} | messages {self.messages_sent} | sent twice "
                f"{self.messages_twice} | replies lost {self.messages_lost} | unknown "
                f"{self.unknown} (kills {self.kills}) | told busy {self.busy_told}")


def verify(db: Database, platform: str, result: StreamResult,
           delivered: dict[str, list[str]], *, first_lines: bool = False,
           render: Callable[[str], str] | None = None) -> Verdict:
    """`first_lines`: the platform shows only each message's first line reliably (the
    console's transcript), so texts are compared by it. `render`: how the platform shows
    an outbox text (DingTalk names commands in words)."""
    v = Verdict(updates=len(result.pushed), kills=result.kills, gave_up=len(result.gave_up))
    keys = [k for _, _, k in result.pushed]
    with db.read() as s:
        status = dict(s.execute(select(InboxUpdate.update_key, InboxUpdate.status)
                                .where(InboxUpdate.platform == platform)).all())
        v.updates_lost = sum(status.get(k) != "done" for k in keys)
        stray = set(status) - set(keys)
        if stray:
            v.notes.append(f"{len(stray)} inbox rows nobody pushed")

        sends = Counter()
        for person, step, _ in result.pushed:
            if step is APPROVE:
                sends["approve"] += 1
            elif step.send == "[提交]" and person.role.value == "cadre":
                sends["report"] += 1
            elif step.send == "[提交]":
                sends["complaint"] += 1
            elif step.expect == "已提交事假申请":
                sends["leave"] += 1
        have = {
            "report": s.scalar(select(func.count()).select_from(DailyReport)) or 0,
            "leave": s.scalar(select(func.count()).select_from(LeaveRequest)) or 0,
            "approve": s.scalar(select(func.count()).select_from(LeaveRequest)
                                .where(LeaveRequest.status == "approved")) or 0,
            "complaint": s.scalar(select(func.count()).select_from(Complaint)) or 0,
        }
        for what, n in have.items():
            v.applied_twice += max(0, n - sends[what])
            v.effects_missing += max(0, sends[what] - n)
            if n != sends[what]:
                v.notes.append(f"{what}: {n} recorded for {sends[what]} sent")

        rows = s.execute(select(OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.payload)
                         .where(OutboxMessage.platform == platform)).all()
    by_chat: dict[str, dict[str, Counter[str]]] = {}
    for chat, st, payload in rows:
        text = render(payload["text"]) if render else payload["text"]
        text = text.split("\n")[0] if first_lines else text
        by_chat.setdefault(chat or "", {}).setdefault(st, Counter())[text] += 1
        if st == "sent":
            v.messages_sent += 1
        elif st == "unknown":
            v.unknown += 1
        else:
            v.not_delivered[st] += 1
    busy = core_text.BUSY
    for chat in set(by_chat) | set(delivered):
        got = Counter(t for t in delivered.get(chat, []) if t != busy)
        v.busy_told += sum(t == busy for t in delivered.get(chat, []))
        sent = by_chat.get(chat, {}).get("sent", Counter())
        unknown = by_chat.get(chat, {}).get("unknown", Counter())
        for text in set(got) | set(sent):
            extra = got[text] - sent[text]
            v.messages_twice += max(0, extra - unknown[text])
            v.messages_lost += max(0, -extra)
    return v


def personal_data_in_log(text: str, pop: Population) -> list[str]:
    """Names, and words people typed, that appear in a log (there must be none)."""
    words = [p.name for p in pop.everyone] + ["家里有事", "水渠堵了", "走访脱贫户", "村东头"]
    return [w for w in words if w in text]
