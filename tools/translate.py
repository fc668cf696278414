"""Set translations in a catalog from a small TOML or JSON file of msgid = msgstr pairs.

    python tools/translate.py km new-strings.json

Meant for adding a handful of translations without a .po editor; the catalog keeps its order and
comments. Plural entries take a list.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    lang, source = argv[1], Path(argv[2])
    pairs = json.loads(source.read_text(encoding="utf-8"))
    path = ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    missing = []
    for msgid, msgstr in pairs.items():
        message = catalog.get(msgid)
        if message is None:
            missing.append(msgid)
            continue
        if isinstance(msgstr, list) != bool(message.pluralizable):
            print(f"plural entries take a list, others a string: {msgid!r}")
            return 1
        message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
    # Written beside the catalog, then moved over it: a failure never leaves half a catalog.
    partial = path.with_suffix(".po.partial")
    with partial.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_by_file=True, include_previous=False)
    partial.replace(path)
    for msgid in missing:
        print(f"not in the catalog: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
