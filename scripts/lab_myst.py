"""The chapters' MyST, rewritten so that JupyterLab (jupyterlab-myst) shows what the site shows.

jupyterlab-myst renders directives, admonitions, dropdowns and maths one notebook at a time, but it
has no bibliography and no other pages to resolve references against. The student edition's copy
of each chapter is therefore rewritten at generation time (the site's chapters stay as they are):

- ``{cite}`key1,key2``` becomes ``[Author et al., 1986; Other, 2010]``, the site's author-year
  form, and the chapter ends with a "References" list of the works it cites (book/references.bib);
- a numbered ``{math}`` block (``:label: name``) carries its site number (``:enumerator: 2.6``,
  chapter number dot position) and ``{eq}`name``` becomes ``(2.6)``; the others are not
  numbered (``:enumerated: false``), as on the site (jupyterlab-myst would number every one);
- ``{doc}`` becomes a relative link to the chapter or exercise notebook of the edition, or plain
  text for a page that only the site has; ``{ref}`` becomes the title of the section it names
  (a link to its chapter when that is another one);
- the ``(label)=`` targets that only those references used are dropped.
"""

from __future__ import annotations

import codecs
import copy
import os
import re
from pathlib import Path

import latexcodec  # noqa: F401 (registers the "ulatex" codec used to decode BibTeX accents)
import nbformat
from pybtex.database import parse_file

CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
EQ = re.compile(r"\{eq\}`([^`]+)`")
DOC = re.compile(r"\{doc\}`(?:([^`<]*?)\s*<([^`>]+)>|([^`]+))`")
REF = re.compile(r"\{ref\}`(?:([^`<]*?)\s*<([^`>]+)>|([^`]+))`")
TARGET = re.compile(r"^\(([\w-]+)\)=[ \t]*\n", re.M)
LABELED_MATH = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{math\}[ \t]*\n(?P=indent):label: (?P<label>\S+)\n"
    r"(?P<body>.*?)\n(?P=indent)(?P=fence)[ \t]*$",
    re.S | re.M,
)
#: The folders of the repository that the edition ships as they are laid out here.
EDITION_FOLDERS = ("lectures", "exercises")
UNLABELED_MATH = re.compile(
    r"^(?P<head>(?P<indent>[ \t]*)(?:`{3,}|:{3,})\{math\}[ \t]*)\n"
    r"(?![ \t]*:(?:label|enumerator):)",
    re.M,
)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.M)


class UnresolvedReference(ValueError):
    """A role names a citation key, equation or section that does not exist."""


# ---------------------------------------------------------------------------------------------
# Bibliography
# ---------------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """BibTeX text without braces and with accents decoded: ``M{\\"u}ller`` -> ``Müller``."""
    return codecs.decode(text, "ulatex").replace("{", "").replace("}", "").replace("--", "–")


def load_bibliography(bibfile: Path) -> dict[str, dict[str, str]]:
    """Per key: ``short`` (``Glorot and Bengio, 2010``) and ``full`` (one reference line)."""
    entries = {}
    for key, entry in parse_file(str(bibfile)).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [_plain(" ".join(p.prelast_names + p.last_names)) for p in people]
        year = entry.fields.get("year", "n.d.")
        if len(last) >= 3:
            who = f"{last[0]} et al."
        else:
            who = " and ".join(last) or _plain(entry.fields.get("title", key))
        names = ", ".join(
            _plain(" ".join(p.first_names + p.middle_names + p.prelast_names + p.last_names))
            for p in people
        )
        venue = entry.fields.get("journal") or entry.fields.get("booktitle") or ""
        venue = venue or entry.fields.get("publisher") or entry.fields.get("howpublished", "")
        title = _plain(entry.fields.get("title", ""))
        full = f"{names} ({year}). {title}." + (f" *{_plain(venue)}*." if venue else "")
        if "doi" in entry.fields:
            full += f" doi:{entry.fields['doi']}"
        elif "url" in entry.fields:
            full += f" <{entry.fields['url']}>"
        entries[key] = {"short": f"{who}, {year}", "full": full}
    return entries


# ---------------------------------------------------------------------------------------------
# One chapter
# ---------------------------------------------------------------------------------------------


def chapter_number(path: Path) -> int:
    """The chapter's number on the site: the numeric prefix of ``NN_name.ipynb``."""
    return int(path.name.split("_", 1)[0])


def _markdown(chapter: Path) -> list[str]:
    nb = nbformat.read(chapter, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def equation_numbers(chapters: list[Path]) -> dict[str, str]:
    """Per equation label of any chapter, its number on the site (``2.6``)."""
    numbers = {}
    for chapter in chapters:
        labels = [m["label"] for text in _markdown(chapter) for m in LABELED_MATH.finditer(text)]
        for index, label in enumerate(labels, start=1):
            numbers[label] = f"{chapter_number(chapter)}.{index}"
    return numbers


def section_titles(chapters: list[Path]) -> dict[str, tuple[Path, str]]:
    """Per ``(label)=`` target of any chapter, its chapter and the heading that follows it."""
    titles = {}
    for chapter in chapters:
        for text in _markdown(chapter):
            for target in TARGET.finditer(text):
                heading = HEADING.search(text, target.end())
                if heading:
                    titles[target.group(1)] = (chapter, heading.group(1))
    return titles


def notebook_title(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = HEADING.search(cell.source)
            if heading:
                return heading.group(1)
    return path.stem


class ChapterRewriter:
    """Rewrites one chapter's markdown cells for jupyterlab-myst (see the module docstring)."""

    def __init__(self, chapter: Path, bibliography: dict[str, dict[str, str]]):
        self.chapter = chapter
        self.root = chapter.resolve().parent.parent
        self.bibliography = bibliography
        self.cited: list[str] = []
        siblings = sorted(chapter.parent.glob("*.ipynb"))
        self.equations = equation_numbers(siblings)
        self.sections = section_titles(siblings)

    def _cite(self, match: re.Match) -> str:
        keys = [k.strip() for k in match.group(1).split(",")]
        unknown = [k for k in keys if k not in self.bibliography]
        if unknown:
            raise UnresolvedReference(f"{self.chapter.name}: no entry {unknown} in references.bib")
        self.cited.extend(k for k in keys if k not in self.cited)
        return "[" + "; ".join(self.bibliography[k]["short"] for k in keys) + "]"

    def _eq(self, match: re.Match) -> str:
        label = match.group(1)
        if label not in self.equations:
            raise UnresolvedReference(f"{self.chapter.name}: no equation labelled {label!r}")
        return f"({self.equations[label]})"

    def _number(self, match: re.Match) -> str:
        number = self.equations[match["label"]]
        indent, fence = match["indent"], match["fence"]
        head = f"{indent}{fence}{{math}}\n{indent}:enumerator: {number}"
        return f"{head}\n{match['body']}\n{indent}{fence}"

    @staticmethod
    def _unnumbered(match: re.Match) -> str:
        return f"{match['head']}\n{match['indent']}:enumerated: false\n"

    def _doc(self, match: re.Match) -> str:
        text, target = (match.group(1), match.group(2)) if match.group(2) else (None, match[3])
        base = self.root if target.startswith("/") else self.chapter.parent
        page = (base / (target.lstrip("/") + ".ipynb")).resolve()
        shipped = page.is_relative_to(self.root) and page.relative_to(self.root).parts[0]
        if not page.is_file() or shipped not in EDITION_FOLDERS:
            return f"{text or Path(target).name} of the course website"
        relative = Path(os.path.relpath(page, self.chapter.parent)).as_posix()
        return f"[{text or notebook_title(page)}]({relative})"

    def _ref(self, match: re.Match) -> str:
        text, label = (match.group(1), match.group(2)) if match.group(2) else (None, match[3])
        if label not in self.sections:
            raise UnresolvedReference(f"{self.chapter.name}: no section labelled {label!r}")
        chapter, title = self.sections[label]
        if chapter.name == self.chapter.name:
            return text or f"“{title}”"
        return f"[{text or '“' + title + '”'}]({chapter.name})"  # a link to that chapter

    def rewrite(self, nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
        nb = copy.deepcopy(nb)
        markdown = [c for c in nb.cells if c.cell_type == "markdown"]
        for cell in markdown:
            text = LABELED_MATH.sub(self._number, cell.source)
            text = UNLABELED_MATH.sub(self._unnumbered, text)
            text = CITE.sub(self._cite, text)
            text = EQ.sub(self._eq, text)
            text = DOC.sub(self._doc, text)
            text = REF.sub(self._ref, text)
            cell.source = TARGET.sub("", text)
        if self.cited:
            lines = [f"- {self.bibliography[k]['full']}" for k in self.cited]
            nb.cells.append(nbformat.v4.new_markdown_cell("## References\n\n" + "\n".join(lines)))
        return nb


def rewrite_chapter(chapter: Path, bibliography: dict[str, dict]) -> nbformat.NotebookNode:
    """The edition's copy of `lectures/<chapter>` (links resolved against the repository)."""
    nb = nbformat.read(chapter, as_version=4)
    return ChapterRewriter(chapter, bibliography).rewrite(nb)
