"""How often a typed place reaches the place meant, and how often without an extra tap (issue 11).

    python bench/place_accuracy.py                 # the current code, then the code at HEAD
    python bench/place_accuracy.py --before REV    # compare with bot/domain at REV
    python bench/place_accuracy.py --no-before     # only the current code
    python bench/place_accuracy.py --misses        # list the cases that fail

The cases are the table in tests/test_place_accuracy_cases.py: text, the place chosen so far
(None: the province step), the code meant. "tuned": the cases the aliases and rules were fitted on
(written first, as Cambodians type places); "untuned": cases written afterwards and not fitted on,
the honest estimate for unseen input. Each is matched as the intake's place step does
(`Gazetteer.match_typed`), and the step's choice is read the way the intake reads it: the place
picked without asking (`Gazetteer.pick_typed`; code without it: one exact match, or one match at
all), else the list of matches shown as buttons.
- hit: the place meant is picked, or is one of the buttons shown;
- no extra tap: the place meant is picked without asking.
The code at REV runs in a subprocess from `git archive REV bot/domain`, against the same table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_HIT = 0.99


def outcome(gazetteer: object, text: str, within: str | None, expected: str) -> tuple[bool, bool, str]:
    """(hit, no extra tap, what happened) for one case."""
    matches = gazetteer.match_typed(text, within=within)  # type: ignore[attr-defined]
    if hasattr(gazetteer, "pick_typed"):
        picked = gazetteer.pick_typed(matches, within)
        picked_code = picked.code if picked is not None else None
    else:  # the rule of bot/services/intake_typed.py before issue 11
        exact = [m for m in matches if m.exact]
        picked_code = (exact or matches)[0].place.code if len(exact) == 1 or len(matches) == 1 else None
    shown = [m.place.code for m in matches]
    if picked_code is not None:
        return picked_code == expected, picked_code == expected, f"picked {picked_code}"
    return expected in shown, False, f"asked {shown[:4]}" if shown else "nothing found"


def measure() -> dict[str, dict[str, object]]:
    """Figures for the table the matcher was tuned on, and for the cases written after it (untuned)."""
    sys.path.insert(0, str(ROOT))
    from bot.domain.places import Gazetteer
    from tests.test_place_accuracy_cases import CASES, UNTUNED

    gazetteer = Gazetteer.load()
    return {"tuned": _measure(gazetteer, CASES), "untuned": _measure(gazetteer, UNTUNED)}


def _measure(gazetteer: object, cases: list[tuple[str, str | None, str]]) -> dict[str, object]:
    hits = taps_saved = 0
    misses: list[str] = []
    for text, within, expected in cases:
        hit, direct, what = outcome(gazetteer, text, within, expected)
        hits += hit
        taps_saved += direct
        if not direct:
            misses.append(f"{'miss' if not hit else 'tap '}  {text!r} in {within}: want {expected}, {what}")
    return {"cases": len(cases), "hits": hits, "direct": taps_saved, "misses": misses}


def measure_at(rev: str) -> dict[str, dict[str, object]]:
    """The same figures for bot/domain at `rev`, in a subprocess (its modules would clash with ours)."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "archive", rev, "bot/domain"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        (Path(folder) / "bot" / "__init__.py").touch()
        (Path(folder) / "tests").mkdir()
        (Path(folder) / "tests" / "__init__.py").touch()
        cases = ROOT / "tests" / "test_place_accuracy_cases.py"
        (Path(folder) / "tests" / cases.name).write_text(cases.read_text(encoding="utf-8"), encoding="utf-8")
        code = f"import sys, json; sys.path.insert(0, {folder!r}); sys.path.insert(1, {str(ROOT)!r})\n"
        code += "import bench.place_accuracy as b; b.ROOT = __import__('pathlib').Path(sys.path[0])\n"
        code += "print(json.dumps(b.measure()))"
        out = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def report(name: str, groups: dict[str, dict[str, object]], show_misses: bool) -> None:
    for group, figures in groups.items():
        cases, hits, direct = int(figures["cases"]), int(figures["hits"]), int(figures["direct"])  # type: ignore[call-overload]
        print(
            f"{name:<14} {group:<8} {cases:>3} cases  hit {hits / cases:6.1%} ({hits})"
            f"  no extra tap {direct / cases:6.1%} ({direct})"
        )
        if show_misses:
            for line in figures["misses"]:  # type: ignore[attr-defined]
                print("    " + line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD", help="git revision to compare with (default HEAD)")
    parser.add_argument("--no-before", action="store_true", help="only measure the current code")
    parser.add_argument("--misses", action="store_true", help="list the cases that miss or need a tap")
    args = parser.parse_args()
    now = measure()
    if not args.no_before:
        report(f"before ({args.before})", measure_at(args.before), args.misses)
    report("after", now, args.misses)
    tuned = now["tuned"]
    return 0 if int(tuned["hits"]) >= GOAL_HIT * int(tuned["cases"]) else 1  # type: ignore[call-overload]


if __name__ == "__main__":
    sys.exit(main())
