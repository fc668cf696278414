"""Keep the Khmer and English catalogs in step with the code.

    python tools/catalogs.py update   # re-extract msgids from the code, merge them into both .po files
    python tools/catalogs.py check    # fail on a missing or fuzzy translation or a placeholder mismatch

`locales/km/LC_MESSAGES/messages.po` is the one file a Khmer reviewer reads and corrects; English
msgids are the source text, and the English catalog starts as a copy of them.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "messages.pot"
LANGUAGES = ("km", "en")
KEYWORDS = ["-k", "t", "-k", "plural:1,2", "-k", "N_", "--no-default-keywords"]
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "messages.po"


HEADERS = {
    "km": """Khmer catalog of the police complaints bot: the ONE file to review for the Khmer wording.

A first draft: every Khmer line needs review by a native speaker before release.
For each entry, correct only the msgstr line(s). Keep, exactly as they are:
  - placeholders such as %(number)s or %(place)s (they are filled in by the bot),
  - HTML tags such as <b> and <i>, emoji, and commands such as /status.
Spelling decisions used throughout: បណ្តឹង (with ្ត), ឃុំ/សង្កាត់, ប៉ុស្តិ៍នគរបាល.
Check with: python tools/catalogs.py check""",
    "en": """English catalog of the police complaints bot. The msgids are the English source text;
a msgstr may refine the wording shown to English readers without touching the code.""",
}


def extract(target: Path) -> Catalog:
    previous = Path.cwd()
    os.chdir(ROOT)  # locations relative to the repository, not to this machine
    try:
        CommandLineInterface().run(
            [
                "pybabel",
                "-q",
                "extract",
                "-F",
                "babel.cfg",
                *KEYWORDS,
                "--no-wrap",
                "--sort-by-file",
                "--omit-header",
                "-o",
                str(target),
                ".",
            ]
        )
    finally:
        os.chdir(previous)
    with target.open("rb") as handle:
        return read_po(handle)


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def update() -> None:
    template = extract(TEMPLATE)
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            catalog = read(lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project="police-complaints-bot")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.header_comment = "\n".join("# " + line if line else "#" for line in HEADERS[lang].splitlines())
        catalog.fuzzy = False
        catalog.project, catalog.version = "police-complaints-bot", "1"
        catalog.last_translator = catalog.language_team = "complaints bot team"
        catalog.obsolete.clear()
        if lang == "en":  # English text is the msgid itself unless someone refined it
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id
        with path.open("wb") as handle:
            write_po(handle, catalog, width=0, sort_by_file=True, include_previous=False)
        print(f"{path.relative_to(ROOT)}: {len([m for m in catalog if m.id])} messages")


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def problems() -> list[str]:
    """Everything wrong with the catalogs, one line each (empty list: all good)."""
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        code_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extract(Path(tmp) / "messages.pot") if m.id}
    for lang in LANGUAGES:
        catalog = read(lang)
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        for missing in sorted(code_ids - ids):
            found.append(f"{lang}: not in the catalog (run tools/catalogs.py update): {missing!r}")
        for message in catalog:
            if not message.id:
                continue
            msgids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            where = f"{lang}:{message.lineno}"
            if message.fuzzy:
                found.append(f"{where}: marked fuzzy: {msgids[0]!r}")
            if not all(strings):
                found.append(f"{where}: not translated: {msgids[0]!r}")
                continue
            expected = set().union(*(_placeholders(m) for m in msgids))
            for string in strings:
                if _placeholders(string) != expected:
                    found.append(
                        f"{where}: placeholders {sorted(_placeholders(string))} differ from "
                        f"{sorted(expected)} in {msgids[0]!r}"
                    )
            for error in message.check(catalog):
                found.append(f"{where}: {error}")
    return found


def main(argv: list[str]) -> int:
    if argv[1:] == ["update"]:
        update()
        return 0
    if argv[1:] == ["check"]:
        issues = problems()
        for line in issues:
            print(line)
        print(f"{len(issues)} problem(s)")
        return 1 if issues else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
