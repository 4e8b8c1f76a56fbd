"""Which students of one assignment wrote the same code: a report for the instructor only.

Each student's answer cells (nbgrader's solution cells, in notebook order) become one document.
Every line that the assignment gives (the released stub of that cell) or that the reference
solution holds is removed first: what is compared is what the student wrote, and the report can
show no line of the reference. The documents are compared pairwise by copydetect (winnowed k-gram
fingerprints of the token stream, with names, strings and comments normalised away, as MOSS
does), so renamed variables and rewritten comments do not hide a copy, and a reordered statement
breaks only the fingerprints that span it.

The report ranks the pairs by the share of their code they have in common and shows the most
similar ones side by side, the shared code highlighted. It is evidence to read, never a verdict,
and it never changes a grade: two students who both wrote the one obvious line of a short task
share it honestly.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import nbformat
import numpy as np
from copydetect.detector import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

# copydetect's defaults (noise 25, guarantee 30 characters of the filtered code) are tuned for
# whole programs. Answers here are a few lines each: on synthetic classes of 40 (the tests'), 8
# and 3 ranked five planted copies first in 20 seeds of 20, 15 and 4 in 8 of 20, and ignoring
# the fingerprints many students share (MOSS's -m) did worse, in 10 of 20.
KGRAM = 8
WINDOW = 3
MIN_TOKENS = 40  # a document shorter than this (after removals) is too small to compare
REFERENCE_LINE = "# (a line as in the reference solution or the release)"


@dataclass(frozen=True)
class Pair:
    """Two students and how much of their answers they share (0 to 1, both directions)."""

    first: str
    second: str
    share_first: float
    share_second: float
    slices_first: np.ndarray
    slices_second: np.ndarray

    @property
    def score(self) -> float:
        """The mean of the two shares: a copy shows in both documents."""
        return (self.share_first + self.share_second) / 2


def _is_answer(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("solution")) and not meta.get("grade")


def answer_cells(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The notebook's answer cells, by nbgrader cell id, in notebook order."""
    return {
        cell["metadata"]["nbgrader"].get("grade_id", str(i)): cell["source"]
        for i, cell in enumerate(nb.cells)
        if _is_answer(cell)
    }


def _normalise(line: str) -> str:
    return re.sub(r"\s+", " ", line.split("#", 1)[0]).strip()


def known_lines(*notebooks: nbformat.NotebookNode) -> set[str]:
    """Every code line of the given notebooks (the release and the master), normalised."""
    lines = set()
    for nb in notebooks:
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                lines.update(_normalise(line) for line in cell["source"].splitlines())
    lines.discard("")
    return lines


def student_document(nb: nbformat.NotebookNode, given: set[str]) -> str:
    """The student's own code: answer cells with every given or reference line masked."""
    parts = []
    for cell_id, source in answer_cells(nb).items():
        kept = [
            REFERENCE_LINE if _normalise(line) in given else line.rstrip()
            for line in source.splitlines()
        ]
        parts.append(f"# --- {cell_id}\n" + "\n".join(kept))
    return "\n\n".join(parts) + "\n"


def fingerprint(name: str, document: str) -> CodeFingerprint:
    """copydetect's fingerprint of one document (Python tokens, names normalised)."""
    return CodeFingerprint(f"{name}.py", KGRAM, WINDOW, fp=StringIO(document), language="python")


def compare(documents: dict[str, str]) -> list[Pair]:
    """Every pair of documents large enough to compare, most similar first."""
    prints = {name: fingerprint(name, text) for name, text in documents.items()}
    prints = {name: fp for name, fp in prints.items() if len(fp.filtered_code) >= MIN_TOKENS}
    pairs = []
    for first, second in itertools.combinations(sorted(prints), 2):
        overlap, (share_first, share_second), (slices_first, slices_second) = compare_files(
            prints[first], prints[second]
        )
        if overlap:
            pairs.append(
                Pair(first, second, share_first, share_second, slices_first, slices_second)
            )
    return sorted(pairs, key=lambda pair: (-pair.score, pair.first, pair.second))


# ---------------------------------------------------------------------------------------------
# The course's submissions
# ---------------------------------------------------------------------------------------------


def _read(path: Path) -> nbformat.NotebookNode | None:
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # a truncated or foreign file: collect reported it, nothing to compare
        return None


def course_documents(course, assignment: str) -> dict[str, str]:
    """Each submitting student's answers to ``assignment``, given and reference lines masked."""
    from .course import master_notebooks, source_dir

    names = [f"{stem}.ipynb" for stem in master_notebooks(course, assignment)]
    masters = {name: source_dir(course) / assignment / name for name in names}
    release = course.directory("release") / assignment
    given: dict[str, set[str]] = {}
    for name, master in masters.items():
        found = [_read(path) for path in (master, release / name) if path.exists()]
        given[name] = known_lines(*(nb for nb in found if nb is not None))
    documents = {}
    submitted = course.directory("submitted")
    for folder in sorted(submitted.glob(f"*/{assignment}")):
        parts = []
        for name in sorted(masters):
            nb = _read(folder / name) if (folder / name).exists() else None
            if nb is not None:
                parts.append(student_document(nb, given[name]))
        if parts:
            documents[folder.parent.name] = "\n".join(parts)
    return documents


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 75rem; }
table.pairs { border-collapse: collapse; margin-bottom: 2rem; }
table.pairs td, table.pairs th { border-bottom: 1px solid #ccc; padding: 0.25rem 0.75rem; }
section { border-top: 2px solid #555; margin-top: 2rem; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
pre { background: #f6f6f6; padding: 0.75rem; overflow-x: auto; font-size: 13px; }
mark { background: #ffe08a; }
"""


def _highlighted(document: str, slices: np.ndarray) -> str:
    if slices.size == 0:
        return html.escape(document)
    marked, _ = highlight_overlap(document, slices, "<mark>", "</mark>", escape_html=True)
    return marked


def report_html(assignment: str, documents: dict[str, str], pairs: list[Pair], top: int) -> str:
    rows = "\n".join(
        f"<tr><td><a href='#pair{i}'>{html.escape(p.first)} and {html.escape(p.second)}</a></td>"
        f"<td>{p.score:.0%}</td><td>{p.share_first:.0%}</td><td>{p.share_second:.0%}</td></tr>"
        for i, p in enumerate(pairs[:top], 1)
    )
    sections = "\n".join(
        f"<section id='pair{i}'><h2>{i}. {html.escape(p.first)} and {html.escape(p.second)}: "
        f"{p.score:.0%}</h2><div class='side'>"
        f"<div><h3>{html.escape(p.first)} ({p.share_first:.0%} shared)</h3>"
        f"<pre>{_highlighted(documents[p.first], p.slices_first)}</pre></div>"
        f"<div><h3>{html.escape(p.second)} ({p.share_second:.0%} shared)</h3>"
        f"<pre>{_highlighted(documents[p.second], p.slices_second)}</pre></div></div></section>"
        for i, p in enumerate(pairs[:top], 1)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(assignment)}: most similar answers</title><style>{STYLE}</style></head>
<body><h1>{html.escape(assignment)}: the most similar answers</h1>
<p>For the instructor only. {len(documents)} students' answer cells compared pairwise ({len(pairs)}
pairs share any code); lines given by the release or present in the reference solution are
removed first. Shared code is highlighted. A high share is a reason to read both answers, not a
verdict: short tasks have few ways to be written. No grade is changed.</p>
<table class="pairs"><tr><th>pair</th><th>shared (mean)</th><th>of the first</th>
<th>of the second</th></tr>
{rows}
</table>
{sections}
</body></html>
"""


def write_report(course, assignment: str, top: int = 20) -> tuple[Path, list[Pair]]:
    """Compare the assignment's submissions; write ``reports/<assignment>-similarity.html``."""
    documents = course_documents(course, assignment)
    pairs = compare(documents)
    path = course.root / "reports" / f"{assignment}-similarity.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(assignment, documents, pairs, top), encoding="utf-8")
    return path, pairs
