"""Files a notebook writes beside itself while graded are kept in autograded/, as nbgrader keeps
them (its own `test_side_effects`), within a size cap; the tamper check can zero what it flags."""

from __future__ import annotations

from dataclasses import replace

import pytest
from nbgrader.api import Gradebook
from nngrade.safe_autograde import grade_assignment
from support.sandboxing import TEST_LIMITS
from tiny_course import ASSIGNMENT, CORRECT_ADD, CORRECT_MUL, make_course, student_notebook, submit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("safegrade"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]
WRITER = (
    CORRECT_ADD
    + "\nopen('side-effect.txt', 'w').write('written while graded')\n"
    + (
        "import os\nos.makedirs('plots', exist_ok=True)\n"
        "open('plots/big.bin', 'wb').write(bytes(2 * 2**20))"
    )
)
PATCHER = "import numpy as np\nnp.testing.assert_equal = print\n" + CORRECT_MUL


def scores(root) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "tiny") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}


def test_files_written_beside_the_notebook_are_kept_within_the_cap(tmp_path):
    root = make_course(tmp_path / "course")
    submit(root, "writer", student_notebook(root, WRITER, CORRECT_MUL), {"data.txt": "mine"})
    limits = replace(TEST_LIMITS, max_kept_bytes=1 << 20)
    [outcome] = grade_assignment(root, ASSIGNMENT, limits=limits)
    assert outcome.score == 3.0, outcome
    graded = root / "autograded" / "writer" / ASSIGNMENT
    assert (graded / "side-effect.txt").read_text() == "written while graded"
    assert (graded / "data.txt").read_text() == "mine"  # the student's own file, as nbgrader
    assert not (graded / "plots" / "big.bin").exists()  # over the cap: not kept
    kept = sorted(p.name for p in graded.iterdir())
    assert kept == ["data.txt", f"{ASSIGNMENT}.ipynb", "side-effect.txt", "timestamp.txt"]


@pytest.mark.parametrize("action, score", [("report", 3.0), ("zero", 1.0)])
def test_tamper_check_reports_or_zeroes_the_tests_after_a_flagged_cell(tmp_path, action, score):
    root = make_course(tmp_path / "course")
    submit(root, "patcher", student_notebook(root, CORRECT_ADD, PATCHER))
    [outcome] = grade_assignment(root, ASSIGNMENT, limits=TEST_LIMITS, tamper=action)
    flag = "review: answer_mul, line 2 replaces np.testing.assert_equal"
    assert outcome.review == [flag]
    assert scores(root) == {"patcher": score}
    if action == "zero":
        assert outcome.reasons == [f"zeroed by the tamper check ({flag[len('review: ') :]})"]
    else:
        assert outcome.reasons == []
