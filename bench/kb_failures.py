"""Print the shipped matcher's failures on the TUNE half (or a hold-out) — never the test half.

    .venv/bin/python bench/kb_failures.py [--half tune|holdout|holdout2|earlier] [--all]

For finding failure modes while tuning (issue #12). The test half is refused: no weight,
threshold, synonym or phrasing may be derived from its questions. Reporting the test half's
misses once, after all tuning is committed, needs ``--half test --final-report``.

Each line: outcome, role/style, the question, the expected ids, and the top three
candidates with their scores (and the phrasing that matched best).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kb_eval import load_extra_tune, load_items, outcome  # noqa: E402

from knowledge import KnowledgeBase  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--half", default="tune", choices=("tune", "holdout", "holdout2", "earlier", "test"))
    ap.add_argument("--all", action="store_true", help="also list questions answered with a choice "
                    "that contains the right entry (not ranked first)")
    ap.add_argument("--final-report", action="store_true",
                    help="allow --half test (only after all tuning is committed)")
    args = ap.parse_args(argv)
    if args.half == "test" and not args.final_report:
        sys.exit("refused: the test half is not looked at while tuning (see --final-report)")
    items = load_extra_tune() if args.half == "earlier" else load_items(half=args.half)
    kb = KnowledgeBase.from_directory()
    n = bad = 0
    for it in items:
        ms = kb.search(it.q, 3)
        v = kb.answer(it.q)
        o = outcome(it, v.kind, [m.entry.id for m in v.matches])
        top1 = bool(ms) and ms[0].entry.id in it.expected
        fail = (it.in_scope and not top1) or o in ("wrong", "oos_answer") or \
            (args.all and it.in_scope and o != "right")
        n += 1
        if not fail:
            continue
        bad += 1
        cands = "  ".join(f"{m.entry.id}:{m.score:.0f}[{m.phrasing}]" for m in ms)
        exp = ",".join(sorted(it.expected)) or "OOS"
        print(f"{o:<12}{it.role}/{it.style:<9}{it.q}\n    want {exp}\n    got  {cands}")
    print(f"\n{bad} of {n} listed ({args.half})")


if __name__ == "__main__":
    main()
