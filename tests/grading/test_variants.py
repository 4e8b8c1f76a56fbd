"""Per-student variants (solutions/_shared/variants.py): who gets which numbers, and grading.

The fast tests check the keyed function and where the identity comes from. The slow ones grade,
per assignment with variants, in one batch per grader (nngrade's isolated grader and plain
`nbgrader autograde`): the reference submitted by 50 students (full marks each), the blank
release by 3 (zero each), a notebook solved by student A with A's numbers written into its
answers, submitted by A (full) and by B (less exactly the variant tasks' points), and the same
copy that also tries to pass itself off as A from inside its answers (it earns what the plain
copy earns).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
from pathlib import Path

import gradingkit as kit
import numpy as np
import pytest
from nngrade import course as nncourse
from nngrade import release as nnrelease
from nngrade.grades import read_scores
from nngrade.safe_autograde import grade_assignment

V = kit.variants_module()
WITH_VARIANTS = [a for a in kit.assignment_names() if a in V["VARIANTS"]]
REFERENCE_IDS = [f"s{2026000 + 37 * i}" for i in range(50)]
BLANK_IDS = ["blank-1", "blank-2", "blank-3"]
A, B = "a-student", "b-student"


def _points(assignment: str) -> dict[str, float]:
    return {
        c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
        for c in kit.master(assignment).cells
        if c.metadata.nbgrader["grade"] and not c.metadata.nbgrader["solution"]
    }


def _differ(x, y) -> bool:
    return not np.array_equal(np.asarray(x), np.asarray(y))


def test_seed_is_hmac_sha256_of_assignment_and_student():
    message = b"01_neurons\x0012345"
    digest = hmac.new(V["VARIANT_KEY"], message, hashlib.sha256).digest()
    assert V["variant_seed"]("01_neurons", "12345") == int.from_bytes(digest[:8], "big")
    assert V["variant_seed"]("01_neurons", "12345") != V["variant_seed"]("02_backprop", "12345")
    assert V["variant_seed"]("01_neurons", "12345") != V["variant_seed"]("01_neurons", "12346")


@pytest.mark.parametrize("assignment", WITH_VARIANTS)
def test_variant_tasks_are_graded_cells_worth_a_quarter(assignment):
    points = _points(assignment)
    tasks = V["VARIANT_TASKS"][assignment]
    assert set(tasks) <= set(points), f"not test cells: {set(tasks) - set(points)}"
    assert sum(points[t] for t in tasks) >= 0.25 * sum(points.values())
    names = set(V["variant_values"](assignment, "x"))
    assert {n for task in tasks.values() for n in task} == names
    sources = {c.metadata.nbgrader["grade_id"]: c.source for c in kit.master(assignment).cells}
    for task in tasks:  # the hidden tests read the grader's copy of the variant
        assert "_variant(" in kit.hidden_part(sources[task]), task


@pytest.mark.parametrize("assignment", WITH_VARIANTS)
def test_variants_differ_for_almost_every_pair_of_a_roster(assignment):
    """For 95% of the pairs of 200 students, every variant task has other numbers."""
    roster = [V["variant_values"](assignment, f"student{i:03d}") for i in range(200)]
    tasks = V["VARIANT_TASKS"][assignment].values()
    pairs = list(itertools.combinations(roster, 2))
    apart = sum(all(any(_differ(x[n], y[n]) for n in names) for names in tasks) for x, y in pairs)
    assert apart >= 0.95 * len(pairs), f"{apart} of {len(pairs)}"
    again = V["variant_values"](assignment, "student007")
    assert all(not _differ(again[n], roster[7][n]) for n in again), "not stable"


def test_identity_comes_from_the_grading_folder_then_the_grader_then_the_edition(
    tmp_path, monkeypatch
):
    identity = V["student_identity"]
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    edition = tmp_path / "edition"
    folder = edition / "exercises" / "01_neurons"
    folder.mkdir(parents=True)
    assert identity("01_neurons", folder) == ("", "")  # a reader: the default variant
    (edition / V["EDITION_ID_FILE"]).write_text("12345\n")
    assert identity("01_neurons", folder)[0] == "12345"
    (folder / V["GRADER_ID_FILE"]).write_text("67890")  # nngrade's, beside the notebook
    assert identity("01_neurons", folder)[0] == "67890"
    graded = tmp_path / "autograded" / "s42" / "01_neurons"
    graded.mkdir(parents=True)
    (graded / V["GRADER_ID_FILE"]).write_text("copied-from-someone")
    assert identity("01_neurons", graded)[0] == "copied-from-someone"  # not being graded
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert identity("01_neurons", graded)[0] == "s42"  # plain nbgrader: its folder wins


# An answer that tries to be graded against A's variant while B submits it: it writes the
# identity files, sets nbgrader's variable, draws the variant again and rebinds the names.
FORGERY = """
import os as _os
import pathlib as _pathlib
_os.environ["NBGRADER_EXECUTION"] = "validate"
_pathlib.Path(".nngrade-student-id").write_text("{a}")
_pathlib.Path(".nnbook-student-id").write_text("{a}")
_start_variant("{assignment}")
_mine = variant_values("{assignment}", "{a}")
_variant = lambda name: _mine[name]
STUDENT_ID = "{a}"
"""


def _write_batch(course: Path, assignment: str) -> None:
    solved = kit.solved_notebook(assignment, course)
    for student in REFERENCE_IDS:
        kit.write_submission(course, assignment, student, solved)
    for student in BLANK_IDS:
        kit.write_submission(course, assignment, student, kit.release_notebook(assignment, course))
    pinned = kit.pinned_notebook(assignment, A, course)
    kit.write_submission(course, assignment, A, pinned)
    kit.write_submission(course, assignment, B, pinned)
    forged = copy.deepcopy(pinned)
    first = next(c for c in forged.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = FORGERY.format(a=A, assignment=assignment) + first.source
    kit.write_submission(course, assignment, "forger", forged)
    for student in (A, B, "forger"):  # a file handed in beside the notebook changes nothing
        folder = course / "submitted" / student / assignment
        (folder / V["GRADER_ID_FILE"]).write_text(A)


def _batch_problems(scores: dict, assignment: str) -> list[str]:
    points = _points(assignment)
    full = sum(points.values())
    copied = {t: (0.0 if t in V["VARIANT_TASKS"][assignment] else p) for t, p in points.items()}
    problems = []
    for student in REFERENCE_IDS + [A]:
        got = scores.get(student)
        if got is None or got.autograded != full:
            problems.append(f"{student}: {got and got.parts}, not full marks {full}")
    for student in BLANK_IDS:
        got = scores.get(student)
        if got is None or got.autograded != 0:
            problems.append(f"{student}: {got and got.parts}, not 0")
    for student in (B, "forger"):
        got = scores.get(student)
        if got is None or got.parts != copied:
            problems.append(f"{student}: {got and got.parts}, expected {copied}")
    return problems


def _variant_course(tmp_path_factory, assignment: str, name: str) -> Path:
    root = nnrelease.copy_course(kit.COURSE, tmp_path_factory.mktemp(name))
    nnrelease.release(nncourse.Course.open(root), assignment)
    _write_batch(root, assignment)
    return root


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
@pytest.mark.parametrize(
    "assignment",
    [pytest.param(a, marks=pytest.mark.xdist_group(f"variants-{a}")) for a in WITH_VARIANTS],
)
def test_nngrade_grades_every_student_against_their_own_variant(tmp_path_factory, assignment):
    course = _variant_course(tmp_path_factory, assignment, "nngrade")
    grade_assignment(course, assignment, workers=2)
    scores = read_scores(nncourse.Course.open(course), assignment)
    assert _batch_problems(scores, assignment) == []


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
@pytest.mark.parametrize(
    "assignment",
    [pytest.param(a, marks=pytest.mark.xdist_group(f"plain-variants-{a}")) for a in WITH_VARIANTS],
)
def test_plain_nbgrader_grades_every_student_against_their_own_variant(
    tmp_path_factory, assignment, monkeypatch
):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    course = _variant_course(tmp_path_factory, assignment, "plain")
    handle = nncourse.Course.open(course)
    with nncourse.quiet_nbgrader():
        handle.api().autograde(assignment, "*", force=True, create=True)
    scores = read_scores(handle, assignment)
    assert _batch_problems(scores, assignment) == []
