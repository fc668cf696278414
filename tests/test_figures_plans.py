"""The sweep's due query and every supervisors' figure are served by indexes (a full scan of a
million complaints takes tens of milliseconds; bench/scale.py measures the real figures)."""

from __future__ import annotations

import re
import time

import pytest

from bot.domain.places import Gazetteer
from bot.domain.units import default_registry
from db.database import Database
from db.migrate import migrate
from db.repositories import deadlines, figures, units
from db.repositories.figures import Scope
from db.sqlite import Tx  # the SQLite backend's: EXPLAIN QUERY PLAN is SQLite's
from tests.dbaccess import ON_POSTGRES
from tests.seeding import Shape, seed

# SQLite's query plans (EXPLAIN QUERY PLAN); PostgreSQL's are measured by bench/scale.py.
pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="about SQLite's query plans (the PostgreSQL pass skips it)")


class PlanRecorder(Tx):
    """A transaction that records the query plan of every read."""

    def __init__(self, tx: Tx) -> None:
        super().__init__(tx._conn)
        self.plans: list[tuple[str, list[str]]] = []

    async def _plan(self, sql: str, params) -> None:
        rows = await super().fetchall("EXPLAIN QUERY PLAN " + sql, params)
        self.plans.append((sql, [r[3] for r in rows]))

    async def fetchall(self, sql, params=()):
        await self._plan(sql, params)
        return await super().fetchall(sql, params)

    async def fetchone(self, sql, params=()):
        await self._plan(sql, params)
        return await super().fetchone(sql, params)


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "plans.sqlite3")
    await migrate(database)
    registry = default_registry(Gazetteer.load())
    async with database.transaction() as tx:
        await units.replace_all(tx, registry.units.values(), registry.commune_posts)
    now = time.time()
    seed(database.path, registry, Shape(3000, now - 90 * 86400, now, open_share=0.1), now=now)
    async with database.transaction() as tx:
        await tx.execute("ANALYZE")
    yield database, registry
    await database.close()


def unindexed(plans: list[tuple[str, list[str]]]) -> list[str]:
    problems = []
    for sql, steps in plans:
        for step in steps:
            if re.match(r"(SCAN|SEARCH) (complaints|deadlines|c)\b", step) and "INDEX" not in step:
                problems.append(f"{step}  <=  {sql[:90]}")
    return problems


async def test_the_sweeps_due_query_uses_its_partial_index(db):
    database, _ = db
    async with database.read() as tx:
        recorder = PlanRecorder(tx)
        await deadlines.due(recorder, time.time(), 200)
    assert unindexed(recorder.plans) == []
    assert "deadlines_due" in " ".join(recorder.plans[0][1])


@pytest.mark.parametrize("code", ["KH", "17", "1710", "171001"])
async def test_every_status_figure_uses_an_index(db, code):
    database, registry = db
    now = time.time()
    async with database.read() as tx:
        recorder = PlanRecorder(tx)
        scope = Scope.of(registry.get(code))
        await figures.figures(recorder, scope, now)
        await figures.open_items(recorder, scope, now, overdue_only=True, limit=10)
        await figures.open_items(recorder, scope, now, overdue_only=False, limit=15)
    assert len(recorder.plans) >= 6
    assert unindexed(recorder.plans) == []
    rollups = [steps for sql, steps in recorder.plans if "FROM daily_figures" in sql]
    assert rollups and all("COVERING INDEX" in " ".join(steps) for steps in rollups)
