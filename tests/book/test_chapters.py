"""Every chapter in lectures/ runs top to bottom in a fresh kernel, as the book build runs it.

One test per chapter notebook present, so a failure names the chapter; the error names the cell.
A chapter with a cell tagged ``check-numbers`` must also quote, in "Check your understanding", the
numbers its code computes (see quoted_numbers.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import quoted_numbers  # tests/book/quoted_numbers.py: the numbers "Check your understanding" quotes
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from support import ROOT

from nnbook.kernels import use_local_sockets

CHAPTERS = sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_S = 120

pytestmark = pytest.mark.slow


def test_every_chapter_of_the_table_of_contents_is_executed_here():
    """The parametrization below covers exactly the chapters the book lists, one per number."""
    listed = re.findall(r"file:\s*(lectures/\d\d_\w+)", (ROOT / "_toc.yml").read_text())
    assert listed, "_toc.yml lists no chapter"
    assert [f"lectures/{path.stem}" for path in CHAPTERS] == sorted(listed)
    assert len({path.stem[:2] for path in CHAPTERS}) == len(CHAPTERS), "duplicate chapter numbers"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_chapter_executes_in_a_fresh_kernel(chapter: Path, monkeypatch):
    # as `make book` runs it: demos render their static version
    monkeypatch.setenv("NNLIB_BOOK_BUILD", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(chapter, as_version=4)
    client = NotebookClient(
        notebook,
        config=use_local_sockets(),
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(chapter.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        failing = next(
            (i for i, cell in enumerate(notebook.cells, 1) if _has_error(cell)), "unknown"
        )
        pytest.fail(f"{chapter.name}, cell {failing}:\n{error}", pytrace=False)
    wrong = quoted_numbers.problems(notebook.cells)
    assert not wrong, f"{chapter.name}, Check your understanding:\n" + "\n".join(wrong)


def _has_error(cell) -> bool:
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))
