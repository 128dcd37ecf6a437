"""The real-use evaluation sets, their fixed split, and one decision rule for every method.

Shared by bench/kb_bench.py, bench/kb_tune.py, bench/route_bench.py and the fast tests
(tests/test_knowledge_quality.py), so the halves and the metrics cannot drift apart.

Why a hash split: a question's half must not depend on its position in the file (adding
questions would reshuffle everything) nor on anything a tuner could choose. The first byte
of sha256(question) decides, once and for all: odd → test, even → tune.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
KB_SET = BENCH / "kb_real_set.yaml"
# The project's earlier set (written with the first base): tuning data only, never reported
# as a result, so the scorer has more than the tune half to learn from.
EXTRA_TUNE_SET = BENCH / "kb_eval_set.yaml"
# Written after the first look at the test half's figures, before any change that followed:
# all held out, reported as its own column.
HOLDOUT_SET = BENCH / "kb_holdout.yaml"
# Written before the second round of work on the matcher (issue #12), before any change of
# that round: its figures guided the round (with the tune half); reported as its own column.
HOLDOUT2_SET = BENCH / "kb_holdout2.yaml"
ROUTE_SET = BENCH / "route_set.yaml"

STYLES = ("plain", "long", "voice", "dialect", "english", "trad", "oos")


def split_of(text: str) -> str:
    """'test' or 'tune' — fixed by the text alone (see the module docstring)."""
    return "test" if hashlib.sha256(text.encode("utf-8")).digest()[0] & 1 else "tune"


@dataclass(frozen=True)
class Item:
    """One labelled question: ``expected`` is empty for out-of-scope questions."""

    q: str
    expected: frozenset[str]
    role: str
    style: str

    @property
    def in_scope(self) -> bool:
        return bool(self.expected)

    @property
    def half(self) -> str:
        return split_of(self.q)


def load_items(path: Path = KB_SET, half: str | None = None) -> list[Item]:
    """The knowledge-base set, optionally one half ('tune' or 'test'); 'holdout' and
    'holdout2' are the hold-out files, whole."""
    if half == "holdout":
        return load_items(HOLDOUT_SET)
    if half == "holdout2":
        return load_items(HOLDOUT2_SET)
    out = []
    for r in yaml.safe_load(path.read_text(encoding="utf-8")):
        e = r["e"]
        ids = frozenset() if e is None else frozenset([e] if isinstance(e, str) else e)
        it = Item(str(r["q"]), ids, str(r["r"]), str(r["s"]))
        if half is None or it.half == half:
            out.append(it)
    return out


def load_extra_tune(path: Path = EXTRA_TUNE_SET) -> list[Item]:
    """The earlier set as Items (style 'earlier'; role unknown, counted as cadre)."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Item(str(r["q"]), frozenset() if r["expected"] is None else frozenset([r["expected"]]),
                 "cadre", "earlier") for r in rows]


@dataclass(frozen=True)
class RouteItem:
    text: str
    role: str
    route: str

    @property
    def half(self) -> str:
        return split_of(self.text)


def load_routes(half: str | None = None, *, with_questions: bool = True) -> list[RouteItem]:
    """The routing set plus (by default) every in-scope knowledge question as ``ask_kb``.

    A cadre in the knowledge set stands for all team roles, so those questions are routed
    as ``cadre``; duplicates (same text and role) are kept once.
    """
    rows = yaml.safe_load(ROUTE_SET.read_text(encoding="utf-8"))
    items = [RouteItem(str(r["t"]), str(r["r"]), str(r["y"])) for r in rows]
    if with_questions:
        items += [RouteItem(i.q, i.role, "ask_kb") for i in load_items() if i.in_scope]
    seen: set[tuple[str, str]] = set()
    out = []
    for it in items:
        key = (it.text, it.role)
        if key in seen or (half is not None and it.half != half):
            continue
        seen.add(key)
        out.append(it)
    return out


# ---------------------------------------------------------------- the decision rule
@dataclass(frozen=True)
class Rule:
    """answer if top ≥ answer_min and top − second ≥ margin; offer a choice of the entries
    within ``window`` of the top if top ≥ choose_min; otherwise decline.

    The same rule is applied to every method (each on its own score scale, calibrated on
    the tune half by ``calibrate``), so a comparison measures ranking and scoring, not
    who had the better hand-set cut-offs.
    """

    answer_min: float
    margin: float
    choose_min: float
    window: float

    def decide(self, ranked: Sequence[tuple[str, float]]) -> tuple[str, list[str]]:
        if not ranked or ranked[0][1] < self.choose_min:
            return "none", []
        top = ranked[0][1]
        second = ranked[1][1] if len(ranked) > 1 else -math.inf
        if top >= self.answer_min and top - second >= self.margin:
            return "answer", [ranked[0][0]]
        low = max(self.choose_min, top - self.window)
        return "choose", [eid for eid, s in ranked[:3] if s >= low]


Ranker = Callable[[str], Sequence[tuple[str, float]]]
Decider = Callable[[str], tuple[str, list[str]]]

# Value of an outcome to the person asking; the calibration maximises the sum.
UTILITY = {"right": 1.0, "chosen": 0.5, "wrong": -2.0, "choose_miss": -0.2,
           "oos_answer": -2.0, "oos_choose": -0.3}
OOS_CAP = 0.02  # at most this share of out-of-scope questions may get an answer


def outcome(it: Item, kind: str, ids: Sequence[str]) -> str:
    """right | wrong | chosen | choose_miss | none | oos_answer | oos_choose | oos_none."""
    if not it.in_scope:
        return {"answer": "oos_answer", "choose": "oos_choose"}.get(kind, "oos_none")
    if kind == "answer":
        return "right" if ids[0] in it.expected else "wrong"
    if kind == "choose":
        return "chosen" if it.expected & set(ids) else "choose_miss"
    return "none"


def utility(outcomes: Iterable[str]) -> float:
    return sum(UTILITY.get(o, 0.0) for o in outcomes)


def calibrate(items: Sequence[Item], rank: Ranker, steps: int = 24) -> Rule:
    """The best ``Rule`` for a ranker on ``items`` (use the tune half only).

    Candidate cut-offs are quantiles of the ranker's own top scores, so the search is the
    same for a 0–100 fuzzy score and an unbounded BM25 score.
    """
    ranked = {it.q: list(rank(it.q))[:3] for it in items}
    tops = sorted(r[0][1] for r in ranked.values() if r)
    gaps = sorted(r[0][1] - r[1][1] for r in ranked.values() if len(r) > 1)
    if not tops:
        return Rule(math.inf, 0.0, math.inf, 0.0)

    def quantiles(xs: list[float]) -> list[float]:
        return sorted({xs[min(len(xs) - 1, int(k * len(xs) / steps))] for k in range(steps)})

    levels, margins = quantiles(tops), [0.0, *quantiles(gaps)[: steps // 2]]
    span = tops[-1] - tops[0] or 1.0
    windows = [span * f for f in (0.05, 0.1, 0.2)]
    n_oos = max(1, sum(not it.in_scope for it in items))
    best: tuple[float, Rule] | None = None
    for a in levels:
        for m in margins:
            for c in [x for x in levels if x <= a]:
                for w in windows:
                    rule = Rule(a, m, c, w)
                    outs = [outcome(it, *rule.decide(ranked[it.q])) for it in items]
                    if outs.count("oos_answer") / n_oos > OOS_CAP:
                        continue
                    u = utility(outs)
                    if best is None or u > best[0]:
                        best = (u, rule)
    if best is None:
        return Rule(math.inf, 0.0, math.inf, 0.0)
    # The quantile grid is coarse (a step can be 5 points of a 0–100 score): refine the
    # answer cut-off and the margin around the best rule on a grid 1/10 as fine.
    b = best[1]
    da, dm = span / steps / 2, (max(gaps, default=0.0) - min(gaps, default=0.0)) / steps / 2 or 1.0
    for i in range(-10, 11):
        for j in range(-10, 11):
            rule = Rule(b.answer_min + i * da, max(0.0, b.margin + j * dm), b.choose_min, b.window)
            if rule.answer_min < rule.choose_min:
                continue
            outs = [outcome(it, *rule.decide(ranked[it.q])) for it in items]
            if outs.count("oos_answer") / n_oos > OOS_CAP:
                continue
            u = utility(outs)
            if u > best[0]:
                best = (u, rule)
    return best[1]


# ------------------------------------------------------------------------ metrics
@dataclass
class Tally:
    """Counts for one group of questions (a half, a role, a style…)."""

    n_in: int = 0
    n_oos: int = 0
    top1: int = 0
    top3: int = 0
    right: int = 0
    chosen: int = 0
    wrong: int = 0
    oos_answer: int = 0
    oos_choose: int = 0

    def add(self, it: Item, ranked_ids: Sequence[str], kind: str, ids: Sequence[str]) -> None:
        o = outcome(it, kind, ids)
        if it.in_scope:
            self.n_in += 1
            self.top1 += bool(ranked_ids) and ranked_ids[0] in it.expected
            self.top3 += bool(it.expected & set(ranked_ids[:3]))
            self.right += o == "right"
            self.chosen += o == "chosen"
            self.wrong += o == "wrong"
        else:
            self.n_oos += 1
            self.oos_answer += o == "oos_answer"
            self.oos_choose += o == "oos_choose"

    def rate(self, key: str) -> float:
        den = self.n_oos if key.startswith("oos") else self.n_in
        return getattr(self, key) / den if den else float("nan")


def evaluate(items: Sequence[Item], rank: Callable[[str], Sequence[str]], decide: Decider,
             key: Callable[[Item], str] = lambda it: "all") -> dict[str, Tally]:
    """Tally ranking and verdicts of one method, grouped by ``key``."""
    groups: dict[str, Tally] = {}
    for it in items:
        t = groups.setdefault(key(it), Tally())
        kind, ids = decide(it.q)
        t.add(it, list(rank(it.q)), kind, ids)
    return groups
