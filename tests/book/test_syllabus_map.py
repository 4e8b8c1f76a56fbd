"""The syllabus map (book/syllabus.md) points at sections that exist and is honest about gaps."""

import json
import re
from pathlib import Path

import pytest
from support import ROOT

CHAPTER_FILES = sorted((ROOT / "lectures").glob("0*.ipynb"))
# Words with which a row admits that something of the slide is not taught.
ADMITS_A_GAP = re.compile(
    r"\bnot (?:built|measured|reproduced|in the comparison|shown|run)\b|\bonly named\b", re.I
)
REFERENCE = re.compile(r"Ch\. (\d), ([^;(]+)")


def _rows() -> list[str]:
    text = (ROOT / "book" / "syllabus.md").read_text(encoding="utf-8")
    return [
        line
        for line in text.splitlines()
        if line.startswith("|")
        and not line.startswith("|---")
        and "where in this course" not in line
    ]


def _where(row: str) -> str:
    return row.rstrip().rstrip("|").rsplit("|", 1)[-1].strip()


def _headings(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = (
        line
        for cell in cells
        if cell["cell_type"] == "markdown"
        for line in "".join(cell["source"]).splitlines()
    )
    return [_plain(line.lstrip("#")) for line in lines if re.match(r"#{2,3} ", line)]


def _plain(text: str) -> str:
    """A heading or reference as a reader sees it: no maths dollars, no code ticks, no case."""
    return re.sub(r"[$`*]", "", text).strip().strip('"').lower()


HEADINGS = {int(path.name[:2]): _headings(path) for path in CHAPTER_FILES}


def test_the_map_covers_the_decks_row_by_row():
    assert len(_rows()) > 100


@pytest.mark.parametrize("row", _rows(), ids=lambda row: row[2:40])
def test_every_named_section_exists_in_its_chapter(row):
    for chapter, named in REFERENCE.findall(_where(row)):
        named = _plain(named)
        headings = HEADINGS[int(chapter)]
        assert any(named.startswith(h) or h.startswith(named) for h in headings), (
            f"Ch. {chapter} has no section {named!r}; its sections are {headings}"
        )


@pytest.mark.parametrize("row", _rows(), ids=lambda row: row[2:40])
def test_a_row_that_names_a_gap_is_marked(row):
    where = _where(row)
    if ADMITS_A_GAP.search(where):
        assert "**partly**" in where or "**not covered**" in where, where


def test_a_marked_row_says_what_is_missing():
    for row in _rows():
        where = _where(row)
        for mark in ("**partly**", "**not covered**"):
            if mark in where:
                said = where.split(mark, 1)[1].lstrip(":").strip()
                assert len(said.split()) >= 4, f"{mark} without saying what: {where}"


def test_sections_are_named_not_numbered():
    # Sections are named, not numbered: the built site numbers "Motivation" too, so hand-typed
    # numbers drift (chapter 5's and 7's were all off by one).
    numbered = [row[:60] for row in _rows() if re.search(r"Ch\. \d, \d\.\d", _where(row))]
    assert numbered == []
