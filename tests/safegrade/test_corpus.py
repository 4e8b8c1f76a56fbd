"""The hostile corpus graded in one parallel batch with honest submissions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hostile import FLAGGED, HONEST, HOSTILE
from nbgrader.api import Gradebook
from nngrade.safe_autograde import grade_assignment
from support import ROOT
from support.sandboxing import TEST_LIMITS, sandbox_processes
from tiny_course import ASSIGNMENT, grading_text, make_course, student_notebook, submit

# nbgrader's own gradebook code emits SQLAlchemy warnings (RuntimeWarnings, errors here)
# Sandboxes and servers: one xdist group (and every test stands alone all the same; the process
# checks use sandbox users of their own).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("safegrade"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]
CASES = {case.student: case for case in HONEST + HOSTILE + list(FLAGGED.values())}
CORPUS_UID = 62000


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the whole corpus once, with two workers; return (course, outcomes, scores)."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    root = make_course(tmp_path_factory.mktemp("corpus") / "course")
    fill = {
        "course": str(root),
        "gradebook": str(root / "gradebook.db"),
        "port": server.getsockname()[1],
        "repo": str(ROOT),
    }
    for case in CASES.values():
        text = case.raw
        if text is None:
            text = student_notebook(root, case.add.format(**fill), case.mul.format(**fill))
        submit(root, case.student, text, case.files)
    # sandbox users of its own, so that other gradings on this machine cannot blur the
    # "no process outlives grading" check
    limits = replace(TEST_LIMITS, first_uid=CORPUS_UID)
    outcomes = grade_assignment(root, ASSIGNMENT, workers=2, limits=limits)
    server.close()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "tiny") as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}
    return root, {o.student: o for o in outcomes}, scores


def test_corpus_is_large_enough():
    assert len(HOSTILE) >= 15


def grading_problems(root, outcomes, scores) -> list[str]:
    """Every way a submission's grade or reason differs from the corpus's expectation."""
    problems = []
    for student, case in sorted(CASES.items()):
        outcome = outcomes[student]
        if outcome.error:
            problems.append(f"{student}: grading failed: {outcome.error[-300:]}")
        if scores.get(student) != case.score:
            problems.append(f"{student}: score {scores.get(student)}, expected {case.score}")
        if case.reason and case.reason not in grading_text(root, student):
            problems.append(f"{student}: {case.reason!r} not in its feedback {outcome.reasons}")
        if not case.reason and outcome.reasons:
            problems.append(f"{student}: unexpected grading note {outcome.reasons}")
    return problems


# One test for the whole batch, so that the corpus is graded once whatever the test scheduler.
def test_corpus_batch(graded):
    root, outcomes, scores = graded
    assert grading_problems(root, outcomes, scores) == []
    assert set(scores) == set(CASES)  # every submission is in the gradebook
    assert sandbox_processes(CORPUS_UID) == []  # no process outlives its grading
    # nothing was written outside the private copies
    assert not (root / "autograded" / "honest_full" / ASSIGNMENT / "pwned.txt").exists()
    assert not (ROOT / ".venv" / "pwned.txt").exists()
    assert not list(root.rglob("big.bin"))
    # limit reasons reach the feedback as a note
    for student in ("infinite_loop", "exit_kernel", "kill_parent", "output_flood"):
        assert outcomes[student].reasons
        assert "Grading note" in grading_text(root, student)
    # patching what the tests call is flagged for the instructor, and only that
    flagged = {student: o.review for student, o in outcomes.items() if o.review}
    assert flagged == {
        "patch_test_helpers": ["review: answer_add, line 2 replaces numpy.testing.assert_equal"]
    }
    assert "review" not in grading_text(root, "patch_test_helpers")
