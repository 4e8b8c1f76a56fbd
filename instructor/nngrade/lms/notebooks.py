"""Which of the assignment's notebooks a student's file is, renamed or not."""

from __future__ import annotations

import re

from .model import NotebookMatch

#: How browsers, Jupyter, Finder and Canvas rename a file that already exists.
RENAMED = re.compile(r"(?:-Copy\d*| ?\(\d+\)| \d+|-\d+)$")


def match_notebook(filename: str, notebooks: list[str]) -> NotebookMatch:
    """Which of the assignment's `notebooks` the student's `filename` is, renamed or not."""
    stem, dot, ext = filename.rpartition(".")
    if not dot or ext.lower() != "ipynb":
        kind = f".{ext} file" if dot else "file without extension"
        return NotebookMatch(None, problem=f"not a notebook ({kind})")
    if stem in notebooks:
        return NotebookMatch(stem)
    found, base = [], stem
    while (suffix := RENAMED.search(base)) and suffix.start() > 0:
        base = base[: suffix.start()]
        if base in notebooks and base not in found:
            found.append(base)
    if len(found) == 1:
        return NotebookMatch(found[0], renamed=True)
    wanted = ", ".join(f"{n}.ipynb" for n in notebooks)
    if found:
        could = " or ".join(f"{n}.ipynb" for n in found)
        return NotebookMatch(None, problem=f"ambiguous name: could be {could}")
    return NotebookMatch(None, problem=f"not one of the assignment's notebooks ({wanted})")
