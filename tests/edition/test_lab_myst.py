"""The chapters' MyST rewritten for jupyterlab-myst: what the site resolves, resolved in place."""

from __future__ import annotations

import lab_myst
import nbformat
import pytest
from support import ROOT

BIB = lab_myst.load_bibliography(ROOT / "book" / "references.bib")


def _chapter(tmp_path, *markdown: str, name: str = "02_demo.ipynb"):
    lectures = tmp_path / "lectures"
    lectures.mkdir(exist_ok=True)
    (tmp_path / "exercises" / "02_demo").mkdir(parents=True, exist_ok=True)
    exercise = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Assignment 2")])
    nbformat.write(exercise, tmp_path / "exercises" / "02_demo" / "02_demo.ipynb")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(m) for m in markdown])
    nbformat.write(nb, lectures / name)
    return lab_myst.rewrite_chapter(lectures / name, BIB)


def test_citations_become_author_year_with_a_reference_list(tmp_path):
    nb = _chapter(tmp_path, "Backpropagation {cite}`rumelhart1986backprop,glorot2010` works.")
    assert (
        nb.cells[0].source
        == "Backpropagation [Rumelhart et al., 1986; Glorot and Bengio, 2010] works."
    )
    references = nb.cells[-1].source
    assert references.startswith("## References")
    assert "Learning representations by back-propagating errors" in references
    assert "Understanding the difficulty of training deep feedforward" in references


def test_bibtex_accents_are_decoded(tmp_path):
    nb = _chapter(tmp_path, "See {cite}`lecun1998efficient`.")
    assert "Léon Bottou" in nb.cells[-1].source and "Müller" in nb.cells[-1].source


def test_equations_carry_the_site_number_and_references_use_it(tmp_path):
    first = "```{math}\n:label: ch2-a\na = b\n```"
    unnumbered = "```{math}\nc = d\n```"
    second = "  ```{math}\n  :label: ch2-b\n  e = f\n  ```\nBy {eq}`ch2-b` and {eq}`ch2-a`."
    nb = _chapter(tmp_path, first, unnumbered, second)
    assert nb.cells[0].source == "```{math}\n:enumerator: 2.1\na = b\n```"
    assert nb.cells[1].source == "```{math}\n:enumerated: false\nc = d\n```"
    assert ":enumerator: 2.2" in nb.cells[2].source and ":label:" not in nb.cells[2].source
    assert nb.cells[2].source.endswith("By (2.2) and (2.1).")


def test_doc_and_ref_become_links_and_titles(tmp_path):
    nb = _chapter(
        tmp_path,
        "(sec-x)=\n## The section\n\nSee {ref}`sec-x`, {ref}`this one <sec-x>`.",
        "Do {doc}`/exercises/02_demo/02_demo`; the {doc}`errata page </book/errata>` has more.",
    )
    assert nb.cells[0].source == "## The section\n\nSee “The section”, this one."
    assert nb.cells[1].source == (
        "Do [Assignment 2](../exercises/02_demo/02_demo.ipynb); "
        "the errata page of the course website has more."
    )


def test_a_section_of_another_chapter_links_to_that_chapter(tmp_path):
    _chapter(tmp_path, "(sec-y)=\n## Elsewhere", name="01_other.ipynb")
    nb = _chapter(tmp_path, "As in {ref}`sec-y`.")
    assert nb.cells[0].source == "As in [“Elsewhere”](01_other.ipynb)."


@pytest.mark.parametrize(
    "markdown", ["{cite}`no-such-key`", "{eq}`no-such-equation`", "{ref}`no-such-section`"]
)
def test_an_unresolved_reference_is_an_error_naming_it(tmp_path, markdown):
    with pytest.raises(lab_myst.UnresolvedReference, match="no-such"):
        _chapter(tmp_path, markdown)
