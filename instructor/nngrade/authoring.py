"""Build nbgrader master notebooks from a readable percent-format text source.

A master `solutions/<a>/<a>.py` is a sequence of cells, each opened by a header line::

    # %% [markdown] locked id=intro          read-only instructions
    # %% locked id=setup                     read-only code (imports, data)
    # %% solution id=sigmoid                 code the student writes (### BEGIN/END SOLUTION)
    # %% tests id=test_sigmoid points=2      autograded tests (### BEGIN/END HIDDEN TESTS)
    # %% [markdown] manual id=why points=2   written answer graded by hand
    # %% manual id=plot points=2             code answer (a plot) graded by hand

Markdown lines carry a leading `# `, which is stripped. A line `#: include NAME` inside a cell is
replaced by `solutions/_shared/NAME` (less its leading comment lines), so that code every
assignment needs (the checks the tests call, the guard against answers that call nnlib) is
written once. Such a cell opens with a one-line comment telling the reader what it is
(`INCLUDED_TITLES`) and is folded: in JupyterLab (`jupyter.source_hidden`) and on the site
(myst-nb's `hide-input` tag, its toggle labelled with the same words). The notebook is
deterministic: building the same source twice gives the same bytes, so a test can prove the
committed master is current.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

HEADER = re.compile(r"^# %%(?P<rest>.*)$")
INCLUDE = re.compile(r"^#: include (?P<name>[\w.-]+)$")
SHARED_DIR = "_shared"
ROLES = {"locked", "solution", "tests", "manual"}
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: What a folded cell that includes a shared file is, addressed to the reader: the cell's first
#: line, and the label of its toggle on the site (where the folded source shows nothing).
INCLUDED_TITLES = {
    "checks.py": (
        "The checking code the tests below use to tell you what they expected and what your code "
        "returned. Run it; you need not read it.",
        "Show the checking code (the tests use it to say what they expected and what you returned)",
    ),
}
INCLUDED_TITLE = ("Code shared by every exercise. Run it; you need not read it.", "Show the code")


def _parse_header(rest: str) -> dict:
    """The cell type, role, id and points written after `# %%`."""
    words = rest.split()
    spec = {"cell_type": "code", "role": None, "id": None, "points": None}
    for word in words:
        if word == "[markdown]":
            spec["cell_type"] = "markdown"
        elif word in ROLES:
            spec["role"] = word
        elif word.startswith("id="):
            spec["id"] = word[3:]
        elif word.startswith("points="):
            spec["points"] = float(word[7:])
        else:
            raise ValueError(f"unknown word {word!r} in cell header '# %%{rest}'")
    if spec["role"] is None or spec["id"] is None:
        raise ValueError(f"every cell needs a role ({sorted(ROLES)}) and an id=: '# %%{rest}'")
    if spec["role"] in {"tests", "manual"} and spec["points"] is None:
        raise ValueError(f"a {spec['role']} cell needs points=: '# %%{rest}'")
    return spec


def _nbgrader_metadata(spec: dict) -> dict:
    """nbgrader's cell metadata (schema 3) for a cell role."""
    role = spec["role"]
    meta = {
        "grade": role in {"tests", "manual"},
        "grade_id": spec["id"],
        "locked": role in {"locked", "tests"},
        "schema_version": 3,
        "solution": role in {"solution", "manual"},
        "task": False,
    }
    if meta["grade"]:
        meta["points"] = spec["points"]
    return meta


def _body(lines: list[str], cell_type: str) -> str:
    if cell_type == "markdown":
        lines = [line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines]
    text = "\n".join(lines).strip("\n")
    return text


def _included(name: str, shared: Path | None) -> list[str]:
    """The lines of a shared snippet, without its leading comment block."""
    if shared is None or not (shared / name).is_file():
        raise ValueError(f"'#: include {name}': no such file in {shared}")
    lines = (shared / name).read_text().rstrip("\n").splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return lines


def _fold(cell: nbformat.NotebookNode, toggle: str) -> None:
    """Fold a code cell's source in JupyterLab and on the site, whose toggle says `toggle`."""
    cell.metadata["jupyter"] = {"source_hidden": True}
    cell.metadata["tags"] = ["hide-input"]
    cell.metadata["mystnb"] = {"code_prompt_show": toggle}


def build_notebook(source: str, shared: Path | None = None) -> nbformat.NotebookNode:
    """The nbgrader master notebook described by a percent-format `source`.

    `shared` is the folder that `#: include NAME` lines read from.
    """
    cells, spec, lines, titles = [], None, [], []

    def flush():
        if spec is None:
            return
        maker = nbformat.v4.new_markdown_cell if spec["cell_type"] == "markdown" else None
        maker = maker or nbformat.v4.new_code_cell
        cell = maker(_body(lines, spec["cell_type"]))
        cell.id = spec["id"]
        cell.metadata = {"nbgrader": _nbgrader_metadata(spec)}
        if titles:
            _fold(cell, titles[0][1])
        cells.append(cell)

    for line in source.splitlines():
        match = HEADER.match(line)
        if match:
            flush()
            spec, lines, titles = _parse_header(match["rest"]), [], []
        elif spec is not None and (include := INCLUDE.match(line)):
            titles.append(INCLUDED_TITLES.get(include["name"], INCLUDED_TITLE))
            lines.append(f"# {titles[-1][0]}")
            lines.extend(_included(include["name"], shared))
        elif spec is not None:
            lines.append(line)
    flush()
    ids = [cell.id for cell in cells]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate cell ids: {duplicates}")
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    nbformat.validate(nb)
    return nb


def notebook_text(source_path: Path) -> str:
    """The master notebook's JSON text for the percent source at `source_path`."""
    source_path = Path(source_path)
    nb = build_notebook(source_path.read_text(), source_path.parent.parent / SHARED_DIR)
    return nbformat.writes(nb) + "\n"


def build_master(source_path: Path) -> Path:
    """Write `<a>.ipynb` beside its percent source `<a>.py`; returns the notebook path."""
    source_path = Path(source_path)
    target = source_path.with_suffix(".ipynb")
    text = notebook_text(source_path)
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    return target
