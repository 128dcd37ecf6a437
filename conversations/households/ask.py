"""One dialog for every "type a few words (maybe with photos), then it is done" step of
this feature: a case's evidence or reason, a flag's risk, a meeting's reason, a
supervisor's decline, a villager's request. Each kind registers what it asks and what
it does with the answer, so the flows that look alike share one mechanism.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.context import Ctx
from core.messages import Incoming, Reply, buttons_row
from core.registry import Dialog, Replies, Turn

from . import text as T


@dataclass(frozen=True)
class Kind:
    prompt: Callable[[Ctx, list[int]], str]  # what to ask (may raise a refusal)
    finish: Callable[[Ctx, list[int], str, list[str]], Replies]  # ids, words, photos
    skippable: bool = False  # the answer may be empty (a [不写说明] button)
    photos: bool = False  # photos are kept as evidence


KINDS: dict[str, Kind] = {}


def pack(kind: str, *ids: int) -> str:
    return ":".join([kind, *(str(i) for i in ids)])


class AskDialog(Dialog):
    name = "hh_text"
    title = T.STEP_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        kind, *rest = args.split(":")
        ids = [int(x) for x in rest if x.isdigit()]
        spec = KINDS[kind]
        state = {"kind": kind, "ids": ids, "photos": []}
        return Turn.stay(state, self._ask(spec, spec.prompt(ctx, ids)))

    def _ask(self, spec: Kind, text: str) -> Reply:
        buttons = buttons_row((T.SKIP_NOTE, self.button("skip"))) if spec.skippable else []
        return Reply(text, buttons=buttons)

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        state = copy.deepcopy(state)
        spec = KINDS[state["kind"]]
        if spec.photos and msg.photos:
            state["photos"] += [p for p in msg.photos if p not in state["photos"]]
        text = (msg.text or "").strip()
        skipped = self.pressed(msg) == "skip" and spec.skippable
        if not text and not skipped:
            if msg.photos and spec.photos:
                if spec.skippable:
                    return Turn.stay(state, self._ask(spec, T.STEP_PHOTO_KEPT.format(
                        n=len(state["photos"]))))
                return Turn.stay(state, Reply(T.STEP_PHOTO_KEPT.format(n=len(state["photos"]))))
            return Turn.stay(state, self._ask(spec, T.STEP_NEED_TEXT) if spec.skippable
                             else Reply(T.STEP_NEED_TEXT))
        return Turn.done(*spec.finish(ctx, state["ids"], text, state["photos"]))


DIALOG = AskDialog()
