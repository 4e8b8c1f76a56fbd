"""Put one exercise of the student edition back to its released state.

    python -m nnbook.reset 04_optimizers

The student edition keeps a read-only copy of every released exercise in ``.released/``; this
command copies that assignment's files back over ``exercises/<assignment>/`` and touches no other
assignment. The notebook you had is kept beside it as ``<name>.before-reset.ipynb``, so a reset
by mistake loses nothing. Run it from the edition's folder (or anywhere: the edition is found from
the folder nnbook is installed from).

If the notebook is open in JupyterLab, nothing is done: the tab would keep the old answers and
saving it would undo the reset. The message says to close the tab first (``--force`` skips this
check).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

RELEASED = ".released"
EXERCISES = "exercises"


class EditionError(RuntimeError):
    """What the student asked for cannot be done in this edition; the message says what to do."""


def edition_root() -> Path:
    """The student edition's folder: the working directory, else where nnbook is installed from."""
    for root in (Path.cwd(), Path(__file__).resolve().parent.parent):
        if (root / RELEASED).is_dir():
            return root
    raise EditionError(
        "no released exercises found: this command works in the student edition, the folder "
        f"that holds `{RELEASED}/` and `{EXERCISES}/` (run it from there)"
    )


def assignments(root: Path) -> list[str]:
    """The assignments released with this edition, in order."""
    return sorted(d.name for d in (root / RELEASED).iterdir() if d.is_dir())


def check_assignment(root: Path, name: str) -> str:
    known = assignments(root)
    if name not in known:
        raise EditionError(
            f"no assignment {name!r} in this edition; the assignments are: {', '.join(known)}"
        )
    return name


def refuse_if_open(root: Path, notebooks: list[Path], doing: str) -> None:
    """Raise EditionError if one of `notebooks` is open in a running JupyterLab."""
    from nnbook.running import refusal

    reason = refusal(notebooks, root, doing)
    if reason:
        raise EditionError(reason)


def reset(root: Path, name: str, force: bool = False) -> list[Path]:
    """Copy the released files of `name` over `exercises/<name>/`; the notebooks replaced are
    kept as ``<stem>.before-reset.ipynb``. Returns the files written. Refused while one of those
    notebooks is open in JupyterLab, unless `force`."""
    check_assignment(root, name)
    source, target = root / RELEASED / name, root / EXERCISES / name
    if not force:
        notebooks = [target / p.relative_to(source) for p in source.rglob("*.ipynb")]
        refuse_if_open(root, notebooks, f"resetting {name}")
    written = []
    for released in sorted(p for p in source.rglob("*") if p.is_file()):
        path = target / released.relative_to(source)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb" and path.exists() and path.read_bytes() != released.read_bytes():
            shutil.copyfile(path, path.with_name(f"{path.stem}.before-reset.ipynb"))
        shutil.copyfile(released, path)
        path.chmod(0o644)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnbook.reset",
        description="Put one exercise back to its released state (the others are not touched).",
    )
    parser.add_argument("assignment", help="for example 04_optimizers")
    parser.add_argument(
        "--force", action="store_true", help="even if JupyterLab has the notebook open"
    )
    args = parser.parse_args(argv)

    def lines():
        root = edition_root()
        written = reset(root, args.assignment, args.force)
        return [f"reset {path.relative_to(root)}" for path in written]

    return print_or_explain(lines)


def print_or_explain(lines) -> int:
    """Print what `lines()` returns (exit 0), or the EditionError's message alone (exit 2)."""
    try:
        print("\n".join(lines()))
    except EditionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
