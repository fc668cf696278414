"""Start the complaints bot, or run one of its maintenance commands.

python run_bot.py                 run the bot (long polling) with settings from the environment / .env
python run_bot.py backup FILE     write a consistent, checked copy of the database to FILE
python run_bot.py restore FILE    replace the database by a backup (stop the bot first)
python run_bot.py units export|import FILE   the police units as CSV
python run_bot.py sandbox         try it all in a browser, without Telegram (see sandbox/README.md)
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings


async def serve(settings: Settings) -> None:
    """Run the bot until SIGINT or SIGTERM, then stop cleanly (pending work stays in the database)."""
    from bot.app import run

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run(settings, stop=stop)


async def units_command(settings: Settings, action: str, path: Path) -> int:
    from bot.domain.places import Gazetteer
    from bot.domain.units_csv import CsvError
    from bot.services import units_io
    from db.database import open_database
    from db.migrate import migrate

    db = await open_database(settings.database_url)
    try:
        await migrate(db)
        if action == "export":
            count = await units_io.export_to(db, path)
            print(f"{count} units written to {path}")
            return 0
        try:
            summary = await units_io.import_from(db, path, Gazetteer.load())
        except CsvError as error:
            print(f"nothing imported; {len(error.problems)} problem(s) in {path}:", file=sys.stderr)
            for problem in error.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        print(f"imported {summary['units']} units ({summary['changed']} changed, {summary['removed']} removed)")
        return 0
    finally:
        await db.close()


async def backup(settings: Settings, target: Path) -> None:
    """SQLite: VACUUM INTO a checked copy; PostgreSQL: pg_dump's custom format. Both 0600."""
    from db.database import open_database

    db = await open_database(settings.database_url)
    try:
        await db.backup_to(target)
    finally:
        await db.close()


async def restore(settings: Settings, source: Path) -> str:
    """Put a backup in place of the database, then bring its schema up to this version."""
    from db.database import open_database
    from db.migrate import migrate

    if settings.database_is_postgres:
        from db.postgres import restore_from

        await restore_from(settings.database_url, source)
    else:
        from db.sqlite import restore_file

        restore_file(source, settings.database_path)
    db = await open_database(settings.database_url)
    try:
        async with db.read() as tx:
            versions = await tx.fetchval("SELECT COUNT(*) FROM schema_migrations")
        applied = await migrate(db)
    finally:
        await db.close()
    if not versions:
        raise RuntimeError(f"{source} restored no schema_migrations: not a backup of the bot's database")
    newer = f", then applied {len(applied)} newer" if applied else ""
    return f"restored {source} ({versions} migrations{newer})"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sandbox"]:  # needs no settings: it makes its own for the bot it starts
        from sandbox.run import main as sandbox

        return sandbox(argv[1:], Path(__file__).resolve())
    parser = argparse.ArgumentParser(description="Police complaints bot for Cambodia (Khmer/English).")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default)")
    commands.add_parser("sandbox", help="try the bot in a browser with a fake Telegram (--help for options)")
    backup_parser = commands.add_parser("backup", help="copy the database safely while the bot runs")
    backup_parser.add_argument("target", type=Path)
    restore_parser = commands.add_parser("restore", help="replace the database by a backup (stop the bot first)")
    restore_parser.add_argument("source", type=Path)
    units_parser = commands.add_parser("units", help="export or import the police units as CSV")
    units_parser.add_argument("action", choices=["export", "import"])
    units_parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    from bot import logs

    webhook_secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    logs.configure(
        settings.log_level,
        settings.bot_token.get_secret_value(),
        log_format=settings.log_format,
        also=[webhook_secret] if webhook_secret else [],
    )

    if args.command == "units":
        return asyncio.run(units_command(settings, args.action, args.file))
    if args.command == "backup":
        try:
            asyncio.run(backup(settings, args.target))
        except RuntimeError as error:
            print(f"backup failed: {error}", file=sys.stderr)
            return 1
        print(f"backup written to {args.target}")
        return 0
    if args.command == "restore":
        if not args.source.is_file():
            print(f"restore failed: no such file: {args.source}", file=sys.stderr)
            return 1
        print("restoring: make sure no bot instance is running on this database", file=sys.stderr)
        try:
            print(asyncio.run(restore(settings, args.source)))
        except RuntimeError as error:
            print(f"restore failed: {error}", file=sys.stderr)
            return 1
        return 0

    from bot.app import FatalError
    from bot.domain.categories import CategoriesError
    from bot.domain.policy import PolicyError

    try:
        asyncio.run(serve(settings))
    except (FatalError, CategoriesError, PolicyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
