"""The production grader (nngrade autograde, isolated) grades every assignment as nbgrader does.

Per assignment, one parallel batch: the reference (full marks), the blank release and a tampered
blank (0), the two hostile variants (0, and at most 10% with numpy, math and the checks patched)
and every typical wrong submission of tests/grading/submissions (its exact score per part, and
its message).
"""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest
from conftest import REPO
from nngrade import course as nncourse
from nngrade.safe_autograde import grade_assignment
from nngrade.sandbox import Limits

sys.path.insert(0, str(REPO / "tests" / "grading"))
import gradingkit as kit  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("safegrade"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]
# sandbox users of its own, apart from the hostile corpus's and the real course's
LIMITS = replace(Limits(), first_uid=63000)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = nncourse.copy_course(REPO, tmp_path_factory.mktemp("production") / "course")
    nncourse.release(root, "all")
    return root


@pytest.mark.parametrize("assignment", kit.assignment_names())
def test_production_grader_gives_every_submission_its_score(course, assignment):
    subs = kit.write_all_submissions(course, assignment)
    outcomes = grade_assignment(course, assignment, workers=2, limits=LIMITS)
    failed = {o.student: o.error[-300:] for o in outcomes if o.error}
    assert failed == {}
    scores = nncourse.read_scores(course, assignment)
    assert kit.grading_problems(course, assignment, scores, subs) == []
