"""Measure the score weighting and calibrate the verdict thresholds.

    /work/main/.venv/bin/python bench/kb_tune.py

The eval set is split in two (even / odd positions). Weights are chosen on the
even half by top-1 accuracy, thresholds on the even half by
``answered right - 5 * answered wrong`` subject to at most 2 % out-of-scope
false answers (ties: fewer out-of-scope choices, higher answer_min); both halves are then reported so over-fitting is visible.
The winning numbers are copied by hand into the constants in knowledge/kb.py.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kb_bench import Ours, load_eval, quality  # noqa: E402

from knowledge import KnowledgeBase, Thresholds, Weights  # noqa: E402


def main() -> None:
    items = load_eval()
    dev, test = items[0::2], items[1::2]
    kb = KnowledgeBase.from_directory()
    m = Ours([], kb=kb)

    print("weights (dice, cover, char, pinyin) -> top-1 dev / test / top-3 dev")
    grid = [0.0, 0.2, 0.45]
    results = []
    for d, c, ch, py in itertools.product(grid, grid, grid, [0.0, 0.1, 0.2]):
        if d + c == 0:
            continue
        kb.weights = Weights(d, c, ch, py)
        qd = quality(m, dev)
        results.append((qd["top1"], qd["top3"], (d, c, ch, py)))
    results.sort(reverse=True)
    for top1, top3, w in results[:8]:
        kb.weights = Weights(*w)
        print(f"  {w}: {top1:.3f} / {quality(m, test)['top1']:.3f} / {top3:.3f}")
    for label, w in [("token dice only", (1, 0, 0, 0)), ("char ratio only", (0.0001, 0, 1, 0)),
                     ("pinyin only", (0.0001, 0, 0, 1))]:
        kb.weights = Weights(*w)
        print(f"  {label:>16} {w}: {quality(m, dev)['top1']:.3f} / {quality(m, test)['top1']:.3f}")
    best = results[0][2]
    # Thresholds are calibrated for the weights actually shipped in kb.py,
    # which are picked by hand from the list above: a setting that is good on
    # *both* halves beats the single best dev score (that one over-fits).
    kb.weights = Weights()
    print(f"  shipped {kb.weights}: dev {quality(m, dev)['top1']:.3f} / test {quality(m, test)['top1']:.3f}")

    print("\nthresholds (answer_min, tie_margin, choose_min) on dev -> right/wrong/oos")
    # Search results do not depend on thresholds: rank once, then replay.
    ranked = {it.q: kb.search(it.q, 3) for it in items}

    def replay(th: Thresholds, subset: list) -> dict[str, float]:
        right = wrong = oos_a = oos_c = 0
        for it in subset:
            ms = ranked[it.q]
            kind = "none"
            if ms and ms[0].score >= th.choose_min:
                runner = ms[1].score if len(ms) > 1 else 0.0
                ok = ms[0].score >= th.answer_min and ms[0].score - runner >= th.tie_margin
                kind = "answer" if ok else "choose"
            if it.expected is None:
                oos_a += kind == "answer"
                oos_c += kind == "choose"
            elif kind == "answer":
                right += ms[0].entry.id == it.expected
                wrong += ms[0].entry.id != it.expected
        n_in = sum(i.expected is not None for i in subset)
        n_out = len(subset) - n_in
        return {"right": right / n_in, "wrong": wrong / n_in, "oos_a": oos_a / n_out, "oos_c": oos_c / n_out}

    cands = []
    for a, t, c in itertools.product(range(36, 80), range(0, 16), range(20, 60, 2)):
        if c > a:
            continue
        th = Thresholds(a, t, c)
        q = replay(th, dev)
        if q["oos_a"] <= 0.02:
            cands.append((round(q["right"] - 5 * q["wrong"], 4), -q["oos_c"], a, -t, c))
    cands.sort(reverse=True)
    oos_tops = sorted(ranked[i.q][0].score if ranked[i.q] else 0.0 for i in items if i.expected is None)
    print("  out-of-scope top scores (highest 8):", oos_tops[-8:])
    ok_tops = sorted(ranked[i.q][0].score for i in items
                     if i.expected is not None and ranked[i.q] and ranked[i.q][0].entry.id == i.expected)
    print("  correct in-scope top scores (lowest 8):", ok_tops[:8])
    for _obj, _, a, t, c in cands[:8]:
        qd, qt = replay(Thresholds(a, -t, c), dev), replay(Thresholds(a, -t, c), test)
        print(f"  ({a}, {-t}, {c}): dev {qd['right']:.3f}/{qd['wrong']:.3f}/{qd['oos_a']:.3f}/{qd['oos_c']:.3f}"
              f"  test {qt['right']:.3f}/{qt['wrong']:.3f}/{qt['oos_a']:.3f}/{qt['oos_c']:.3f}")
    print(f"\nbest weights {best}")


if __name__ == "__main__":
    main()
