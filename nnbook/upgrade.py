"""Carry your answers from an older student edition into this one.

    python -m nnbook.upgrade ../nn-course-student-old

Run it in the NEW edition's folder, naming the OLD edition's folder. For every exercise you worked
on in the old edition (its notebook differs from the one released with it), the new edition's
notebook becomes the newly released one with your answer cells put back (matched by nbgrader's
cell id), and any other file you added to that exercise's folder is copied over, as is your
student id (``python -m nnbook.student_id``) if the new edition has none. The old folder is
only read. An exercise you already started in the new edition is left alone (reported), unless
you pass ``--overwrite``; the notebook it replaces is then kept as ``<stem>.before-upgrade.ipynb``.
"""

from __future__ import annotations

import argparse
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
)
from nnbook.student_id import ID_FILE


def _answers(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """The source of every answer cell (nbgrader ``solution: true``), by grade id."""
    found = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id"):
            found[meta["grade_id"]] = cell.source
    return found


def _worked_on(edition: Path, name: str, notebook: str) -> bool:
    mine = edition / EXERCISES / name / notebook
    released = edition / RELEASED / name / notebook
    return mine.exists() and (not released.exists() or mine.read_bytes() != released.read_bytes())


def carry_assignment(old: Path, new: Path, name: str, overwrite: bool = False) -> list[str]:
    """Carry one assignment's answers from `old` into `new`; returns what was done, as lines."""
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
        answers = _answers(nbformat.read(old_folder / notebook, as_version=4))
        fresh = nbformat.read(new / RELEASED / name / notebook, as_version=4)
        carried = 0
        for cell in fresh.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
                cell.source = answers[grade_id]
                carried += 1
        nbformat.write(fresh, target)
        done.append(f"carried {carried} answer cell(s) into {target.relative_to(new)}")
    extras = sorted(p for p in old_folder.rglob("*") if p.is_file()) if old_folder.is_dir() else []
    for extra in extras:
        relative = extra.relative_to(old_folder)
        if extra.name in released or ".ipynb_checkpoints" in relative.parts:
            continue
        target = new_folder / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(extra, target)
            done.append(f"copied {target.relative_to(new)}")
    return done


def upgrade(old: Path, new: Path, overwrite: bool = False) -> list[str]:
    """Carry every assignment's answers from the edition `old` into the edition `new`."""
    old, new = Path(old).resolve(), Path(new).resolve()
    if old == new:
        raise EditionError("name the OLD edition's folder; this command runs in the new one")
    if not (old / EXERCISES).is_dir():
        raise EditionError(f"{old} is not a student edition: it has no `{EXERCISES}/` folder")
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
    args = parser.parse_args(argv)
    return print_or_explain(lambda: upgrade(args.old, edition_root(), args.overwrite))


if __name__ == "__main__":
    sys.exit(main())
