"""CSV import and export of the unit registry (python run_bot.py units import|export FILE)."""

from __future__ import annotations

from pathlib import Path

from bot.domain import units_csv
from bot.domain.places import Gazetteer
from bot.domain.units_csv import CsvError, Problem
from db.database import Database
from db.repositories import audit, units


async def export_to(db: Database, path: Path) -> int:
    async with db.read() as tx:
        registry = await units.load(tx)
    # UTF-8 with a byte-order mark: spreadsheet programs then show Khmer instead of mojibake.
    path.write_text(units_csv.export(registry), encoding="utf-8-sig")
    return len(registry.units)


async def import_from(db: Database, path: Path, gazetteer: Gazetteer) -> dict[str, int]:
    """Replace the registry with the file's, all or nothing. Raises CsvError naming every problem."""
    registry = units_csv.parse(path.read_text(encoding="utf-8-sig"), gazetteer)
    async with db.transaction() as tx:
        current = await units.load(tx)
        missing = sorted((await units.referenced_codes(tx)) - set(registry.units))
        if missing:
            raise CsvError(
                [Problem(0, "code", f"unit {code} has complaints or people but is not in the file") for code in missing]
            )
        await units.replace_all(tx, registry.units.values(), registry.commune_posts)
        removed = await units.remove_except(tx, set(registry.units))
        changed = sum(1 for code, unit in registry.units.items() if current.get(code) != unit)
        await audit.record(
            tx,
            None,
            "import",
            "units_import",
            None,
            file=path.name,
            units=len(registry.units),
            changed=changed,
            removed=removed,
        )
    return {"units": len(registry.units), "changed": changed, "removed": len(removed)}
