"""Place matching time for hostile typed texts (issue 8): worst case and p99, before and after.

    python bench/place_match.py                # ~40 s, most of it the code before the fix
    python bench/place_match.py --no-before    # only the current code (~10 s)
    python bench/place_match.py --before REV   # compare with bot/domain/places.py at REV (default HEAD)

Hostile inputs are 4,096-character texts (Telegram's limit) in several families, ten random variants
each; ordinary inputs are gazetteer names as citizens type them. Each input is matched by
`search()`, `search(within=...)` and `search_in_context()` (what the intake runs), with the word cache
emptied first (an attacker sends new words every time); an input's time is the best of `--repeat`
runs, so that other work on the machine does not count. Target: worst case <= 20 ms.
The code before the fix is run once on the first variant of each family only: it takes seconds each.
The exit code is 0 when the target is met.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain import place_words, places  # noqa: E402

TARGET_MS = 20.0
LENGTH = 4096
VARIANTS = 10
WITHIN = ("17", "1710", "12")  # a province, a district, the capital

KHMER_CONSONANTS = [chr(c) for c in range(0x1780, 0x17A3)]
KHMER_VOWELS = [chr(c) for c in range(0x17B6, 0x17C6)]
COENG = "\u17d2"
PUNCTUATION = list("!?.,;:/\\-_()[]{}<>\"'`~@#$%^&*+=|។៕")
ADMIN = ["ខេត្ត", "ស្រុក", "ឃុំ", "សង្កាត់", "ខណ្ឌ", "ក្រុង", "Sangkat", "Khan", "Srok", "Province", "Khum", "of"]


def fill(pieces: Callable[[], str], sep: str = "") -> str:
    """Pieces joined by `sep` up to exactly LENGTH characters."""
    out: list[str] = []
    size = 0
    while size < LENGTH:
        piece = pieces() + sep
        out.append(piece)
        size += len(piece)
    return "".join(out)[:LENGTH]


def hostile_families(gazetteer: places.Gazetteer) -> dict[str, Callable[[random.Random], str]]:
    name_words = sorted({w for p in gazetteer.provinces() for w in p.name_en.split()})
    everything = _all_places(gazetteer)
    communes = [p for p in everything if p.level == "commune"]
    names = [p.name_en for p in everything] + [p.name_km for p in everything]

    def syllable(rng: random.Random) -> str:
        sub = COENG + rng.choice(KHMER_CONSONANTS) if rng.random() < 0.3 else ""
        return rng.choice(KHMER_CONSONANTS) + sub + rng.choice(KHMER_VOWELS)

    def latin_word(rng: random.Random, lo: int = 2, hi: int = 9) -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(lo, hi)))

    def place_then_junk(rng: random.Random) -> str:
        return (rng.choice(communes).name_en + " " + fill(lambda: latin_word(rng), " "))[:LENGTH]

    return {
        "Khmer, no spaces": lambda rng: fill(lambda: syllable(rng)),
        "Khmer words": lambda rng: fill(lambda: "".join(syllable(rng) for _ in range(rng.randint(1, 4))), " "),
        "Latin letters": lambda rng: fill(lambda: rng.choice("abcdefghijklmnopqrstuvwxyz ")),
        "random words": lambda rng: fill(lambda: latin_word(rng), " "),
        "place-name words": lambda rng: fill(lambda: rng.choice(name_words), rng.choice([" ", ", "])),
        "place names": lambda rng: fill(lambda: rng.choice(names), rng.choice([" ", ", "])),
        "many short words": lambda rng: fill(lambda: latin_word(rng, 1, 2), " "),
        "admin prefixes": lambda rng: fill(lambda: rng.choice(ADMIN), rng.choice(["", " "])),
        "punctuation storm": lambda rng: fill(lambda: rng.choice(PUNCTUATION)),
        "letters and punctuation": lambda rng: fill(lambda: rng.choice("abcdefgh") + rng.choice(PUNCTUATION)),
        "one huge word": lambda rng: (rng.choice(["a", "k", "ក", "ស្វាយ", "ka"]) * LENGTH)[:LENGTH],
        "mixed scripts": lambda rng: fill(lambda: rng.choice(["ស្វាយ", "Svay", "สวัสดี", "مرحبا", "😀", "Ж", "1"])),
        "digits": lambda rng: fill(lambda: rng.choice(["1", "7", "០", "៧", "17", "1710"]), rng.choice(["", " "])),
        "invisible and marks": lambda rng: fill(lambda: rng.choice(["\u200b", "\u0301", COENG, "\u17c6", "a"])),
        "place, then junk": lambda rng: place_then_junk(rng),
    }


def ordinary_inputs(gazetteer: places.Gazetteer, rng: random.Random) -> list[str]:
    everything = _all_places(gazetteer)
    sample = rng.sample(everything, 60)
    typed = [p.name_en for p in sample] + [p.name_km for p in sample]
    typed += [f"Sangkat {p.name_en}" for p in sample[:10]] + [f"ឃុំ{p.name_km}" for p in sample[10:20]]
    for commune in [p for p in sample if p.level == "commune"][:15]:
        path = gazetteer.path(commune.code)
        typed.append(", ".join(p.name_en for p in reversed(path)))
        typed.append(" ".join(p.name_km for p in reversed(path)))
    typed += ["Battambng", "Siem Raep", "Kampong", "ka", "Sla Kram, Siem Reap", "ស្លក្រាម សៀមរាប", "BKK1"]
    return typed


def _all_places(gazetteer: places.Gazetteer) -> list[places.Place]:
    out: list[places.Place] = []
    for province in gazetteer.provinces():
        out.append(province)
        for district in gazetteer.children(province.code):
            out.append(district)
            out.extend(gazetteer.children(district.code))
    return out


def matchers(module: ModuleType, gazetteer: object) -> dict[str, Callable[[str], object]]:
    def within(text: str) -> None:
        for code in WITHIN:
            gazetteer.search(text, within=code)  # type: ignore[attr-defined]

    return {
        "search()": gazetteer.search,  # type: ignore[attr-defined]
        f"search(within=…) x{len(WITHIN)}": within,
        "search_in_context()": gazetteer.search_in_context,  # type: ignore[attr-defined]
    }


def timed(module: ModuleType, action: Callable[[str], object], text: str, repeat: int) -> float:
    """Best of `repeat` runs, in ms, each with the word cache empty."""
    best = float("inf")
    for _ in range(repeat):
        # In places.py itself up to issue 8; in place_words.py since the split (issue 9).
        getattr(module, "_word_key", place_words.word_key).cache_clear()
        start = time.perf_counter()
        action(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def load_before(rev: str) -> ModuleType | None:
    """bot/domain/places.py at `rev`, as a module of its own; None if it is the current code."""
    source = subprocess.run(
        ["git", "show", f"{rev}:bot/domain/places.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    if source == Path(places.__file__).read_text(encoding="utf-8"):
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "places_before.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("bot.domain.places_before", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)  # its package is bot.domain, so it finds place_aliases.toml
    return module


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per input, the best one counts (3)")
    parser.add_argument("--before", default="HEAD", help="git revision of the code before (HEAD)")
    parser.add_argument("--no-before", action="store_true", help="skip the code before")
    args = parser.parse_args()

    gazetteer = places.Gazetteer.load()
    rng = random.Random(8)
    families = {name: [make(rng) for _ in range(VARIANTS)] for name, make in hostile_families(gazetteer).items()}
    ordinary = ordinary_inputs(gazetteer, rng)
    assert all(len(text) == LENGTH for texts in families.values() for text in texts)

    before = None if args.no_before else load_before(args.before)
    old = before.Gazetteer.load() if before else None  # type: ignore[attr-defined]
    if not args.no_before and before is None:
        print(f"(bot/domain/places.py at {args.before} is the current code: no 'before' column)\n")

    now = matchers(places, gazetteer)
    then = matchers(before, old) if before else {}
    print(f"Hostile inputs: {LENGTH:,} characters, {VARIANTS} variants a family; ms, worst variant (before: first)")
    header = f"{'family':26}" + "".join(f"{name:>28}" for name in now)
    print(header)
    samples: dict[str, list[float]] = {name: [] for name in now}
    for family, texts in families.items():
        cells = []
        for name, action in now.items():
            times = [timed(places, action, text, args.repeat) for text in texts]
            samples[name] += times
            cell = f"{max(times):8.2f}"
            if then:
                cell += f" (before {timed(before, then[name], texts[0], 1):9.1f})"  # type: ignore[arg-type]
            cells.append(f"{cell:>28}")
        print(f"{family:26}" + "".join(cells))

    ordinary_now = {name: [timed(places, action, t, args.repeat) for t in ordinary] for name, action in now.items()}
    rows = [(f"hostile ({sum(map(len, families.values()))})", samples), (f"ordinary ({len(ordinary)})", ordinary_now)]
    if then:
        ordinary_then = {name: [timed(before, then[name], t, args.repeat) for t in ordinary] for name in now}
        rows.append(("ordinary, before", ordinary_then))
    print(f"\n{'summary, ms':26}" + "".join(f"{name:>28}" for name in now))
    for label, times in rows:
        print(f"{label + ' worst':26}" + "".join(f"{max(t):28.2f}" for t in times.values()))
        print(f"{label + ' p99':26}" + "".join(f"{percentile(t, 99):28.2f}" for t in times.values()))
    worst_ms = max(max(t) for _, times in rows[:2] for t in times.values())
    met = worst_ms <= TARGET_MS
    print(f"\nworst case {worst_ms:.2f} ms: target <= {TARGET_MS:.0f} ms {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
