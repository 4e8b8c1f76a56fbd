"""The corpus: hostile, broken and honest submissions with their exact expected grades.

Each attack is written so that it earns points only if it succeeds: the part that performs it
returns the right answer after the forbidden operation, so a sandbox that let it through would
change the score. ``{course}``, ``{gradebook}``, ``{port}`` and ``{repo}`` are filled in by the
test. The assignment's parts: ``add`` (1 point), ``mul`` (2 points, visible and hidden tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tiny_course import CORRECT_ADD, CORRECT_MUL


@dataclass(frozen=True)
class Case:
    student: str
    add: str = CORRECT_ADD
    mul: str = CORRECT_MUL
    score: float = 3.0
    reason: str = ""  # text the student's feedback must show (grading note or error output)
    raw: str | None = None  # a notebook file that is not made from the release
    files: dict[str, str] = field(default_factory=dict)


def guarded_add(attack: str) -> str:
    """``add`` that performs ``attack`` first: it passes its test only if the attack works."""
    body = "\n".join("    " + line for line in attack.splitlines())
    return f"def add(a, b):\n{body}\n    return a + b"


HONEST = [
    Case("honest_full"),
    Case("honest_partial", mul="def mul(a, b):\n    return a + b", score=1.0),
    Case(
        "honest_own_file",
        add="def add(a, b):\n    return a + b + int(open('offset.txt').read())",
        files={"offset.txt": "0"},
    ),
]

HOSTILE = [
    Case(
        "read_gradebook",
        add=guarded_add("open({gradebook!r}, 'rb').read()"),
        score=2.0,
        reason="FileNotFoundError",
    ),
    Case(
        "write_other_grade",
        score=2.0,
        reason="OperationalError",
        add=guarded_add(
            "import sqlite3\n"
            "db = sqlite3.connect('file:{gradebook}?mode=rw', uri=True)\n"
            "db.execute('UPDATE grade SET auto_score = 0')\n"
            "db.commit()"
        ),
    ),
    Case(
        "open_socket",
        score=2.0,
        reason="ConnectionRefusedError",
        add=guarded_add(
            "import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2).close()"
        ),
    ),
    Case(
        "reach_internet",
        score=2.0,
        reason="Network is unreachable",
        add=guarded_add(
            "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=2).close()"
        ),
    ),
    Case(
        "read_source",
        add=guarded_add("open('{course}/source/ps1/ps1.ipynb').read()"),
        score=2.0,
        reason="FileNotFoundError",
    ),
    Case(
        "read_repo_solutions",
        add=guarded_add("import os\nos.listdir('{repo}/solutions')"),
        score=2.0,
        reason="FileNotFoundError",
    ),
    Case(
        "read_other_student",
        score=2.0,
        reason="FileNotFoundError",
        add=guarded_add("open('{course}/submitted/honest_full/ps1/ps1.ipynb').read()"),
    ),
    Case(
        "write_outside",
        score=2.0,
        reason="FileNotFoundError",
        add=guarded_add("open('{course}/autograded/honest_full/ps1/pwned.txt', 'w').write('x')"),
    ),
    Case(
        "write_system",
        score=2.0,
        reason="Read-only file system",
        add=guarded_add("open('{repo}/.venv/pwned.txt', 'w').write('x')"),
    ),
    Case("infinite_loop", add="while True:\n    pass", score=0.0, reason="longer than the 4 s"),
    Case("exit_kernel", mul="import os\nos._exit(3)", score=1.0, reason="the kernel died"),
    Case("segfault", mul="import ctypes\nctypes.string_at(0)", score=1.0, reason="kernel died"),
    Case(
        "kill_parent",
        mul="import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
        score=1.0,
        reason="grading process was killed",
    ),
    Case(
        "kill_everything",
        mul="import os, signal\nos.kill(-1, signal.SIGKILL)",
        score=1.0,
        reason="grading process was killed",
    ),
    Case(
        "memory_bomb",
        score=1.0,
        reason="MemoryError",
        # reserved, not touched: the address-space limit stops it at once, where touching 2 GiB
        # page by page took longer than the 4 s cell limit on a loaded machine (a flaky test)
        mul=(
            "def mul(a, b):\n    import numpy as np\n    blocks = []\n    while True:\n"
            "        blocks.append(np.empty(256 * 2**20, dtype=np.uint8))"
        ),
    ),
    Case(
        "process_flood",
        score=1.0,
        reason="Resource temporarily unavailable",
        mul=(
            "import subprocess\n"
            "sleepers = [subprocess.Popen(['sleep', '600']) for _ in range(1000)]\n" + CORRECT_MUL
        ),
    ),
    Case(
        "output_flood",
        add="for _ in range(100):\n    print('x' * 1_000_000)",
        score=0.0,
        reason="output exceeded",
    ),
    Case(
        "huge_file",
        score=1.0,
        reason="File too large",
        mul=("open('big.bin', 'wb').write(bytes(100 * 2**20))\n" + CORRECT_MUL),
    ),
    Case(
        "daemon_left_running",
        add=(
            "import subprocess\n"
            "subprocess.Popen(['sleep', '1000'], start_new_session=True)\n" + CORRECT_ADD
        ),
    ),
    Case("malformed_json", raw="{not json", score=0.0, reason="unreadable"),
    Case("not_a_notebook", raw='{"cells": 5}', score=0.0, reason="unreadable"),
]

# In the kernel, nothing stops an answer from replacing what the tests call; the trusted side
# flags it for review (nngrade.tamper) in the outcome, never in the student's feedback.
FLAGGED = {
    "patch_test_helpers": Case(
        "patch_test_helpers",
        add="import numpy\nnumpy.testing.assert_equal = lambda *a, **k: None\n" + CORRECT_ADD,
    ),
}
