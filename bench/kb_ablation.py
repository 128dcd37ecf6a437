"""What each stage of the matcher adds: the shipped matcher with one stage switched off.

    .venv/bin/python bench/kb_ablation.py

Every variant is refitted and recalibrated exactly as the shipped one (bench/kb_tune.py:
scorer on the tuning data, thresholds by bench/kb_eval.py:calibrate), then measured on
both halves, so a row shows what the stage is worth with everything else re-tuned around
its absence. The variant without the logistic scorer mixes the same signals with fixed
weights (cover + ½·phrase + 0.3·char + 0.1·pinyin) before calibration.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import kb_eval  # noqa: E402
import kb_tune  # noqa: E402
from kb_eval import Tally, calibrate, load_extra_tune, load_items  # noqa: E402

from knowledge import KnowledgeBase, Options  # noqa: E402

VARIANTS: list[tuple[str, Options]] = [
    ("shipped (all stages)", Options()),
    ("- question part (whole message)", Options(reduce=False)),
    ("- English glossary", Options(english=False)),
    ("- answer, tags, basis (phrasings only)", Options(fields=("question",))),
    ("- topic weighting (base IDF only)", Options(topical=False)),
    ("- fuzzy (no char/pinyin features)", Options(fuzzy=False)),
    ("- logistic scorer (fixed mix)", Options(learned=False)),
    ("- largest missed word (feature)", Options(miss=False)),
]


def main() -> None:
    tuning = load_items(half="tune") + load_extra_tune()
    halves = {h: load_items(half=h) for h in ("test", "tune")}
    base = KnowledgeBase.from_directory()
    kb_eval.OOS_CAP = kb_tune.OOS_CAP
    print(f"{'variant':<40}" + "".join(f"{h + ' ' + m:>17}" for h in halves
                                       for m in ("top-1", "right", "OOS ans")))
    for label, opts in VARIANTS:
        kb = KnowledgeBase(base.entries, processor=base.proc, options=opts)
        if opts.learned:
            kb.weights = kb_tune.fit(kb_tune.rows(kb, tuning), tuning, kb_tune.L2)

        def ranked(q: str, kb: KnowledgeBase = kb) -> list[tuple[str, float]]:
            return [(m.entry.id, m.score) for m in kb.search(q, 3)]

        rule = calibrate(tuning, ranked)
        cells = []
        for items in halves.values():
            t = Tally()
            for it in items:
                r = ranked(it.q)
                t.add(it, [e for e, _ in r], *rule.decide(r))
            cells += [f"{t.rate('top1'):.1%}", f"{t.rate('right'):.1%}", f"{t.rate('oos_answer'):.1%}"]
        print(f"{label:<40}" + "".join(f"{c:>17}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
