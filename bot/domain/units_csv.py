"""The unit registry as a CSV file the ministry edits in a spreadsheet.

Columns: code, level, parent_code, name_km, name_en, phone, chat_id, thread_id, lang, communes
(`communes`: the commune codes a post covers, separated by spaces). Reading checks every row and
reports each problem with its row and column; a file with any problem imports nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from bot.domain import phone as phones
from bot.domain.places import Gazetteer
from bot.domain.textnorm import BIDI_CONTROLS, INVISIBLE  # zero-width spaces and joiners are harmless
from bot.domain.units import MINISTRY, Level, Registry, Unit

COLUMNS = ("code", "level", "parent_code", "name_km", "name_en", "phone", "chat_id", "thread_id", "lang", "communes")
REQUIRED = ("code", "level", "parent_code", "name_km", "name_en")
PARENT_LEVEL = {Level.PROVINCE: Level.MINISTRY, Level.DISTRICT: Level.PROVINCE, Level.POST: Level.DISTRICT}
_CODE = re.compile(r"^[A-Z0-9]{1,12}$")
_INTEGER = re.compile(r"^-?\d{1,20}$")
# Unit names appear in messages to groups and citizens (HTML) and in Telegram toasts. Views escape
# them, but a name is no place for markup tags, control characters or bidi controls, which could
# reorder the text around it: refuse them here, where the person who typed them can fix them. ("&"
# stays allowed: "Sla Kram & Svay Dankum police post" is a fair name, and escaping handles it.)
_MARKUP = "<>"


@dataclass(frozen=True)
class Problem:
    row: int  # 1 = the header line; 0 = the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.row == 0 else f"row {self.row}"
        return f"{where}, column {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class CsvError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def export(registry: Registry) -> str:
    """CSV text (the caller writes it with a BOM so spreadsheet programs show Khmer)."""
    covered: dict[str, list[str]] = {}
    for commune, post in sorted(registry.commune_posts.items()):
        covered.setdefault(post, []).append(commune)
    order = {Level.MINISTRY: 0, Level.PROVINCE: 1, Level.DISTRICT: 2, Level.POST: 3}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for unit in sorted(registry.units.values(), key=lambda u: (order[u.level], u.code)):
        writer.writerow(
            [
                unit.code,
                unit.level.value,
                unit.parent_code or "",
                unit.name_km,
                unit.name_en,
                unit.phone or "",
                "" if unit.chat_id is None else unit.chat_id,
                "" if unit.thread_id is None else unit.thread_id,
                unit.lang,
                " ".join(covered.get(unit.code, [])),
            ]
        )
    return out.getvalue()


def parse(text: str, gazetteer: Gazetteer) -> Registry:
    """The registry the file describes, or CsvError listing every problem found."""
    problems: list[Problem] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CsvError([Problem(1, c, "column missing") for c in missing])
    units: dict[str, Unit] = {}
    communes: dict[str, str] = {}
    rows: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        unit = _unit(row, number, problems)
        if unit is None:
            continue
        if unit.code in units:
            problems.append(Problem(number, "code", f"{unit.code} appears twice (first on row {rows[unit.code]})"))
            continue
        units[unit.code], rows[unit.code] = unit, number
        for commune in row.get("communes", "").replace(";", " ").replace(",", " ").split():
            if unit.level != Level.POST:
                problems.append(Problem(number, "communes", "only posts cover communes"))
                break
            if gazetteer.get(commune) is None or len(commune) != 6:
                problems.append(Problem(number, "communes", f"{commune} is not a commune code of the gazetteer"))
            elif commune in communes:
                problems.append(Problem(number, "communes", f"{commune} is already covered by {communes[commune]}"))
            else:
                communes[commune] = unit.code
    problems += _check_tree(units, rows)
    problems += _check_coverage(communes, gazetteer)
    if problems:
        raise CsvError(problems)
    return Registry(units, communes)


def _unit(row: dict[str, str], number: int, problems: list[Problem]) -> Unit | None:
    before = len(problems)
    code = row.get("code", "").upper()
    if not _CODE.match(code):
        problems.append(Problem(number, "code", "must be 1-12 letters or digits, e.g. 120101"))
    level_text = row.get("level", "").lower()
    if level_text not in Level._value2member_map_:
        problems.append(Problem(number, "level", "must be one of ministry, province, district, post"))
    for column in ("name_km", "name_en"):
        if not row.get(column):
            problems.append(Problem(number, column, "must not be empty"))
        elif len(row[column]) > 120:
            problems.append(Problem(number, column, "is longer than 120 characters"))
        elif bad := _bad_name_characters(row[column]):
            problems.append(Problem(number, column, f"must not contain {bad}"))
    phone = row.get("phone") or None
    if phone:
        phone = phones.parse_typed(phone)
        if phone is None:
            problems.append(Problem(number, "phone", f"{row['phone']!r} is not a valid phone number"))
    chat_id = _integer(row, "chat_id", number, problems)
    thread_id = _integer(row, "thread_id", number, problems)
    if thread_id is not None and chat_id is None:
        problems.append(Problem(number, "thread_id", "a forum topic needs a chat_id"))
    lang = row.get("lang") or "km"
    if lang not in ("km", "en"):
        problems.append(Problem(number, "lang", "must be km or en"))
    if len(problems) > before:
        return None
    return Unit(
        code,
        Level(level_text),
        row.get("parent_code", "").upper() or None,
        row["name_km"],
        row["name_en"],
        phone,
        chat_id,
        thread_id,
        lang,
    )


def _bad_name_characters(name: str) -> str:
    """What a unit name must not contain, described for the person fixing the file ('' if fine)."""
    found = []
    for ch in dict.fromkeys(name):
        if ch in _MARKUP:
            found.append(f"the character {ch!r}")
        elif ch in BIDI_CONTROLS:
            found.append(f"the invisible direction control U+{ord(ch):04X}")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") and ch not in INVISIBLE:
            found.append(f"the control character U+{ord(ch):04X}")
    return ", ".join(found)


def _integer(row: dict[str, str], column: str, number: int, problems: list[Problem]) -> int | None:
    value = row.get(column, "")
    if not value:
        return None
    if not _INTEGER.match(value):
        problems.append(Problem(number, column, f"{value!r} is not a whole number"))
        return None
    return int(value)


def _check_tree(units: dict[str, Unit], rows: dict[str, int]) -> list[Problem]:
    problems = []
    ministry = units.get(MINISTRY)
    if ministry is None or ministry.level != Level.MINISTRY:
        problems.append(Problem(0, "code", f"the ministry unit {MINISTRY} (level ministry) is missing"))
    for unit in units.values():
        number = rows[unit.code]
        if unit.level == Level.MINISTRY:
            if unit.code != MINISTRY or unit.parent_code:
                problems.append(Problem(number, "level", f"only {MINISTRY} is the ministry, without a parent"))
            continue
        parent = units.get(unit.parent_code or "")
        if parent is None:
            problems.append(
                Problem(number, "parent_code", f"{unit.parent_code or '(empty)'} is not a unit of the file")
            )
        elif parent.level != PARENT_LEVEL[unit.level]:
            problems.append(
                Problem(
                    number,
                    "parent_code",
                    f"the parent of a {unit.level.value} must be a "
                    f"{PARENT_LEVEL[unit.level].value}, not a {parent.level.value}",
                )
            )
    return problems


def _check_coverage(communes: dict[str, str], gazetteer: Gazetteer) -> list[Problem]:
    every = [
        c.code for p in gazetteer.provinces() for d in gazetteer.children(p.code) for c in gazetteer.children(d.code)
    ]
    uncovered = [c for c in every if c not in communes]
    if not uncovered:
        return []
    shown = " ".join(uncovered[:10]) + (f" and {len(uncovered) - 10} more" if len(uncovered) > 10 else "")
    return [Problem(0, "communes", f"{len(uncovered)} communes are covered by no post: {shown}")]
