"""What the fast path skips must not change what a submission gets: the first cell's outputs are
its own (the runner no longer waits for a quiet IOPub channel before it), the status of a notebook
whose kernel dies at its end is the same warm and cold (the warm runner no longer waits for the
kernel to go), and the gradebook is back in SQLite's default journal after a batch."""

from __future__ import annotations

import os
import sqlite3
from concurrent.futures import Future
from contextlib import closing
from dataclasses import asdict, replace

import nbformat
import pytest
from nngrade import sandbox
from nngrade.safe_autograde import grade_assignment
from support.sandboxing import TEST_LIMITS, sandbox_processes
from tiny_course import ASSIGNMENT, CORRECT_ADD, CORRECT_MUL, make_course, student_notebook, submit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("safegrade"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]

FIRST = 'import sys\nprint("out")\nprint("err", file=sys.stderr)'
SECOND = 'print("second")'
# Leaves a child in the kernel's own process group and then ends the kernel (graded with user ids
# of their own: the machine may grade other batches meanwhile).
DYING_UID = 63000
DIES = 'import os, subprocess\nsubprocess.Popen(["sleep", "60"])\nos._exit(3)'


def notebook(*sources: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.writes(nb)


def run(warm: bool, *sources: str, first_uid: int = TEST_LIMITS.first_uid) -> dict:
    limits = asdict(replace(TEST_LIMITS, first_uid=first_uid))
    job = {"notebook": notebook(*sources), "limits": limits, "warm": warm}
    result = sandbox.execute_job(job)
    assert result["path"] == ("warm" if warm else "cold")
    return result


def streams(cell: dict) -> list[tuple[str, str]]:
    return sorted((o["name"], o["text"]) for o in cell["outputs"] if o["output_type"] == "stream")


@pytest.mark.parametrize("warm", [True, False])
def test_the_first_cell_gets_exactly_its_own_outputs(warm):
    result = run(warm, FIRST, SECOND)
    assert result["status"] == "ok"
    assert streams(result["cells"][0]) == [("stderr", "err\n"), ("stdout", "out\n")]
    assert len(result["cells"][0]["outputs"]) == 2  # nothing of the kernel's start
    assert result["cells"][1]["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "second\n"}
    ]


def test_a_kernel_dying_at_the_end_reads_the_same_warm_and_cold():
    warm = run(True, SECOND, DIES, first_uid=DYING_UID)
    cold = run(False, SECOND, DIES, first_uid=DYING_UID)
    assert warm["status"] == cold["status"] == "kernel_died"
    assert warm["cells"] == cold["cells"]
    assert sandbox_processes(DYING_UID) == []  # its child went with the sandbox


class JournalRecorder:
    """Runs each job in the calling thread, noting the gradebook's journal mode meanwhile."""

    def __init__(self, database) -> None:
        self.database, self.modes = database, []

    def submit(self, function, job):
        with closing(sqlite3.connect(self.database)) as connection:
            self.modes.append(connection.execute("PRAGMA journal_mode").fetchone()[0])
        future = Future()
        future.set_result(function(job))
        return future


def test_a_batch_writes_ahead_and_leaves_the_default_journal(tmp_path):
    root = make_course(tmp_path / "course")
    for student in ("a", "b"):
        submit(root, student, student_notebook(root, CORRECT_ADD, CORRECT_MUL))
    database = root / "gradebook.db"
    recorder = JournalRecorder(database)
    outcomes = grade_assignment(root, ASSIGNMENT, workers=1, limits=TEST_LIMITS, executor=recorder)
    assert [o.score for o in outcomes] == [3.0, 3.0]
    assert recorder.modes == ["wal", "wal"]
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not database.with_name("gradebook.db-wal").exists()


def test_the_forked_kernel_has_its_own_session_before_it_is_launched():
    """jupyter_client kills the kernel's process group at the end; were the kernel still in the
    runner's group when it is launched, that kill would end the runner too."""
    from nngrade.zygote import fork_kernel

    kernel = fork_kernel([])
    try:
        assert os.getsid(kernel.pid) == kernel.pid
        assert os.getpgid(kernel.pid) == kernel.pid != os.getpgid(0)
    finally:
        os.close(kernel.order)  # no command line: the kernel process ends at once
        assert kernel.wait(timeout=10) == 0
