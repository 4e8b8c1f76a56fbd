"""Fixtures of the safe-grading tests (their shared helpers are `support.sandboxing`)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tiny_course, hostile

# nbgrader runs `alembic` from PATH when it creates a gradebook
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"

# Every isolated grading in these tests runs on the warm path (nngrade.zygote) or fails: a test
# of the cold path asks for it explicitly (``"warm": False`` in the job).
os.environ["NNGRADE_WARM"] = "require"


@pytest.fixture
def listening_port():
    """A TCP port on the host's loopback that accepts connections (if it can be reached)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    yield server.getsockname()[1]
    server.close()
