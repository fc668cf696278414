"""A throw-away PostgreSQL cluster for tests and CI: initdb in a temporary folder, a loopback port.

python -m tools.pg_cluster run [--port 55432] -- COMMAND …   start a cluster, run COMMAND with
    TEST_DATABASE_URL set to it, stop and delete the cluster (COMMAND's exit status is returned)
python -m tools.pg_cluster start --dir DIR [--port 55432]    start one and print its URL (kept running)
python -m tools.pg_cluster stop --dir DIR                    stop it

It uses Debian's PostgreSQL binaries (/usr/lib/postgresql/*/bin, or PG_BIN). PostgreSQL refuses to
run as root, so as root the cluster belongs to the `postgres` user (Debian's package creates it).
Durability is switched off (fsync, synchronous_commit): the data is thrown away anyway, and the
suite runs several times faster. Benchmarks start it with `durable=True` (`--durable`): PostgreSQL's
own defaults, so that its figures are those of a real deployment.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_PORT = 55432
FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")  # tests only: never for figures
SETTINGS = (
    "max_connections=300",
    "shared_buffers=128MB",
    "unix_socket_directories=''",
    "listen_addresses='127.0.0.1'",
)


def binaries() -> Path:
    configured = os.environ.get("PG_BIN")
    if configured:
        return Path(configured)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL is not installed: apt-get install postgresql (or set PG_BIN)")
    return Path(found[-1]).parent


def _as_owner(command: list[str]) -> list[str]:
    """Root cannot run PostgreSQL: run it as the `postgres` user instead."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start(folder: Path, port: int = DEFAULT_PORT, *, durable: bool = False) -> str:
    bin_dir = binaries()
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    if not data.exists():
        subprocess.run(
            _as_owner(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    settings = SETTINGS if durable else FAST + SETTINGS
    options = " ".join(f"-c {setting}" for setting in settings) + f" -p {port}"
    subprocess.run(
        _as_owner(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def free_port(wanted: int) -> int:
    """`wanted` if nothing listens there, else a free loopback port: a throw-away cluster must not
    fail because another one (a developer's, a killed run's) holds the default."""
    for port in (wanted, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port on 127.0.0.1")


def stop(folder: Path) -> None:
    subprocess.run(
        _as_owner([str(binaries() / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"]),
        check=False,
        stdout=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["run", "start", "stop"])
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--durable", action="store_true", help="keep fsync and synchronous commits on")
    argv = sys.argv[1:] if argv is None else argv
    command = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if args.action == "start":
        print(start(args.dir or Path(tempfile.mkdtemp(prefix="pg_")), args.port, durable=args.durable))
        return 0
    if args.action == "stop":
        stop(args.dir)
        return 0
    if not command:
        parser.error("run needs a command after --")
    folder = Path(tempfile.mkdtemp(prefix="pg_test_"))
    try:
        url = start(folder, free_port(args.port), durable=args.durable)
        started = time.monotonic()
        result = subprocess.run(command, env={**os.environ, "TEST_DATABASE_URL": url}, check=False)
        print(f"PostgreSQL pass: {time.monotonic() - started:.0f} s", file=sys.stderr)
        return result.returncode
    finally:
        stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
