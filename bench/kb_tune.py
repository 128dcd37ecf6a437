"""Calibrate the verdict thresholds of the shipped matcher on the TUNE half only.

    .venv/bin/python bench/kb_tune.py

Prints the rule bench/kb_eval.py:calibrate picks for the shipped matcher's scores (the
same procedure the bench applies to the baselines) and what it gives on the tune half.
The test half is never read here. Copy the numbers into the constants in knowledge/kb.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kb_eval import calibrate, evaluate, load_items  # noqa: E402

from knowledge import KnowledgeBase  # noqa: E402


def main() -> None:
    tune = load_items(half="tune")
    kb = KnowledgeBase.from_directory()

    def ranked(q: str) -> list[tuple[str, float]]:
        return [(m.entry.id, m.score) for m in kb.search(q, 3)]

    rule = calibrate(tune, ranked)
    print(f"tune half: {len(tune)} questions; calibrated rule: {rule}")
    t = evaluate(tune, lambda q: [e for e, _ in ranked(q)], lambda q: rule.decide(ranked(q)))["all"]
    print(f"top-1 {t.rate('top1'):.1%}  answered right {t.rate('right'):.1%}  "
          f"wrong {t.rate('wrong'):.1%}  OOS answered {t.rate('oos_answer'):.1%}")


if __name__ == "__main__":
    main()
