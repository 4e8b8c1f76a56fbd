"""What students are graded on is said in the notebook they work in: each exercise's introduction
states the rules (hidden tests, stderr, the time limits the grader really applies, the file name),
and the checking cell every exercise opens with is folded, its first line saying what it is."""

from __future__ import annotations

import json

import pytest
from nngrade.sandbox import Limits
from support import ROOT

EXERCISES = sorted(
    p.name for p in (ROOT / "exercises").iterdir() if (p / f"{p.name}.ipynb").is_file()
)


def cells(assignment: str) -> list[dict]:
    notebook = ROOT / "exercises" / assignment / f"{assignment}.ipynb"
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_every_assignment_is_checked():
    assert len(EXERCISES) == 7


@pytest.mark.parametrize("assignment", EXERCISES)
def test_introduction_states_the_grading_rules(assignment):
    intro = " ".join(source(cells(assignment)[0]).split())
    assert "hidden tests" in intro
    assert "writes anything to stderr scores 0" in intro
    assert f"within {Limits.cell_timeout} seconds" in intro, "the grader's per-cell limit"
    assert f"within {Limits.notebook_timeout // 60} minutes" in intro, "and per notebook"
    assert f"{Limits.memory_bytes >> 30} GB of memory" in intro
    assert f"`{assignment}.ipynb`" in intro and "do not rename it" in intro


@pytest.mark.parametrize("assignment", EXERCISES)
def test_checking_cell_is_folded_and_says_what_it_is(assignment):
    checks = next(c for c in cells(assignment) if c["metadata"]["nbgrader"]["grade_id"] == "checks")
    assert checks["metadata"]["jupyter"] == {"source_hidden": True}, "folded in JupyterLab"
    assert "hide-input" in checks["metadata"]["tags"], "folded on the site"
    toggle = checks["metadata"]["mystnb"]["code_prompt_show"]
    assert toggle.startswith("Show the checking code")
    first = source(checks).splitlines()[0]
    assert first.startswith("# The checking code") and " you" in first, "one line, to the reader"
    assert "student" not in first
    assert len(source(checks).splitlines()) > 100, "the whole checking code is still there"
