"""The course: one object carrying the settings that every step reads, and its assignments.

A course directory holds `nbgrader_config.py`, the masters in `solutions/<a>/<a>.ipynb` (built
from `<a>.py` when that percent source exists) and, once used, `exercises/`, `submitted/`,
`autograded/`, `feedback/`, the gradebook and `reports/<a>.json` (the instructor's report).

`Course.open` builds the one :class:`Course` from the command line: the gradebook URL, the roster,
the LMS, the LMS's time zone and its gradebook export. A setting given once (`--db-url`,
`NNGRADE_DB_URL`, `--roster`, `--lms`, `--timezone`, `--gradebook`) is saved in
`nngrade.json` beside `nbgrader_config.py`, which reads the gradebook URL back from it, so every
later step, `nbgrader` itself and JupyterLab's formgrader read the same gradebook.

nbgrader's apps exit 0 even when a step fails, so every step here checks nbgrader's result and
raises `CourseError` with nbgrader's log instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from sqlalchemy.exc import SAWarning
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from nnbook.kernels import use_local_sockets
from nngrade.authoring import build_master

CONFIG_FILE = "nbgrader_config.py"
SETTINGS_FILE = "nngrade.json"
DB_URL_ENV = "NNGRADE_DB_URL"
ROSTER_FILE = "roster.csv"
ALL = "all"


class CourseError(RuntimeError):
    """A step cannot go on; the message says what is wrong (and carries nbgrader's log)."""


class UnknownAssignment(CourseError):
    """A name that is not one of the course's assignments."""


# ---------------------------------------------------------------------------------------------
# Settings saved beside nbgrader_config.py
# ---------------------------------------------------------------------------------------------


def read_settings(root: Path) -> dict:
    path = Path(root) / SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except ValueError as error:
        raise CourseError(f"{path} is not valid JSON ({error}): fix or delete it") from None


def apply_settings(config, root: Path) -> None:
    """Called by `nbgrader_config.py`: the gradebook URL saved by nngrade, for every nbgrader app
    (formgrader included). The environment variable wins, as it does for nngrade."""
    url = os.environ.get(DB_URL_ENV) or read_settings(root).get("db_url")
    if url:
        config.CourseDirectory.db_url = url
    adapt_formgrader()


def _save_settings(root: Path, changes: dict) -> None:
    settings = read_settings(root)
    if all(settings.get(key) == value for key, value in changes.items()):
        return
    settings.update(changes)
    (Path(root) / SETTINGS_FILE).write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n")


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
            _save_settings(root, changes)
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
        _save_settings(self.root, {"detected_lms": lms})

    def config(self) -> Config:
        """nbgrader's configuration of this course, rooted at `root` whatever the working dir."""
        config = PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()
        config.CourseDirectory.root = str(self.root)
        if self.db_url:
            config.CourseDirectory.db_url = self.db_url
        # whatever the course's file says, feedback never shows hidden tests (nngrade.feedback)
        from nngrade.feedback import FEEDBACK_PREPROCESSORS

        config.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
        # any nbgrader course, not only this one's file: kernels on local sockets (no port race)
        return use_local_sockets(config)

    def api(self) -> NbGraderAPI:
        _venv_on_path()
        return NbGraderAPI(config=self.config())

    def gradebook(self) -> Gradebook:
        coursedir = self.api().coursedir
        return Gradebook(coursedir.db_url, coursedir.course_id)

    def directory(self, kind: str) -> Path:
        """`submitted`, `autograded`, `feedback`, `release` or `source`, as nbgrader names them."""
        return self.root / getattr(self.api().coursedir, f"{kind}_directory")

    def roster(self):
        """The roster (nngrade.roster.Roster), or None when the course has none."""
        if self.roster_path is None:
            return None
        from nngrade.roster import load_roster

        return load_roster(self.roster_path)

    def describe(self) -> str:
        url = self.db_url or self.api().coursedir.db_url
        return f"course {self.root}, gradebook {_hide_password(url)}"


def as_course(course: Course | str | Path) -> Course:
    return course if isinstance(course, Course) else Course.open(course)


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


def source_dir(course: Course | Path) -> Path:
    return as_course(course).directory("source")


def is_assignment(folder: Path) -> bool:
    """A folder of the source directory is an assignment when it holds a notebook (any name, one
    or several), or this course's percent source `<name>.py` of one; a folder of shared code
    (`solutions/_shared/`) is not."""
    return folder.is_dir() and (
        any(folder.glob("*.ipynb")) or (folder / f"{folder.name}.py").is_file()
    )


def assignments(course: Course | Path) -> list[str]:
    """Every assignment of the course (see `is_assignment`), as nbgrader names them."""
    root = source_dir(course)
    return sorted(d.name for d in root.iterdir() if is_assignment(d))


def adapt_formgrader() -> None:
    """What formgrader shows, fixed from the course's `nbgrader_config.py` (which formgrader
    loads, and which calls this through `apply_settings`):

    - nbgrader's `NbGraderAPI.get_source_assignments` lists every folder of the source directory
      as an assignment, `_shared` included: only real ones (`is_assignment`) are listed;
    - a submission's page loads MathJax 2 from a CDN, so offline its maths stays `$...$`: it is
      typeset on the server as the feedback pages are (`nngrade.feedback_pages.typeset`).
    """
    if not getattr(NbGraderAPI.get_source_assignments, "nngrade", False):
        original = NbGraderAPI.get_source_assignments

        def get_source_assignments(self):
            root = Path(self.coursedir.root, self.coursedir.source_directory)
            return {name for name in original(self) if is_assignment(root / name)}

        get_source_assignments.nngrade = True
        NbGraderAPI.get_source_assignments = get_source_assignments
    handlers = sys.modules.get("nbgrader.server_extensions.formgrader.handlers")
    if handlers is not None and not getattr(handlers.SubmissionHandler, "nngrade", False):
        handlers.SubmissionHandler.exporter = property(
            lambda handler: TypesetPages(handler.settings["nbgrader_exporter"])
        )
        handlers.SubmissionHandler.nngrade = True


class TypesetPages:
    """An nbconvert exporter whose pages come out with their maths typeset (formgrader's)."""

    def __init__(self, exporter) -> None:
        self.exporter = exporter

    def from_filename(self, filename, resources=None, **kw):
        from nngrade.feedback_pages import typeset

        page, resources = self.exporter.from_filename(filename, resources=resources, **kw)
        return typeset({Path(filename): page})[Path(filename)], resources

    def __getattr__(self, name):
        return getattr(self.exporter, name)


def released(course: Course | Path) -> list[str]:
    """The assignments students have: those with a folder in the release directory."""
    release = as_course(course).directory("release")
    return [name for name in assignments(course) if (release / name).is_dir()]


def select(course: Course | Path, name: str, *, among: list[str] | None = None) -> list[str]:
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


def master_notebooks(course: Course | Path, assignment: str) -> list[str]:
    """The notebook names (without `.ipynb`) that students receive for `assignment`."""
    folder = source_dir(course) / assignment
    return sorted(p.stem for p in folder.glob("*.ipynb"))


def _grade_cells(course: Course | Path, assignment: str) -> dict[str, list[dict]]:
    folder = source_dir(course) / assignment
    cells = {}
    for name in master_notebooks(course, assignment):
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
        cells[name] = [m for m in meta if m.get("grade")]
    return cells


def test_cell_ids(course: Course | Path, assignment: str) -> dict[str, dict[str, float]]:
    """Per notebook, the autograded cells (grade and not solution) and their points."""
    return {
        name: {m["grade_id"]: float(m["points"]) for m in cells if not m["solution"]}
        for name, cells in _grade_cells(course, assignment).items()
    }


def total_points(course: Course | Path, assignment: str) -> float:
    """All the points of `assignment`: autograded tests and answers graded by hand."""
    cells = _grade_cells(course, assignment).values()
    return sum(float(m["points"]) for notebook in cells for m in notebook)


def copy_course(course: Course | Path, dest: Path) -> Path:
    """A fresh course at `dest` with the same configuration and masters (nothing graded)."""
    course = as_course(course)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(course.root / CONFIG_FILE, dest / CONFIG_FILE)
    shutil.copytree(source_dir(course), dest / source_dir(course).relative_to(course.root))
    return dest


# ---------------------------------------------------------------------------------------------
# Release
# ---------------------------------------------------------------------------------------------


def build_masters(course: Course | Path, assignment: str = ALL) -> list[Path]:
    """Rebuild each master notebook from its percent source, where there is one."""
    built = []
    names = assignments(course) if assignment == ALL else select(course, assignment)
    for name in names:
        source = source_dir(course) / name / f"{name}.py"
        if source.exists():
            built.append(build_master(source))
    return built


def release(course: Course | Path, assignment: str = ALL) -> list[Path]:
    """Regenerate `exercises/<a>/` from `solutions/<a>/` and record the masters in the gradebook.

    `all` here means every assignment of `solutions/`. This is also what prepares a course for
    grading: autograde restores test cells from the gradebook copy made here.
    """
    course = as_course(course)
    names = assignments(course) if assignment == ALL else select(course, assignment)
    build_masters(course, assignment)
    api = course.api()
    released_files = []
    for name in names:
        with quiet_nbgrader():
            outcome = api.generate_assignment(name, force=True, create=True)
        check(outcome, f"releasing {name}")
        released_files.extend(sorted((course.directory("release") / name).glob("*.ipynb")))
    return released_files


def release_differences(course: Course | Path, fresh: Course | Path, assignment: str) -> list[str]:
    """How `course`'s `exercises/<assignment>/` differs from the release made in `fresh`."""
    ours = as_course(course).directory("release") / assignment
    theirs = as_course(fresh).directory("release") / assignment

    def files(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

    mine, made = files(ours) if ours.is_dir() else set(), files(theirs)
    problems = [f"{name} is missing" for name in sorted(made - mine)]
    problems += [f"{name} is not made from solutions/" for name in sorted(mine - made)]
    problems += [
        f"{name} is stale"
        for name in sorted(mine & made)
        if (ours / name).read_bytes() != (theirs / name).read_bytes()
    ]
    return problems


def stale_releases(course: Course | Path, workdir: Path) -> dict[str, list[str]]:
    """Per assignment whose `exercises/` is not what `make release` would make from `solutions/`
    now, what differs. The release is made in a copy of the course under `workdir`."""
    fresh = copy_course(course, Path(workdir) / "fresh-release")
    release(fresh, ALL)
    found = {name: release_differences(course, fresh, name) for name in assignments(course)}
    return {name: problems for name, problems in found.items() if problems}


def is_released(course: Course | Path, assignment: str) -> bool:
    """Whether the gradebook holds `assignment`'s notebooks (so autograde can restore its tests;
    `nbgrader db assignment add`, which sets a due date, records the assignment without them)."""
    with quiet_nbgrader(), as_course(course).gradebook() as gb:
        try:
            return bool(gb.find_assignment(assignment).notebooks)
        except MissingEntry:
            return False


def ensure_in_gradebook(course: Course | Path, assignment: str) -> None:
    """Record `assignment` in the gradebook if it is not there yet (a fresh database)."""
    if not is_released(course, assignment):
        release(course, assignment)


__all__ = [
    "ALL",
    "Course",
    "CourseError",
    "UnknownAssignment",
    "apply_settings",
    "as_course",
    "assignments",
    "build_masters",
    "copy_course",
    "ensure_in_gradebook",
    "adapt_formgrader",
    "is_assignment",
    "is_released",
    "master_notebooks",
    "release",
    "release_differences",
    "released",
    "select",
    "source_dir",
    "stale_releases",
    "test_cell_ids",
    "total_points",
]
