"""Plain data types shared by the loader, the matcher and the dialog layer.

They are frozen dataclasses so the dialog layer can hold on to them safely
while an administrator reloads the base in the background.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

VerdictKind = Literal["answer", "choose", "none"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One policy question with its answer and the document it rests on.

    ``basis`` is mandatory because cadres must be able to cite a file, not
    "the bot said so".
    """

    id: str
    question: str
    answer: str
    basis: str
    alternatives: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    reviewed: dt.date | None = None
    source_file: str = field(default="", compare=False)

    @property
    def phrasings(self) -> tuple[str, ...]:
        """Canonical question first, then alternatives (the matcher indexes all)."""
        return (self.question, *self.alternatives)


@dataclass(frozen=True, slots=True)
class Match:
    """A scored candidate; ``phrasing`` is the wording that matched best."""

    entry: Entry
    score: float  # 0-100
    phrasing: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the dialog layer should do with a query.

    - ``answer``: ``matches[0]`` is confident, reply with its answer.
    - ``choose``: ask the user to pick among ``matches`` (at most 3).
    - ``none``: nothing relevant; ``matches`` is empty.
    """

    kind: VerdictKind
    matches: tuple[Match, ...] = ()

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None
