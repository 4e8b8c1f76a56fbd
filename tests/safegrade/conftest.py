"""Fixtures of the safe-grading tests: a tiny nbgrader course in a temporary directory."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from nngrade.sandbox import FIRST_UID, UID_SLOTS, Limits, processes_of  # noqa: E402

# nbgrader runs `alembic` from PATH when it creates a gradebook
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"

# Every isolated grading in these tests runs on the warm path (nngrade.zygote) or fails: a test
# of the cold path asks for it explicitly (``"warm": False`` in the job).
os.environ["NNGRADE_WARM"] = "require"

REPO = Path(__file__).resolve().parents[2]
# Small limits keep the hostile corpus quick: a 100 MB flood stops at 512 KiB.
TEST_LIMITS = Limits(
    cell_timeout=4,
    notebook_timeout=90,
    cpu_seconds=20,
    memory_bytes=2 << 30,
    max_processes=64,
    max_output_bytes=512 << 10,
    max_file_bytes=4 << 20,
)


@pytest.fixture
def listening_port():
    """A TCP port on the host's loopback that accepts connections (if it can be reached)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    yield server.getsockname()[1]
    server.close()


def sandbox_processes(first_uid: int = FIRST_UID) -> list[str]:
    """Processes running as any sandbox user of the range, described (pid, state, command)."""
    found = []
    for uid in range(first_uid, first_uid + UID_SLOTS):
        for pid in processes_of(uid):
            proc = Path("/proc", str(pid))
            try:
                state = next(x for x in (proc / "status").read_text().splitlines() if "State" in x)
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, StopIteration):
                continue  # gone while we looked
            found.append(f"{pid} uid={uid} {state} {command}")
    return found
