"""Fixtures shared by the test folders: a private PostgreSQL server for the gradebook tests, and
the one headless chromium of a test process (the site's and the student edition's browser tests)."""

from __future__ import annotations

import os
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


CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str:
    """Debian's chromium (`make system-deps` installs it); never a browser Playwright downloads."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium")
    if not found:
        pytest.fail("Debian's chromium is not installed: run `make system-deps`", pytrace=False)
    return found


@pytest.fixture(scope="session")
def browser():
    """Headless chromium driven by Playwright's sync API, one per test process: the API allows
    one running instance per process, so the site's and the edition's tests share it."""
    from playwright.sync_api import sync_playwright

    args = [
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
        "--disable-dev-shm-usage",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=args
        )
        try:
            yield browser
        finally:
            browser.close()
