"""Gradebook and execution backends: SQLite in parallel, PostgreSQL, a Dask cluster."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from hostile import HONEST, Case
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nngrade import safe_autograde
from nngrade.safe_autograde import DaskBackend, GradingRefused, grade_assignment
from support.sandboxing import TEST_LIMITS
from tiny_course import ASSIGNMENT, course_config, make_course, student_notebook, submit

# Sandboxes and servers: one xdist group (note: this pytest-xdist does not honor it, so every
# test stands alone; the process checks use sandbox users of their own).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("safegrade"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]
MIXED = HONEST + [Case("exit_kernel", mul="import os\nos._exit(3)", score=1.0)]
SMALL = [HONEST[0], HONEST[1], MIXED[-1]]


def fill_course(root: Path, cases, db_url: str | None = None) -> Path:
    make_course(root, db_url)
    for case in cases:
        submit(root, case.student, student_notebook(root, case.add, case.mul), case.files)
    return root


def cell_grades(db_url: str) -> dict[tuple[str, str], float]:
    """Every autograded cell's score, by (student, grade cell)."""
    with Gradebook(db_url, "tiny") as gb:
        grades = {}
        for submission in gb.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grades[(submission.student.id, grade.name)] = grade.auto_score
        return grades


def sqlite_url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def test_parallel_grades_equal_sequential_and_plain_nbgrader(tmp_path):
    one = fill_course(tmp_path / "one", MIXED)
    two = fill_course(tmp_path / "two", MIXED)
    grade_assignment(one, ASSIGNMENT, workers=1, limits=TEST_LIMITS)
    grade_assignment(two, ASSIGNMENT, workers=2, limits=TEST_LIMITS)
    sequential, parallel = cell_grades(sqlite_url(one)), cell_grades(sqlite_url(two))
    assert parallel == sequential
    assert len(sequential) == 2 * len(MIXED)

    plain = fill_course(tmp_path / "plain", HONEST)
    result = NbGraderAPI(config=course_config(plain)).autograde(ASSIGNMENT, "honest_full")
    assert result["success"], result.get("log")
    for case in HONEST[1:]:
        assert NbGraderAPI(config=course_config(plain)).autograde(ASSIGNMENT, case.student)[
            "success"
        ]
    nbgrader_grades = cell_grades(sqlite_url(plain))
    assert nbgrader_grades == {k: v for k, v in sequential.items() if k[0] != "exit_kernel"}


@pytest.fixture(scope="module")
def postgres_url(postgres_server):
    return postgres_server("gb")


def test_postgresql_gradebook_through_db_url(tmp_path, postgres_url):
    root = fill_course(tmp_path / "pg", SMALL, db_url=postgres_url)
    outcomes = grade_assignment(root, ASSIGNMENT, workers=2, limits=TEST_LIMITS)
    assert {o.student: o.score for o in outcomes} == {c.student: c.score for c in SMALL}
    assert not (root / "gradebook.db").exists()
    with Gradebook(postgres_url, "tiny") as gb:
        stored = {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}
    assert stored == {c.student: c.score for c in SMALL}


def test_dask_local_cluster_grades_like_threads(tmp_path):
    from distributed import Client, LocalCluster

    root = fill_course(tmp_path / "dask", SMALL)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        with Client(cluster) as client:
            worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
            outcomes = grade_assignment(
                root, ASSIGNMENT, workers=2, limits=TEST_LIMITS, executor=client.get_executor()
            )
    assert len(worker_pids) == 2
    assert {o.student: o.score for o in outcomes} == {c.student: c.score for c in SMALL}


def test_with_a_dask_cluster_isolation_is_probed_on_its_workers_not_here(tmp_path, monkeypatch):
    """The head node runs no submission: its own isolation does not matter, the workers' does."""
    sent = []

    class Cluster:  # what DaskBackend uses of dask.distributed.Client
        def get_executor(self):
            return None

        def run(self, function):  # on every worker; here, as two workers would answer
            sent.append(function)
            return {"tcp://w1:4000": None, "tcp://w2:4000": "missing tools: bwrap"}

    def here(*args):
        raise AssertionError("isolation was probed on the head node")

    monkeypatch.setattr(safe_autograde, "isolation_problem", here)
    backend = DaskBackend.connect(Cluster(), TEST_LIMITS, unsafe=False)
    with pytest.raises(GradingRefused, match=r"^tcp://w2:4000: missing tools: bwrap; refusing"):
        grade_assignment(tmp_path, ASSIGNMENT, backend=backend)
    assert sent == [here]  # the probe itself went to the workers


def run_cli(*args: str, path: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "nngrade.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env={"PATH": path})


def test_cli_refuses_without_isolation_unless_unsafe(tmp_path):
    root = fill_course(tmp_path / "cli", HONEST[:1])
    refused = run_cli("autograde", ASSIGNMENT, "--course", str(root), path="/nonexistent")
    assert refused.returncode == 2
    assert "refusing to grade without --unsafe" in refused.stderr
    assert "bwrap" in refused.stderr
    unsafe = run_cli(
        "autograde",
        ASSIGNMENT,
        "--course",
        str(root),
        "--unsafe",
        "--no-progress",
        path="/usr/bin:/bin",
    )
    assert unsafe.returncode == 0, unsafe.stderr
    assert "honest_full\t3/3" in unsafe.stdout


def test_cli_grades_with_workers_and_progress(tmp_path):
    root = fill_course(tmp_path / "cli", SMALL)
    report = tmp_path / "report.json"
    done = run_cli(
        "autograde",
        ASSIGNMENT,
        "--course",
        str(root),
        "--workers",
        "2",
        "--report",
        str(report),
        *limit_flags(),
        path="/usr/bin:/bin",
    )
    assert done.returncode == 0, done.stderr
    assert f"{len(SMALL)}/{len(SMALL)}" in done.stderr  # the progress bar's last state
    assert "exit_kernel\t1/3\tthe kernel died" in done.stdout
    assert report.exists()
    # nbgrader's own feedback and export read what nngrade recorded
    feedback = NbGraderAPI(config=course_config(root)).generate_feedback(ASSIGNMENT)
    assert feedback["success"], feedback.get("log")
    html = (root / "feedback" / "exit_kernel" / ASSIGNMENT / "ps1.html").read_text()
    assert "Grading note" in html and "the kernel died" in html
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    export = subprocess.run([nbgrader, "export"], cwd=root, capture_output=True, text=True)
    assert export.returncode == 0, export.stderr
    assert "exit_kernel" in (root / "grades.csv").read_text()


def limit_flags() -> list[str]:
    limits = asdict(TEST_LIMITS)
    return ["--cell-timeout", str(limits["cell_timeout"]), "--max-processes", "64"]
