"""The hostile corpus graded in one parallel batch with honest submissions."""

from __future__ import annotations

import pytest
from conftest import REPO, TEST_LIMITS, sandbox_processes
from course import ASSIGNMENT, grading_text, make_course, student_notebook, submit
from hostile import HONEST, HOSTILE
from nbgrader.api import Gradebook
from nngrade.safe_autograde import grade_assignment

# nbgrader's own gradebook code emits SQLAlchemy warnings (RuntimeWarnings, errors here)
# One xdist group for every test that runs sandboxes or servers: they share the sandbox users,
# and "no process outlives grading" is checked across all of them.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("safegrade"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]
CASES = {case.student: case for case in HONEST + HOSTILE}


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
        "repo": str(REPO),
    }
    for case in CASES.values():
        text = case.raw
        if text is None:
            text = student_notebook(root, case.add.format(**fill), case.mul.format(**fill))
        submit(root, case.student, text, case.files)
    outcomes = grade_assignment(root, ASSIGNMENT, workers=2, limits=TEST_LIMITS)
    server.close()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "tiny") as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}
    return root, {o.student: o for o in outcomes}, scores


def test_corpus_is_large_enough():
    assert len(HOSTILE) >= 15


@pytest.mark.parametrize("student", sorted(CASES))
def test_submission_gets_its_exact_score_and_reason(graded, student):
    root, outcomes, scores = graded
    case = CASES[student]
    assert not outcomes[student].error
    assert scores[student] == case.score
    if case.reason:
        assert case.reason in grading_text(root, student)
    else:
        assert outcomes[student].reasons == []


def test_every_submission_is_in_the_gradebook(graded):
    _, _, scores = graded
    assert set(scores) == set(CASES)


def test_no_process_outlives_grading(graded):
    assert sandbox_processes() == []


def test_nothing_was_written_outside_the_private_copies(graded):
    root, _, _ = graded
    assert not (root / "autograded" / "honest_full" / ASSIGNMENT / "pwned.txt").exists()
    assert not (REPO / ".venv" / "pwned.txt").exists()
    assert not list(root.rglob("big.bin"))


def test_limit_reasons_reach_the_feedback_as_a_note(graded):
    root, outcomes, _ = graded
    for student in ("infinite_loop", "exit_kernel", "kill_parent", "output_flood"):
        assert outcomes[student].reasons
        assert "Grading note" in grading_text(root, student)
