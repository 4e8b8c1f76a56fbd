"""The convention for numbers quoted in "Check your understanding" (tests/book/quoted_numbers.py).

The check itself runs on the executed chapters in test_chapters.py; here it is tested on small
notebooks made for the purpose (so that it can fail), and the chapters that adopt it are listed.
"""

from __future__ import annotations

import json

import nbformat
import pytest
import quoted_numbers  # tests/book/quoted_numbers.py, on the path as a test helper
from support import ROOT

from nnbook.examples import QUOTED_NUMBERS_MARK

ADOPTED = [
    "01_neurons",
    "02_backprop",
    "03_autodiff",
    "04_optimizers",
    "05_regularization",
    "06_initialization",
]  # add a chapter here when it adopts it (07 quotes no number)


def notebook(answer: str, numbers: dict[str, float]) -> list[dict]:
    cell = nbformat.v4.new_code_cell("...", metadata={"tags": ["check-numbers"]})
    cell.outputs = [
        nbformat.v4.new_output(
            "stream", name="stdout", text=f"{QUOTED_NUMBERS_MARK} {json.dumps(numbers)}\n"
        )
    ]
    return [
        nbformat.v4.new_markdown_cell("## Section\n\nThe value 9.99 is outside the check."),
        nbformat.v4.new_markdown_cell(f"## Check your understanding\n\n1. Q?\n\n   {answer}"),
        cell,
        nbformat.v4.new_markdown_cell("## Summary\n\nAlso outside: 3.14."),
    ]


def test_agreeing_numbers_pass():
    cells = notebook("It is $1.716$, and $-0.284$ lost; 147 weights; slope 1/4.", {
        "1.716": 2 - 0.28366218546322625, "-0.284": -0.28366218546322625, "147": 147.0,
        "1/4": 0.25,
    })  # fmt: skip
    assert quoted_numbers.problems(cells) == []


@pytest.mark.parametrize(
    ("answer", "numbers", "complaint"),
    [
        ("It is 1.716.", {"1.716": 1.7175}, "the code computes"),  # wrong in the third decimal
        ("It is 1.716.", {"1.716": 1.716, "2.5": 2.5}, "not written"),  # listed, not in the text
        ("It is 1.716 or 0.25.", {"1.716": 1.716}, "0.25 is quoted"),  # a decimal nobody computes
        ("Slope 1/4.", {"1/4": 0.26}, "the code computes"),
        ("It is 21.716.", {"1.716": 1.716}, "not written"),  # part of a longer number
    ],
)
def test_disagreements_are_reported(answer, numbers, complaint):
    found = quoted_numbers.problems(notebook(answer, numbers))
    assert any(complaint in p for p in found), found


def test_numbers_outside_the_section_are_ignored():
    assert quoted_numbers.problems(notebook("No numbers.", {})) == []


def test_a_cell_that_printed_nothing_fails():
    cells = notebook("It is 1.716.", {"1.716": 1.716})
    cells[2].outputs = []
    with pytest.raises(AssertionError, match="printed no line"):
        quoted_numbers.problems(cells)


@pytest.mark.parametrize("chapter", ADOPTED)
def test_chapter_has_one_check_numbers_cell_whose_keys_are_in_its_text(chapter):
    cells = nbformat.read(ROOT / "lectures" / f"{chapter}.ipynb", as_version=4).cells
    cell = quoted_numbers.quoted_cell(cells)
    assert cell is not None, f"{chapter} has no cell tagged check-numbers"
    assert "quote_numbers(" in cell.source
    section = quoted_numbers.check_section(cells)
    for decimal in quoted_numbers.DECIMAL.findall(section.replace("−", "-")):
        assert f'"{decimal}"' in cell.source, f"{decimal} of {chapter} is not computed"
