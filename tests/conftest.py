"""Fixtures shared by the test folders: a private PostgreSQL server for the gradebook tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def postgres_bin() -> Path:
    """Debian's server binaries (/usr/lib/postgresql/<version>/bin), the newest version."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        pytest.fail("PostgreSQL server binaries not found (make system-deps installs postgresql)")
    return found[-1].parent


def _as_postgres(*command: str) -> subprocess.CompletedProcess:
    """Run as the unprivileged `postgres` user: the server refuses to run as root."""
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Callable[[str], str]]:
    """A PostgreSQL server started for the session on a loopback port; yields a function that
    creates a fresh database and returns its SQLAlchemy URL."""
    pg = postgres_bin()
    base = Path(tempfile.mkdtemp(prefix="nngrade-pg-"))  # pytest's own temp tree is root-only
    shutil.chown(base, "postgres")
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    shutil.chown(sockets, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"
    steps = [
        (str(pg / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"),
        (
            str(pg / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-w",
            "-o",
            options,
            "start",
        ),
    ]
    for step in steps:
        done = _as_postgres(*step)
        if done.returncode != 0:
            pytest.fail(f"PostgreSQL did not start: {step[0]}: {done.stderr or done.stdout}")

    def new_database(name: str) -> str:
        host = ("-h", "127.0.0.1", "-p", str(port), "-U", "postgres")
        done = _as_postgres(str(pg / "createdb"), *host, name)
        assert done.returncode == 0, done.stderr
        return f"postgresql+psycopg2://postgres@127.0.0.1:{port}/{name}"

    yield new_database
    _as_postgres(str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    shutil.rmtree(base, ignore_errors=True)
