"""The settings nngrade saves beside `nbgrader_config.py` (`nngrade.json`).

A setting given once (`--db-url`, `NNGRADE_DB_URL`, `--roster`, `--lms`, `--timezone`,
`--gradebook`) is saved here; `nbgrader_config.py` reads the gradebook URL back through
`apply_settings`, so every later step, `nbgrader` itself and JupyterLab's formgrader read the
same gradebook.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SETTINGS_FILE = "nngrade.json"
DB_URL_ENV = "NNGRADE_DB_URL"


def read_settings(root: Path) -> dict:
    path = Path(root) / SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except ValueError as error:
        from .course import CourseError

        raise CourseError(f"{path} is not valid JSON ({error}): fix or delete it") from None


def save_settings(root: Path, changes: dict) -> None:
    """Merge `changes` into the saved settings (the file is left alone when nothing changes)."""
    settings = read_settings(root)
    if all(settings.get(key) == value for key, value in changes.items()):
        return
    settings.update(changes)
    (Path(root) / SETTINGS_FILE).write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n")


def apply_settings(config, root: Path) -> None:
    """Called by `nbgrader_config.py`: the gradebook URL saved by nngrade, for every nbgrader app
    (formgrader included). The environment variable wins, as it does for nngrade."""
    from .formgrader import adapt_formgrader

    url = os.environ.get(DB_URL_ENV) or read_settings(root).get("db_url")
    if url:
        config.CourseDirectory.db_url = url
    adapt_formgrader()
