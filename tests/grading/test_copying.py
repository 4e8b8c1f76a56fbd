"""Answers copied from the student edition (benchmarks/copying.py and its map, copying_map.py).

The fast tests check the map: every entry fills an answer cell of its assignment with code that
still exists and compiles, and the line matching finds the reference lines the issue names.
The slow one grades, per assignment, one batch of nngrade's isolated grader: the reference, the
copy (nnlib, nnbook and the chapters together, whose variant cells run nnlib's computation on
the shared numbers, the default variant's), handed in by a student and, where handed-out code
assumes numbers of its own (deck 002's XOR network for inputs 0 and 1), also by the student of
2000 whose variant is closest to them, and, where the map has one, the same nnlib code on the
student's own numbers. The copy earns nothing on the variant tasks; the reference earns them
in full, and so does nnlib on the student's own numbers: the copy's zero comes from the numbers,
not from code that cannot run, so the test fails as soon as a variant task's answer no longer
depends on the student's numbers.
"""

from __future__ import annotations

import ast
import importlib.util

import gradingkit as kit
import pytest
from nngrade import course as nncourse
from nngrade import release as nnrelease
from nngrade.grades import read_scores
from nngrade.safe_autograde import grade_assignment
from support import ROOT

spec = importlib.util.spec_from_file_location("copying", ROOT / "benchmarks" / "copying.py")
copying = importlib.util.module_from_spec(spec)
spec.loader.exec_module(copying)
ENTRIES = copying.copying_map.COPIES + copying.copying_map.CALCULATOR
VARIANT_TASKS = kit.variants_module()["VARIANT_TASKS"]


def _answer_cells(assignment: str) -> set[str]:
    return {
        c.metadata.nbgrader["grade_id"]
        for c in kit.master(assignment).cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.assignment}-{e.cell}-{e.source}")
def test_every_entry_fills_an_answer_cell_with_code_that_exists(entry):
    assert entry.assignment in kit.assignment_names()
    assert entry.cell in _answer_cells(entry.assignment), "not an answer cell"
    assert entry.source in ("nnlib", "chapters") and entry.note.strip()
    text = copying.cell_text(entry)  # a pasted function that is gone raises here
    ast.parse(text)
    for reference in entry.paste:
        assert f"def {reference.split(':')[1]}(" in text


def test_one_entry_per_cell_and_source():
    keys = [(e.assignment, e.cell, e.source) for e in copying.copying_map.COPIES]
    assert len(keys) == len(set(keys))


def test_the_calculator_answers_variant_tasks_only():
    for entry in copying.copying_map.CALCULATOR:
        tasks = VARIANT_TASKS[entry.assignment]
        names = {name for task in tasks.values() for name in task}
        assert any(name in entry.code for name in names), f"{entry.cell} reads no variant name"


def test_the_reference_lines_the_issue_names_are_found():
    """The convolution's backward pass, the sparsity penalty, the Tensor's topological order."""
    found = copying.handed_out_lines(kit.assignment_names())
    lines = {line: files for pairs in found.values() for line, files in pairs}
    assert "nnlib/conv.py" in lines["rows = slice(m, m + stride * (out_h - 1) + 1, stride)"]
    penalty = "per_unit = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) / hidden.shape[0]"
    assert lines[penalty] == ["nnlib/autoencoder.py"]
    assert lines["order.append(node)"] == ["nnlib/autodiff/tensor.py"]
    assert not [line for line in lines if copying.IDIOM.fullmatch(line)], "an idiom is counted"
    solution = set().union(*(kit.secret_lines(a)[0] for a in kit.assignment_names()))
    assert set(lines) <= solution


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
@pytest.mark.parametrize(
    "assignment",
    [pytest.param(a, marks=pytest.mark.xdist_group(f"copying-{a}")) for a in VARIANT_TASKS],
)
def test_copying_earns_nothing_on_the_variant_tasks(tmp_path_factory, assignment):
    course = nnrelease.copy_course(kit.COURSE, tmp_path_factory.mktemp(f"copying-{assignment}"))
    nnrelease.release(nncourse.Course.open(course), assignment)
    kit.write_submission(course, assignment, "reference", kit.solved_notebook(assignment, course))
    copied = copying.copied_cells(assignment, copying.SOURCES["together"])
    copy = copying.copying_notebook(assignment, copied)
    copiers = ["copy", *filter(None, [copying.closest_student(assignment)])]
    for student in copiers:
        kit.write_submission(course, assignment, student, copy)
    own = copying.own_numbers_cells(assignment)
    if own:
        notebook = copying.copying_notebook(assignment, own)
        kit.write_submission(course, assignment, "own-numbers", notebook)
    grade_assignment(course, assignment, workers=2)
    scores = read_scores(nncourse.Course.open(course), assignment)
    tasks = VARIANT_TASKS[assignment]
    full = {task: scores["reference"].parts[task] for task in tasks}
    assert all(points > 0 for points in full.values()), scores["reference"].parts
    for student in copiers:
        got = {task: scores[student].parts[task] for task in tasks}
        assert got == dict.fromkeys(tasks, 0.0), f"{student}: {got}"
    if own:  # the same nnlib code, on the numbers the grader uses
        cells = {e.cell for e in copying.copying_map.CALCULATOR if e.assignment == assignment}
        assert cells <= set(copied), "the copy does not try the variant cells"
        assert {task: scores["own-numbers"].parts[task] for task in tasks} == full
