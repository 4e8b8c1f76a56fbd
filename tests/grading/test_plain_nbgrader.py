"""Plain nbgrader (its own autograde, no sandbox) grades every assignment as nngrade does.

The other grading tests grade through nngrade's isolated grader (conftest.py); here the same
batch per assignment (the reference, the blank release and a tampered blank, the two hostile
variants and every typical wrong submission) goes through nbgrader's own autograde in a course of
its own, and must earn the same: full marks, 0, 0 and at most 10%, each wrong submission its
exact score per part and its message.
"""

from __future__ import annotations

import gradingkit as kit
import pytest
from nngrade import course as nncourse
from nngrade.grades import read_scores

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]


@pytest.fixture(scope="module")
def plain_course(tmp_path_factory):
    root = nncourse.copy_course(kit.REPO, tmp_path_factory.mktemp("plain"))
    nncourse.release(root, "all")
    return root


@pytest.mark.parametrize(
    "assignment",
    [pytest.param(a, marks=pytest.mark.xdist_group(f"plain-{a}")) for a in kit.assignment_names()],
)
def test_plain_nbgrader_gives_every_submission_its_score(plain_course, assignment):
    subs = kit.write_all_submissions(plain_course, assignment)
    course = nncourse.Course.open(plain_course)
    with nncourse.quiet_nbgrader():
        course.api().autograde(assignment, "*", force=True, create=True)
    scores = read_scores(course, assignment)
    assert kit.grading_problems(plain_course, assignment, scores, subs) == []
