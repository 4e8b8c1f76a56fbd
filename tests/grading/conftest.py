"""Fixtures for the grading tests: a temporary course, its submissions, graded once per assignment.

Every assignment is graded in one `grade_assignment` call (nngrade's isolated grader, two at a
time) over all its submissions: the reference, the untouched student version, a tampered blank,
the two hostile variants and every written wrong submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradingkit as kit
import pytest
from nngrade import course as nncourse
from nngrade import release as nnrelease
from nngrade.grades import Score, read_scores
from nngrade.safe_autograde import grade_assignment


@dataclass
class GradedAssignment:
    course: Path
    name: str
    scores: dict[str, Score]
    submissions: dict[str, kit.Submission]


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """A copy of the course (config and masters) with every assignment released."""
    root = nnrelease.copy_course(kit.COURSE, tmp_path_factory.mktemp("course"))
    nnrelease.release(nncourse.Course.open(root), "all")
    return root


@pytest.fixture(scope="session")
def graded_cache() -> dict:
    return {}


@pytest.fixture
def graded(course, graded_cache):
    """A function: assignment -> its submissions written and autograded (once per session)."""

    def grade(name: str) -> GradedAssignment:
        if name not in graded_cache:
            subs = kit.write_all_submissions(course, name)
            grade_assignment(course, name, workers=2)
            scores = read_scores(nncourse.Course.open(course), name)
            graded_cache[name] = GradedAssignment(course, name, scores, subs)
        return graded_cache[name]

    return grade
