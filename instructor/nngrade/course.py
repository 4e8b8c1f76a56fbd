"""The course: one object carrying the settings that every step reads, and its assignments.

A course directory holds `nbgrader_config.py`, the masters in `solutions/<a>/<a>.ipynb` (built
from `<a>.py` when that percent source exists) and, once used, `exercises/`, `submitted/`,
`autograded/`, `feedback/`, the gradebook and `reports/<a>.json` (the instructor's report).

`Course.open` builds the one :class:`Course` of a command from the command line: the gradebook
URL, the roster, the LMS, the LMS's time zone and its gradebook export (saved in `nngrade.json`,
`nngrade.settings`). The course reads its nbgrader configuration once; every function here and
in the other modules takes that `Course`. Releasing is `nngrade.release`.

nbgrader's apps exit 0 even when a step fails, so every step here checks nbgrader's result and
raises `CourseError` with nbgrader's log instead.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.exc import SAWarning
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from nnbook.kernels import use_local_sockets

from .settings import DB_URL_ENV, apply_settings, read_settings, save_settings

CONFIG_FILE = "nbgrader_config.py"
ROSTER_FILE = "roster.csv"
ALL = "all"


class CourseError(RuntimeError):
    """A step cannot go on; the message says what is wrong (and carries nbgrader's log)."""


class UnknownAssignment(CourseError):
    """A name that is not one of the course's assignments."""


# ---------------------------------------------------------------------------------------------
# The course object
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Course:
    """A course directory and the settings every step shares."""

    root: Path
    db_url: str | None = None  # None: nbgrader_config.py's own (default: sqlite gradebook.db)
    roster_path: Path | None = None
    lms: str | None = None  # given with --lms/LMS=; None: detected from each download
    detected_lms: str | None = None  # what the last collected download was detected as
    timezone: str | None = None  # IANA zone of the LMS's local times (--timezone); None: UTC
    lms_gradebook: Path | None = None  # the LMS's gradebook export: its column ids (--gradebook)

    @classmethod
    def open(
        cls,
        root: str | Path = ".",
        *,
        db_url: str | None = None,
        roster: str | Path | None = None,
        lms: str | None = None,
        timezone: str | None = None,
        lms_gradebook: str | Path | None = None,
    ) -> Course:
        """The course at `root`; settings given here (or in the environment) are saved."""
        root = Path(root).resolve()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(f"{root} is not a course directory: it has no {CONFIG_FILE}")
        db_url = db_url or os.environ.get(DB_URL_ENV)
        changes = {"db_url": db_url, "lms": lms, "timezone": timezone}
        if roster:
            changes["roster"] = str(Path(roster).resolve())
        if lms_gradebook:
            changes["lms_gradebook"] = str(Path(lms_gradebook).resolve())
        changes = {key: value for key, value in changes.items() if value}
        if changes:
            save_settings(root, changes)
        settings = read_settings(root)
        roster_path = settings.get("roster")
        if not roster_path and (root / ROSTER_FILE).is_file():
            roster_path = root / ROSTER_FILE
        return cls(
            root=root,
            db_url=settings.get("db_url"),
            roster_path=Path(roster_path) if roster_path else None,
            lms=settings.get("lms"),
            detected_lms=settings.get("detected_lms"),
            timezone=settings.get("timezone"),
            lms_gradebook=Path(gradebook) if (gradebook := settings.get("lms_gradebook")) else None,
        )

    @property
    def downloads_lms(self) -> str | None:
        """The LMS the submissions came from: as given, else as the last download was detected
        (how export and feedback name things for it)."""
        return self.lms or self.detected_lms

    def remember_detected_lms(self, lms: str) -> None:
        """Keep what a download was detected as, for export and feedback; a later download is
        detected again (only an LMS given with --lms is forced)."""
        save_settings(self.root, {"detected_lms": lms})

    @cached_property
    def _config(self) -> Config:
        """`nbgrader_config.py`, read once per course object."""
        config = PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()
        config.CourseDirectory.root = str(self.root)
        if self.db_url:
            config.CourseDirectory.db_url = self.db_url
        # whatever the course's file says, feedback never shows hidden tests (nngrade.feedback)
        from nngrade.feedback import FEEDBACK_PREPROCESSORS

        config.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
        # any nbgrader course, not only this one's file: kernels on local sockets (no port race)
        return use_local_sockets(config)

    def config(self) -> Config:
        """nbgrader's configuration of this course, rooted at `root` whatever the working dir
        (a copy: the caller may change it)."""
        return copy.deepcopy(self._config)

    @cached_property
    def _coursedir(self) -> CourseDirectory:
        return CourseDirectory(config=self.config())

    def api(self, config: Config | None = None) -> NbGraderAPI:
        """nbgrader's API on this course (on `config`, a changed `self.config()`, if given)."""
        _venv_on_path()
        return NbGraderAPI(config=config or self.config())

    def gradebook(self) -> Gradebook:
        return Gradebook(self._coursedir.db_url, self._coursedir.course_id)

    def directory(self, kind: str) -> Path:
        """`submitted`, `autograded`, `feedback`, `release` or `source`, as nbgrader names them."""
        return self.root / getattr(self._coursedir, f"{kind}_directory")

    def roster(self):
        """The roster (nngrade.roster.Roster), or None when the course has none."""
        if self.roster_path is None:
            return None
        from nngrade.roster import load_roster

        return load_roster(self.roster_path)

    def describe(self) -> str:
        url = self.db_url or self._coursedir.db_url
        return f"course {self.root}, gradebook {_hide_password(url)}"


def _hide_password(url: str) -> str:
    head, at, tail = url.rpartition("@")
    if not at or ":" not in head.split("//", 1)[-1]:
        return url
    return f"{head.rsplit(':', 1)[0]}:***@{tail}"


def _venv_on_path() -> None:
    """nbgrader runs `alembic` (and kernels) from PATH: make it this interpreter's bin first."""
    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


@contextlib.contextmanager
def quiet_nbgrader():
    """Silence SQLAlchemy's warnings inside nbgrader (benign, and errors under strict pytest)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        yield


def check(result: dict, what: str) -> dict:
    if not result["success"]:
        raise CourseError(f"{what} failed:\n{result.get('log', '')}\n{result.get('error', '')}")
    return result


# ---------------------------------------------------------------------------------------------
# Assignments
# ---------------------------------------------------------------------------------------------


def source_dir(course: Course) -> Path:
    return course.directory("source")


def is_assignment(folder: Path) -> bool:
    """A folder of the source directory is an assignment when it holds a notebook (any name, one
    or several), or this course's percent source `<name>.py` of one; a folder of shared code
    (`solutions/_shared/`) is not."""
    return folder.is_dir() and (
        any(folder.glob("*.ipynb")) or (folder / f"{folder.name}.py").is_file()
    )


def assignments(course: Course) -> list[str]:
    """Every assignment of the course (see `is_assignment`), as nbgrader names them."""
    root = source_dir(course)
    return sorted(d.name for d in root.iterdir() if is_assignment(d))


def released(course: Course) -> list[str]:
    """The assignments students have: those with a folder in the release directory."""
    release = course.directory("release")
    return [name for name in assignments(course) if (release / name).is_dir()]


def select(course: Course, name: str, *, among: list[str] | None = None) -> list[str]:
    """`all`: every released assignment (or every one of `among`); else the one name, checked."""
    known = assignments(course)
    if name == ALL:
        return among if among is not None else released(course)
    if name not in known:
        raise UnknownAssignment(
            f"{name!r} is not an assignment of this course; the assignments are: "
            f"{', '.join(known)} (or {ALL})"
        )
    return [name]


def master_notebooks(course: Course, assignment: str) -> list[str]:
    """The notebook names (without `.ipynb`) that students receive for `assignment`."""
    folder = source_dir(course) / assignment
    return sorted(p.stem for p in folder.glob("*.ipynb"))


def _grade_cells(course: Course, assignment: str) -> dict[str, list[dict]]:
    folder = source_dir(course) / assignment
    cells = {}
    for name in master_notebooks(course, assignment):
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
        cells[name] = [m for m in meta if m.get("grade")]
    return cells


def test_cell_ids(course: Course, assignment: str) -> dict[str, dict[str, float]]:
    """Per notebook, the autograded cells (grade and not solution) and their points."""
    return {
        name: {m["grade_id"]: float(m["points"]) for m in cells if not m["solution"]}
        for name, cells in _grade_cells(course, assignment).items()
    }


def total_points(course: Course, assignment: str) -> float:
    """All the points of `assignment`: autograded tests and answers graded by hand."""
    cells = _grade_cells(course, assignment).values()
    return sum(float(m["points"]) for notebook in cells for m in notebook)


__all__ = [
    "ALL",
    "CONFIG_FILE",
    "Course",
    "CourseError",
    "UnknownAssignment",
    "apply_settings",  # nbgrader_config.py of courses made before nngrade.settings imports it here
    "assignments",
    "check",
    "is_assignment",
    "master_notebooks",
    "quiet_nbgrader",
    "read_settings",
    "released",
    "select",
    "source_dir",
    "test_cell_ids",
    "total_points",
]
