"""A grading killed mid-batch leaves nothing running, and grading again completes the batch
with the scores each submission earns when graded without interruption."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from nngrade.safe_autograde import grade_assignment
from support import ROOT
from support.sandboxing import TEST_LIMITS, sandbox_processes
from tiny_course import ASSIGNMENT, CORRECT_MUL, make_course, student_notebook, submit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("safegrade"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]
KILL_UID = 64000
SLOW_ADD = "import time\ntime.sleep(1.5)\n\ndef add(a, b):\n    return a + b"
WRONG_MUL = "def mul(a, b):\n    return a + b"
STUDENTS = {f"s{index}": (3.0 if index % 2 else 1.0) for index in range(8)}
GRADER = """
import sys
from dataclasses import replace
sys.path.insert(0, {tests!r})
from support.sandboxing import TEST_LIMITS
from nngrade.safe_autograde import grade_assignment
limits = replace(TEST_LIMITS, first_uid={uid})
grade_assignment({root!r}, "ps1", workers=2, limits=limits,
                 progress=lambda outcome: print(outcome.student, flush=True))
"""


def processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(f"{cmdline.parent.name}: {command[:200]}")
    return found


def scores(root: Path) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "tiny") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}


def test_killed_grader_leaves_nothing_running_and_a_rerun_completes(tmp_path):
    root = make_course(tmp_path / "course")
    for student, score in STUDENTS.items():
        mul = CORRECT_MUL if score == 3.0 else WRONG_MUL
        submit(root, student, student_notebook(root, SLOW_ADD, mul))
    private_tmp = tmp_path / "grader-tmp"  # the killed grader's copies and zygote live here
    private_tmp.mkdir()
    script = GRADER.format(tests=str(ROOT / "tests"), uid=KILL_UID, root=str(root))
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    grader = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env
    )
    graded = [grader.stdout.readline().strip() for _ in range(2)]  # two done, more running
    assert all(graded), "the grader ended before two submissions were graded"
    running = time.monotonic() + 10  # the next ones start once nbgrader's bookkeeping is done
    while not sandbox_processes(KILL_UID) and time.monotonic() < running:
        time.sleep(0.05)
    assert sandbox_processes(KILL_UID), "no submission was running when the grader was killed"
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    grader.stdout.close()

    deadline = time.monotonic() + 20
    left = ["?"]
    while time.monotonic() < deadline and left:
        time.sleep(0.2)
        left = sandbox_processes(KILL_UID) + processes_mentioning(str(private_tmp))
        left += [p for p in processes_mentioning("zygote.py") if f" {grader.pid}" in p]
    assert left == []

    partial = scores(root)
    assert 2 <= len(partial) < len(STUDENTS)
    grade_assignment(root, ASSIGNMENT, workers=2, limits=replace(TEST_LIMITS, first_uid=KILL_UID))
    assert scores(root) == STUDENTS
    assert sandbox_processes(KILL_UID) == []
