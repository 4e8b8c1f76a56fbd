"""Carry your answers from an older student edition into this one.

    python -m nnbook.upgrade ../nn-course-student-old

Run it in the NEW edition's folder, naming the OLD edition's folder. For every exercise you worked
on in the old edition (its notebook differs from the one released with it), the new edition's
notebook becomes the newly released one with your work put back: every answer cell you changed
(matched by nbgrader's grade id) and every cell you added (your own tests, notes), each in place,
after the cell it followed. Any other file you added to that exercise's folder is copied over,
except the backups that reset and upgrade leave (``*.before-reset.ipynb``), and so is your student
id (``python -m nnbook.student_id``) if the new edition has none. The counts printed are exact:
the answers you wrote, the cells you added. The old folder is only read. An exercise you already
started in the new edition is left alone (reported), unless you pass ``--overwrite``; the notebook
it replaces is then kept as ``<stem>.before-upgrade.ipynb``. Nothing is done while a notebook it
would rewrite is open in JupyterLab (``--force`` skips this).
"""

from __future__ import annotations

import argparse
import copy
import shutil
import sys
from pathlib import Path

import nbformat

from nnbook.reset import (
    EXERCISES,
    RELEASED,
    EditionError,
    assignments,
    edition_root,
    print_or_explain,
    refuse_if_open,
)
from nnbook.student_id import ID_FILE

BACKUPS = (".before-reset.ipynb", ".before-upgrade.ipynb")


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _is_answer(cell) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("solution") and _grade_id(cell))


def _key(cell) -> str | None:
    """How a cell is recognised from one edition to the next: nbgrader's grade id, else the
    cell's own id (JupyterLab keeps it while the cell is edited; a new cell gets a new one)."""
    return _grade_id(cell) or cell.get("id")


def _read(path: Path) -> nbformat.NotebookNode | None:
    return nbformat.read(path, as_version=4) if path.exists() else None


def _worked_on(edition: Path, name: str, notebook: str) -> bool:
    mine = edition / EXERCISES / name / notebook
    released = edition / RELEASED / name / notebook
    return mine.exists() and (not released.exists() or mine.read_bytes() != released.read_bytes())


def carry_cells(mine, released_then, released_now) -> tuple[nbformat.NotebookNode, int, int]:
    """`released_now` with the student's work of `mine` put back: every answer cell the student
    changed (by grade id), and every cell the student added, in place (after the cell it follows
    in `mine`). `released_then` is what `mine` was released as (None if unknown: then a cell
    counts as added when the new release has no cell with its id). Returns the notebook, the
    number of answers carried and the number of cells added."""
    fresh = copy.deepcopy(released_now)
    then = {_key(c): c for c in released_then.cells} if released_then is not None else {}
    now = {_key(c): i for i, c in enumerate(fresh.cells)}
    answers = 0
    for cell in mine.cells:
        key = _key(cell)
        if not _is_answer(cell) or key not in now:
            continue
        before = then.get(key) if released_then is not None else fresh.cells[now[key]]
        if before is not None and before.source == cell.source:
            continue  # not answered: the new edition's stub (maybe improved) stays
        target = fresh.cells[now[key]]
        target.source = cell.source
        if cell.cell_type == "code" and target.cell_type == "code":
            target.outputs, target.execution_count = [], None
        answers += 1
    added, anchor, placed = 0, None, {}
    for cell in mine.cells:
        key = _key(cell)
        ours = key not in then if released_then is not None else key not in now
        if not ours and key in now:
            anchor = key
            continue
        if not ours:
            continue  # a released cell the new edition dropped
        position = now[anchor] + 1 if anchor is not None else 0
        position += placed.get(anchor, 0)
        new_cell = copy.deepcopy(cell)
        fresh.cells.insert(position, new_cell)
        placed[anchor] = placed.get(anchor, 0) + 1
        now = {k: (i + 1 if i >= position else i) for k, i in now.items()}
        added += 1
    for index, cell in enumerate(fresh.cells):  # ids must stay unique within the notebook
        if not cell.get("id") or any(c.get("id") == cell.id for c in fresh.cells[:index]):
            cell.id = f"carried-{index}"
    return fresh, answers, added


def carry_assignment(old: Path, new: Path, name: str, overwrite: bool = False) -> list[str]:
    """Carry one assignment's work from `old` into `new`; returns what was done, as lines."""
    done = []
    old_folder, new_folder = old / EXERCISES / name, new / EXERCISES / name
    released = {p.name for p in (new / RELEASED / name).glob("*.ipynb")}
    for notebook in sorted(released):
        if not _worked_on(old, name, notebook):
            continue
        target = new_folder / notebook
        if _worked_on(new, name, notebook):
            if not overwrite:
                done.append(f"kept {target.relative_to(new)}: already changed here (--overwrite)")
                continue
            shutil.copyfile(target, target.with_name(f"{target.stem}.before-upgrade.ipynb"))
        fresh, answers, added = carry_cells(
            nbformat.read(old_folder / notebook, as_version=4),
            _read(old / RELEASED / name / notebook),
            nbformat.read(new / RELEASED / name / notebook, as_version=4),
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(fresh, target)
        done.append(
            f"carried {answers} answer{'s' * (answers != 1)} and {added} cell"
            f"{'s' * (added != 1)} of your own into {target.relative_to(new)}"
        )
    extras = sorted(p for p in old_folder.rglob("*") if p.is_file()) if old_folder.is_dir() else []
    for extra in extras:
        relative = extra.relative_to(old_folder)
        if extra.name in released or extra.name.endswith(BACKUPS):
            continue
        if {".ipynb_checkpoints", "__pycache__"} & set(relative.parts):
            continue
        target = new_folder / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(extra, target)
            done.append(f"copied {target.relative_to(new)}")
    return done


def _to_write(old: Path, new: Path) -> list[Path]:
    """The new edition's notebooks an upgrade may rewrite."""
    return [
        new / EXERCISES / name / p.name
        for name in assignments(new)
        for p in (new / RELEASED / name).glob("*.ipynb")
        if _worked_on(old, name, p.name)
    ]


def upgrade(old: Path, new: Path, overwrite: bool = False, force: bool = False) -> list[str]:
    """Carry every assignment's work from the edition `old` into the edition `new`."""
    old, new = Path(old).resolve(), Path(new).resolve()
    if old == new:
        raise EditionError("name the OLD edition's folder; this command runs in the new one")
    if not (old / EXERCISES).is_dir():
        raise EditionError(f"{old} is not a student edition: it has no `{EXERCISES}/` folder")
    if not force:
        refuse_if_open(new, _to_write(old, new), "the upgrade")
    done = []
    old_id, new_id = old / ID_FILE, new / ID_FILE
    if old_id.is_file() and not new_id.is_file():
        shutil.copyfile(old_id, new_id)
        done.append(f"carried your student id ({ID_FILE})")
    for name in assignments(new):
        done.extend(carry_assignment(old, new, name, overwrite))
    return done or ["nothing to carry: no exercise of the old edition was changed"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnbook.upgrade",
        description="Carry your answers from an older student edition into this one.",
    )
    parser.add_argument("old", type=Path, help="the older edition's folder")
    parser.add_argument("--overwrite", action="store_true", help="also replace started exercises")
    parser.add_argument(
        "--force", action="store_true", help="even if JupyterLab has a notebook open"
    )
    args = parser.parse_args(argv)
    return print_or_explain(lambda: upgrade(args.old, edition_root(), args.overwrite, args.force))


if __name__ == "__main__":
    sys.exit(main())
