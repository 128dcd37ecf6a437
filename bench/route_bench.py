"""Free-text routing: where a message typed outside a dialog goes, against labels.

    .venv/bin/python bench/route_bench.py [--half test|tune] [--errors]

Messages: bench/route_set.yaml (every role) plus every in-scope question of
bench/kb_real_set.yaml as ``ask_kb`` for its role, split into halves like the knowledge
set. Methods: (a) knowledge.routing.route, (b) the previous rule (services.text_intent:
a question word near the start or end; villagers' other text → complaint offer; team
members' statements of 40+ characters → log offer; everything else → knowledge base).

Printed per half: accuracy overall and per role, the confusion matrix (rows: label,
columns: routed to), precision and recall per class, villager questions sent to the
complaint offer, and the time per message as a ratio to a reference (NFKC of the text).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import yaml  # noqa: E402
from kb_eval import RouteItem, load_items, load_routes  # noqa: E402

from knowledge.routing import Route, route  # noqa: E402
from services.text_intent import is_question, looks_like_report  # noqa: E402

CLASSES = [r.value for r in Route]
TEAM = {"cadre", "first_secretary", "team_leader"}


def previous_rule(text: str, role: str) -> str:
    """What the handlers did before: priorities 40 (villager), 50 (report), 60 (base)."""
    if role == "villager" and not is_question(text):
        return "offer_complaint"
    if role in TEAM and looks_like_report(text):
        return "offer_report"
    return "ask_kb"


def shipped(text: str, role: str) -> str:
    return route(text, role).value


def report(name: str, fn: Callable[[str, str], str], items: Sequence[RouteItem],
           errors: bool) -> None:
    got = [(it, fn(it.text, it.role)) for it in items]
    right = sum(g == it.route for it, g in got)
    print(f"\n{name}: {right}/{len(items)} right ({right / len(items):.1%})")
    roles = sorted({it.role for it in items})
    print("  per role: " + ", ".join(
        f"{r} {sum(g == it.route for it, g in got if it.role == r)}/{sum(it.role == r for it in items)}"
        for r in roles))
    conf = Counter((it.route, g) for it, g in got)
    print(f"  confusion (rows: label; columns: routed to)\n  {'':<18}" + "".join(f"{c:>17}" for c in CLASSES))
    for lab in CLASSES:
        print(f"  {lab:<18}" + "".join(f"{conf[(lab, c)]:>17}" for c in CLASSES))
    print(f"  {'class':<18}{'precision':>12}{'recall':>10}{'n':>6}")
    for c in CLASSES:
        tp = conf[(c, c)]
        pred = sum(conf[(lab, c)] for lab in CLASSES)
        act = sum(conf[(c, g)] for g in CLASSES)
        p = f"{tp / pred:.1%}" if pred else "n/a"
        r = f"{tp / act:.1%}" if act else "n/a"
        print(f"  {c:<18}{p:>12}{r:>10}{act:>6}")
    vq = [(it, g) for it, g in got if it.role == "villager" and it.route == "ask_kb"]
    bad = [it for it, g in vq if g == "offer_complaint"]
    print(f"  villager questions sent to the complaint offer: {len(bad)} of {len(vq)}")
    if errors:
        for it, g in got:
            if g != it.route:
                print(f"    [{it.role}] {it.route} -> {g}: {it.text[:60]}")


def timing(fn: Callable[[str, str], str], items: Sequence[RouteItem]) -> float:
    walls = []
    for _ in range(3):
        for it in items:
            t = time.perf_counter()
            fn(it.text, it.role)
            walls.append(time.perf_counter() - t)
    return statistics.median(walls)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--half", choices=["test", "tune"], action="append",
                    help="which half to report (default: both, test first)")
    ap.add_argument("--errors", action="store_true", help="list every misrouted message")
    args = ap.parse_args(argv)
    for half in args.half or ["test", "tune"]:
        items = load_routes(half)
        by = Counter(it.route for it in items)
        print(f"\n===== {half} half: {len(items)} messages ("
              + ", ".join(f"{c} {by[c]}" for c in CLASSES) + ") =====")
        report("(a) knowledge.routing.route", shipped, items, args.errors)
        report("(b) previous rule (services.text_intent)", previous_rule, items, args.errors)
    holdout = [RouteItem(str(r["t"]), str(r["r"]), str(r["y"])) for r in
               yaml.safe_load((ROOT / "bench" / "route_holdout.yaml").read_text(encoding="utf-8"))]
    if not args.half:
        print(f"\n===== second hold-out (bench/route_holdout.yaml): {len(holdout)} messages =====")
        report("(a) knowledge.routing.route", shipped, holdout, args.errors)
        report("(b) previous rule (services.text_intent)", previous_rule, holdout, False)
        new = [RouteItem(it.q, it.role, "ask_kb") for it in load_items(half="holdout2") if it.in_scope]
        print(f"\n===== new hold-out (bench/kb_holdout2.yaml, every answerable question as ask_kb): "
              f"{len(new)} messages =====")
        report("(a) knowledge.routing.route", shipped, new, args.errors)
        report("(b) previous rule (services.text_intent)", previous_rule, new, False)
    items = load_routes()
    ref = timing(lambda t, r: unicodedata.normalize("NFKC", t), items)
    ours = timing(lambda t, r: route.__wrapped__(t, r).value, items)  # without route's cache
    print(f"\nmedian time per message: {ours * 1e3:.3f} ms ({ours / ref:.0f}x the reference, "
          f"NFKC of the text: {ref * 1e6:.1f} µs)")


if __name__ == "__main__":
    main()
