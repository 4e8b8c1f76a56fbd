"""Code in a chapter names an equation by the number the reader sees, (2.11), not by its label.

MyST numbers the labelled equations of chapter N as (N.1), (N.2), ... in the order they appear;
a code comment or printed string that says "(ch2-mlp-matrix)" shows the reader a label they never
see in the text.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from support import ROOT

CHECKED = ["01_neurons", "02_backprop", "03_autodiff"]  # chapters whose code follows the rule
LABEL = re.compile(r":label: (\S+)")
NUMBER = re.compile(r"(?:equation|#)\s*\((\d+)\.(\d+)\)")  # "equation (2.3)", "# (2.11)"


def labels_and_code(chapter: str) -> tuple[list[str], list[str]]:
    cells = nbformat.read(ROOT / "lectures" / f"{chapter}.ipynb", as_version=4).cells
    labels = [m for c in cells if c.cell_type == "markdown" for m in LABEL.findall(c.source)]
    return labels, [c.source for c in cells if c.cell_type == "code"]


@pytest.mark.parametrize("chapter", CHECKED)
def test_code_uses_equation_numbers_not_labels(chapter):
    labels, code = labels_and_code(chapter)
    assert labels, f"{chapter} has no labelled equations"
    for source in code:
        for label in labels:
            assert f"({label})" not in source, f"{chapter}: code names ({label}) by its label"


@pytest.mark.parametrize("chapter", CHECKED)
def test_equation_numbers_in_code_exist(chapter):
    labels, code = labels_and_code(chapter)
    chapter_number = int(chapter[:2])
    for source in code:
        for n, k in NUMBER.findall(source):
            assert int(n) == chapter_number and 1 <= int(k) <= len(labels), (chapter, n, k)
