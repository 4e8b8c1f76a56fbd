"""The sandbox grades a real course assignment: nnlib is importable, masters earn every point."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO
from nbgrader.api import Gradebook
from nngrade import course
from nngrade.safe_autograde import grade_assignment

# Sandboxes and servers: one xdist group (note: this pytest-xdist does not honor it, so every
# test stands alone; the process checks use sandbox users of their own).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("safegrade"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]
ASSIGNMENT = "01_neurons"


def test_master_earns_every_autograded_point_and_the_blank_none(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    course.release(root, ASSIGNMENT)
    for student, folder in (("master", "solutions"), ("blank", "exercises")):
        target = root / "submitted" / student / ASSIGNMENT
        target.mkdir(parents=True)
        for notebook in (root / folder / ASSIGNMENT).glob("*.ipynb"):
            shutil.copy(notebook, target)
    outcomes = grade_assignment(root, ASSIGNMENT, workers=2)
    assert [o.error for o in outcomes] == ["", ""]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "nn-course") as gb:
        for student in ("master", "blank"):
            grades = [
                g for nb in gb.find_submission(ASSIGNMENT, student).notebooks for g in nb.grades
            ]
            autograded = [g for g in grades if not g.needs_manual_grade]
            assert autograded
            expected = [g.max_score if student == "master" else 0.0 for g in autograded]
            assert [g.auto_score for g in autograded] == expected
