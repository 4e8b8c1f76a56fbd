"""Check an exercise from a terminal, as the Validate button does, with an exit status.

    python -m nnbook.validate exercises/02_backprop/02_backprop.ipynb

It runs nbgrader's own validator (a copy of the notebook, top to bottom, in a fresh kernel, with
the edition's settings), then prints, for every test cell that fails, the whole message first (what
was expected, what was received, on which input) and the test cell's code after it. Unlike
``nbgrader validate``, which cuts every line at 90 characters and exits 0 whatever happened, it
exits 1 when a test fails (or a test cell was changed), so scripts and editors can rely on it.

A test cell that writes to stderr (a warning, for example) counts as failed, as it does when the
notebooks are graded: its output is shown as its message.

Exit status: 0 every test passes; 1 a test fails or a test cell changed; 2 the notebook could not
be validated (not found, not an exercise, or nbgrader failed; the message says why).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

RULE = "=" * 80
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi(text: str) -> str:
    """`text` without its terminal colours (when the output goes to a file or a pipe)."""
    return ANSI.sub("", text)


def _indented(text: str, margin: str = "    ") -> str:
    return "\n".join(margin + line if line else "" for line in text.strip("\n").split("\n"))


def report(name: str, results: dict) -> tuple[str, bool]:
    """The text to print for nbgrader's validation `results` of `name`, and whether it passed."""
    if results.get("type_changed"):
        cells = results["type_changed"]
        head = (
            f"{name}: the type of {len(cells)} cell(s) changed (a code cell made markdown, or the "
            "reverse). Change them back: the grader would not run them as they are now."
        )
        body = [
            f"{RULE}\nwas {c['old_type']}, is now {c['new_type']}:\n{_indented(c['source'])}"
            for c in cells
        ]
        return "\n".join([head, *body]), False
    if results.get("changed"):
        cells = results["changed"]
        head = (
            f"{name}: {len(cells)} test cell(s) changed. Test cells must stay as they were "
            "released (the grader puts the originals back): undo your changes there, or take "
            "them from a fresh copy (python -m nnbook.reset, which keeps your notebook aside)."
        )
        body = [f"{RULE}\n{_indented(c['source'])}" for c in cells]
        return "\n".join([head, *body]), False
    if results.get("failed"):
        cells = results["failed"]
        head = (
            f"{name}: {len(cells)} test cell(s) FAILED. "
            "Handed in as it is, it will not get full marks."
        )
        body = [
            f"{RULE}\n{cell['raw_error'].strip()}\n\nin the test cell:\n{_indented(cell['source'])}"
            for cell in cells
        ]
        return "\n".join([head, *body]), False
    return f"{name}: success, every test passes.", True


def validate(notebook: Path) -> dict:
    """nbgrader's validation results for `notebook`, with the settings `nbgrader validate` uses
    (the edition's nbgrader_config.py, then one in the working folder)."""
    from nbgrader.apps.validateapp import ValidateApp
    from nbgrader.validator import Validator

    app = ValidateApp()
    app.initialize([])
    app.log.setLevel(logging.WARNING)
    return Validator(parent=app).validate(str(notebook))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnbook.validate",
        description="Run an exercise's visible tests as the grader does; exit 1 if one fails.",
    )
    parser.add_argument("notebook", type=Path, nargs="+", help="the exercise's .ipynb file")
    args = parser.parse_args(argv)
    status = 0
    for notebook in args.notebook:
        if not notebook.is_file():
            print(f"error: {notebook}: no such notebook", file=sys.stderr)
            status = max(status, 2)
            continue
        try:
            results = validate(notebook)
        except Exception as error:  # noqa: BLE001 (nbgrader's own errors: say them, exit 2)
            print(f"error: {notebook}: could not be validated: {error}", file=sys.stderr)
            status = max(status, 2)
            continue
        text, passed = report(str(notebook), results)
        print(text if sys.stdout.isatty() else strip_ansi(text))
        status = max(status, 0 if passed else 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
