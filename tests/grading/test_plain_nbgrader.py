"""Plain nbgrader (its own autograde, no sandbox) grades every assignment as nngrade does.

The other grading tests grade through nngrade's isolated grader (conftest.py); here the same
batch per assignment (the reference, the blank release and a tampered blank, the two hostile
variants and every typical wrong submission) goes through nbgrader's own autograde in a course of
its own, and must earn the same: full marks, 0, 0 and at most 10%, each wrong submission its
exact score per part and its message. An assignment of two notebooks named freely, in a course
of nbgrader's own layout, is graded both ways too, cell by cell.
"""

from __future__ import annotations

import gradingkit as kit
import pytest
import two_notebooks as two
from nngrade import course as nncourse
from nngrade import release as nnrelease
from nngrade.grades import read_scores
from nngrade.safe_autograde import grade_assignment

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]


@pytest.fixture(scope="module")
def plain_course(tmp_path_factory):
    root = nnrelease.copy_course(kit.COURSE, tmp_path_factory.mktemp("plain"))
    nnrelease.release(nncourse.Course.open(root), "all")
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


@pytest.mark.xdist_group("plain-two-notebooks")
def test_a_two_notebook_assignment_is_graded_as_plain_nbgrader_grades_it(tmp_path):
    """An nbgrader course of its own (`source/ps1/p1.ipynb`, `p2.ipynb`): the same hand-ins
    graded by nngrade (isolated) and by nbgrader's own autograde earn the same, cell by cell,
    and leave the same files in autograded/."""
    answers = {
        "right": {"p1": {"answer_add": two.ADD}, "p2": {"answer_mul": two.MUL}},
        "mul-wrong": {"p1": {"answer_add": two.ADD}, "p2": {"answer_mul": two.WRONG_MUL}},
        "no-p2": {"p1": {"answer_add": "def add(a, b):\n    return a - b"}},
        "broken": {"p1": {"answer_add": "def add(a, b):\n    retur a + b"}, "p2": {}},
    }
    graded = {}
    for who in ("nngrade", "nbgrader"):
        root = two.make_course(tmp_path / who)
        course = nncourse.Course.open(root)
        nnrelease.release(course, two.ASSIGNMENT)
        for student, notebooks in answers.items():
            folder = root / "submitted" / student / two.ASSIGNMENT
            folder.mkdir(parents=True)
            for name, cells in notebooks.items():
                text = two.student_notebook(root, name, cells)
                (folder / f"{name}.ipynb").write_text(text)
        if who == "nngrade":
            grade_assignment(course, two.ASSIGNMENT, workers=2)
        else:
            with nncourse.quiet_nbgrader():
                course.api().autograde(two.ASSIGNMENT, "*", force=True, create=True)
        graded[who] = (cell_scores(course), autograded_files(root))
    assert graded["nngrade"] == graded["nbgrader"]
    scores = graded["nngrade"][0]
    assert scores["right"]["total"] == (3.0, 5.0)  # 3 autograded of 5 (2 by hand)
    assert scores["mul-wrong"]["p2"]["test_mul"] == 0.0
    assert scores["no-p2"]["total"] == (0.0, 5.0)
    assert scores["broken"]["p1"]["test_add"] == 0.0


def cell_scores(course: nncourse.Course) -> dict:
    """Per student and notebook, every grade cell's autograded score and whether it waits for
    hand grading; and the submission's (score, max score)."""
    found = {}
    with nncourse.quiet_nbgrader(), course.gradebook() as gb:
        for sub in gb.assignment_submissions(two.ASSIGNMENT):
            mine = {"total": (sub.score, sub.max_score)}
            for nb in sub.notebooks:
                mine[nb.name] = {g.name: g.auto_score for g in nb.grades}
                mine[nb.name]["needs hand grading"] = sorted(
                    g.name for g in nb.grades if g.needs_manual_grade
                )
            found[sub.student.id] = mine
    return found


def autograded_files(root) -> list[str]:
    folder = root / "autograded"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
