"""The ministry's CSV of units: export, edit, import; every problem named by row and column."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from pathlib import Path

import pytest

from bot.domain.places import Gazetteer
from bot.domain.units import default_registry
from bot.domain.units_csv import CsvError, export, parse
from tests import dbaccess

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer.load()


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def text_of(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_the_default_registry_round_trips(gazetteer):
    registry = default_registry(gazetteer)
    again = parse(export(registry), gazetteer)
    assert again.units == registry.units and again.commune_posts == registry.commune_posts
    assert len(registry.units) == 1 + 25 + 210 + 1654


def test_a_post_covering_two_communes_and_new_names(gazetteer):
    rows = rows_of(export(default_registry(gazetteer)))
    post = next(r for r in rows if r["code"] == "171001")
    gone = next(r for r in rows if r["code"] == "171002")
    post["communes"] = "171001 171002"
    post["phone"] = "012 345 678"
    post["name_en"] = "Sla Kram & Svay Dankum police post"
    rows.remove(gone)
    registry = parse(text_of(rows), gazetteer)
    assert registry.post_for("171002").code == "171001"
    assert registry.get("171001").phone == "+85512345678"
    assert "171002" not in registry.units


def test_every_problem_is_named_by_row_and_column(gazetteer):
    rows = rows_of(export(default_registry(gazetteer)))
    index = {r["code"]: i for i, r in enumerate(rows)}
    rows[index["0102"]]["level"] = "county"
    rows[index["010201"]]["parent_code"] = "9999"
    rows[index["010202"]]["phone"] = "not a phone"
    rows[index["010203"]]["chat_id"] = "-10abc"
    rows[index["010204"]]["communes"] = "010201"  # 010201 is already covered by its own post
    rows[index["010205"]]["name_km"] = ""
    rows.append(dict(rows[index["010206"]]))  # a duplicate code
    with pytest.raises(CsvError) as error:
        parse(text_of(rows), gazetteer)
    shown = [str(p) for p in error.value.problems]
    row = {code: i + 2 for code, i in index.items()}  # the header is row 1
    assert f"row {row['0102']}, column level: must be one of ministry, province, district, post" in shown
    assert any(s.startswith(f"row {row['010201']}, column parent_code") for s in shown)
    assert any(s.startswith(f"row {row['010202']}, column phone") for s in shown)
    assert any(s.startswith(f"row {row['010203']}, column chat_id") for s in shown)
    assert any(s.startswith(f"row {row['010204']}, column communes") and "already covered" in s for s in shown)
    assert any(s.startswith(f"row {row['010205']}, column name_km") for s in shown)
    assert any("appears twice" in s for s in shown)


def test_names_with_markup_control_or_bidi_characters_are_refused_by_row_and_column(gazetteer):
    # A unit name is shown to groups and citizens: markup broke messages, bidi controls reorder them.
    rows = rows_of(export(default_registry(gazetteer)))
    index = {r["code"]: i for i, r in enumerate(rows)}
    rows[index["0102"]]["name_en"] = "<b>Mongkol Borei</b>"
    rows[index["0103"]]["name_km"] = "ម\u202eងគលបូរី"
    rows[index["0104"]]["name_en"] = "Line\nbreak"
    rows[index["0105"]]["name_en"] = "Sla Kram & Svay Dankum"  # "&" is fair in a name; views escape it
    rows[index["0106"]]["name_km"] = "សៀម\u200bរាប"  # a zero-width space, pasted from a website: harmless
    with pytest.raises(CsvError) as error:
        parse(text_of(rows), gazetteer)
    shown = [str(p) for p in error.value.problems]
    row = {code: i + 2 for code, i in index.items()}
    assert f"row {row['0102']}, column name_en: must not contain the character '<', the character '>'" in shown
    assert f"row {row['0103']}, column name_km: must not contain the invisible direction control U+202E" in shown
    assert f"row {row['0104']}, column name_en: must not contain the control character U+000A" in shown
    assert not any(s.startswith((f"row {row['0105']},", f"row {row['0106']},")) for s in shown)


def test_missing_columns_and_uncovered_communes(gazetteer):
    with pytest.raises(CsvError) as error:
        parse("code,level\nKH,ministry\n", gazetteer)
    assert str(error.value.problems[0]) == "row 1, column parent_code: column missing"
    rows = [r for r in rows_of(export(default_registry(gazetteer))) if r["code"] != "250101"]
    with pytest.raises(CsvError) as error:
        parse(text_of(rows), gazetteer)
    assert "1 communes are covered by no post: 250101" in str(error.value)


async def run_cli(*args: str, db: Path) -> tuple[int, str, str]:
    env = {**os.environ, "BOT_TOKEN": "1:x", "DATABASE_URL": dbaccess.url_for(db)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "run_bot.py",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_export_and_import_from_the_command_line(tmp_path, gazetteer):
    from db.migrate import migrate
    from db.repositories import units

    db_path = tmp_path / "bot.sqlite3"
    db = await dbaccess.open_db(db_path)
    await migrate(db)
    registry = default_registry(gazetteer)
    async with db.transaction() as tx:
        await units.replace_all(tx, registry.units.values(), registry.commune_posts)
    await db.close()

    exported = tmp_path / "units.csv"
    code, out, _ = await run_cli("units", "export", str(exported), db=db_path)
    assert code == 0 and "1890 units" in out
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Khmer shows in spreadsheets
    rows = rows_of(exported.read_text(encoding="utf-8-sig"))
    next(r for r in rows if r["code"] == "171001")["phone"] = "063 963 456"
    exported.write_text(text_of(rows), encoding="utf-8-sig")
    code, out, err = await run_cli("units", "import", str(exported), db=db_path)
    assert code == 0, err
    assert "1 changed" in out

    next(r for r in rows if r["code"] == "1710")["level"] = "county"
    broken = tmp_path / "broken.csv"
    broken.write_text(text_of(rows), encoding="utf-8-sig")
    code, _, err = await run_cli("units", "import", str(broken), db=db_path)
    assert code == 1 and "nothing imported" in err and "column level" in err
    db = await dbaccess.open_db(db_path)
    async with db.read() as tx:
        assert (await units.load(tx)).get("171001").phone == "+85563963456"
        assert await tx.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'units_import'") == 1
    await db.close()
