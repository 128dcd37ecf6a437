"""Fit the scorer and calibrate the verdict thresholds on the TUNE half only.

    .venv/bin/python bench/kb_tune.py [--cv]

Tuning data: the tune half of bench/kb_real_set.yaml plus the project's earlier set
(bench/kb_eval_set.yaml; more examples, and twice the out-of-scope questions to calibrate
against). The test half is never read here.

1. Every tuning question's candidates (knowledge.KnowledgeBase.candidates) give one row of
   features per candidate, labelled 1 when the candidate is a right entry.
2. A logistic regression (L2, Newton's method; a dozen lines of numpy rather than a
   scikit-learn dependency) is fitted on those rows; ``--cv`` first reports 5-fold
   cross-validation inside the tune half for a few regularisation strengths.
3. With the fitted coefficients, the answer / choose / decline thresholds are calibrated by
   bench/kb_eval.py:calibrate — the procedure the bench applies to every baseline.

Copy the printed constants into knowledge/kb.py.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kb_eval import (  # noqa: E402
    Item,
    Rule,
    calibrate,
    evaluate,
    load_extra_tune,
    load_items,
    outcome,
    utility,
)

from knowledge import FEATURES, KnowledgeBase, Thresholds, Weights  # noqa: E402

L2 = 30.0  # chosen with --cv: the best utility per question (bench/kb_eval.py: UTILITY)
OOS_CAP = 0.02  # the same cap the bench applies to every method


def rows(kb: KnowledgeBase, items: Sequence[Item]) -> dict[str, tuple[list[str], np.ndarray]]:
    """Candidate ids and feature rows per question."""
    out = {}
    for it in items:
        c, idx = kb.candidates(it.q)
        out[it.q] = ([idx.entries[i].id for i in c.entries.tolist()], c.features)
    return out


def fit(data: dict[str, tuple[list[str], np.ndarray]], items: Sequence[Item], l2: float) -> Weights:
    """L2-regularised logistic regression on standardised features, returned unstandardised."""
    xs, ys = [], []
    for it in items:
        ids, f = data[it.q]
        for eid, row in zip(ids, f, strict=True):
            xs.append(row)
            ys.append(1.0 if eid in it.expected else 0.0)
    x, y = np.asarray(xs, dtype=np.float64), np.asarray(ys)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.c_[np.ones(len(x)), (x - mu) / sd]
    w = np.zeros(z.shape[1])
    reg = l2 * np.diag(np.r_[0.0, np.ones(z.shape[1] - 1)])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        grad = z.T @ (p - y) + reg @ w
        hess = (z.T * (p * (1 - p))) @ z + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    coef = w[1:] / sd
    return Weights(coef=tuple(round(float(c), 4) for c in coef),
                   intercept=round(float(w[0] - (w[1:] * mu / sd).sum()), 4))


def scored(data: dict[str, tuple[list[str], np.ndarray]], w: Weights, q: str) -> list[tuple[str, float]]:
    ids, f = data[q]
    if not ids:
        return []
    s = 100.0 / (1.0 + np.exp(-(w.intercept + f @ np.asarray(w.coef))))
    order = np.argsort(-s, kind="stable")
    return [(ids[i], float(s[i])) for i in order]


def cross_validate(data: dict[str, tuple[list[str], np.ndarray]], items: Sequence[Item],
                   l2: float, seeds: Sequence[int] = (1, 2, 3)) -> dict[str, float]:
    """5-fold CV inside the tune half: fit and calibrate on 4 folds, count on the 5th."""
    out: Counter[str] = Counter()
    top1 = n_in = 0
    for seed in seeds:
        shuffled = list(items)
        random.Random(seed).shuffle(shuffled)
        folds = [shuffled[i::5] for i in range(5)]
        for k in range(5):
            train = [x for j, f in enumerate(folds) if j != k for x in f]
            w = fit(data, train, l2)
            rule = calibrate(train, lambda q, w=w: scored(data, w, q), steps=16)
            for it in folds[k]:
                r = scored(data, w, it.q)
                out[outcome(it, *rule.decide(r))] += 1
                if it.in_scope:
                    n_in += 1
                    top1 += bool(r) and r[0][0] in it.expected
    n_oos = len(items) * len(seeds) - n_in
    res = {k: v / (n_oos if k.startswith("oos") else n_in) for k, v in out.items()}
    res["top1"] = top1 / n_in
    res["utility"] = utility(out.elements()) / (len(items) * len(seeds))
    return res


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cv", action="store_true", help="cross-validate regularisation strengths first")
    ap.add_argument("--tune-half-only", action="store_true",
                    help="leave out the earlier set (bench/kb_eval_set.yaml)")
    args = ap.parse_args(argv)
    tune = load_items(half="tune")
    if not args.tune_half_only:
        tune += load_extra_tune()
    kb = KnowledgeBase.from_directory()
    data = rows(kb, tune)
    print(f"tuning data: {len(tune)} questions, {sum(len(v[0]) for v in data.values())} candidate rows; "
          f"features: {', '.join(FEATURES)}")
    if args.cv:
        print("5-fold cross-validation inside the tuning data (3 shuffles):")
        for l2 in (0.3, 1.0, 3.0, 10.0, 30.0):
            r = cross_validate(data, tune, l2)
            print(f"  l2={l2:<5} top-1 {r['top1']:.3f}  right {r.get('right', 0):.3f}  "
                  f"chosen {r.get('chosen', 0):.3f}  wrong {r.get('wrong', 0):.3f}  "
                  f"OOS answered {r.get('oos_answer', 0):.3f}  OOS offered {r.get('oos_choose', 0):.3f}  "
                  f"utility per question {r['utility']:.3f}")
    w = fit(data, tune, L2)
    kb.weights = w
    print(f"\nCOEF = {w.coef}\nINTERCEPT = {w.intercept}")

    def ranked(q: str) -> list[tuple[str, float]]:
        return [(m.entry.id, m.score) for m in kb.search(q, 3)]

    import kb_eval

    kb_eval.OOS_CAP = OOS_CAP
    rule: Rule = calibrate(tune, ranked)
    print(f"ANSWER_MIN = {rule.answer_min:.1f}\nTIE_MARGIN = {rule.margin:.1f}\n"
          f"CHOOSE_MIN = {rule.choose_min:.1f}\nCHOOSE_WINDOW = {rule.window:.1f}")
    kb.thresholds = Thresholds(round(rule.answer_min, 1), round(rule.margin, 1),
                               round(rule.choose_min, 1), round(rule.window, 1))
    def verdict(q: str) -> tuple[str, list[str]]:
        v = kb.answer(q)
        return v.kind, [m.entry.id for m in v.matches]

    groups = evaluate(tune, lambda q: [e for e, _ in ranked(q)], verdict,
                      key=lambda it: "earlier set" if it.style == "earlier" else "tune half")
    for name, t in sorted(groups.items(), reverse=True):
        print(f"{name} with these: top-1 {t.rate('top1'):.1%}  answered right {t.rate('right'):.1%}  "
              f"wrong {t.rate('wrong'):.1%}  right or offered {(t.right + t.chosen) / t.n_in:.1%}  "
              f"OOS answered {t.rate('oos_answer'):.1%}  OOS offered {t.rate('oos_choose'):.1%}")


if __name__ == "__main__":
    main()
