"""nbgrader's own autograde with the execution moved into the sandbox, graded in parallel.

Each submission goes through nbgrader's ``Autograde`` converter (so timestamps, late penalties,
missing notebooks, the overwriting of locked cells and ``SaveAutoGrades`` are nbgrader's), with
its ``Execute`` step replaced by :class:`SandboxedExecute`. Only the trusted side touches the
gradebook: a submission's thread holds the gradebook lock for everything except the sandboxed
execution, so gradebook writes are serialized (SQLite-safe) while executions overlap. The
execution itself is a call to :func:`nngrade.sandbox.execute_job` on a *backend*: here
(:class:`LocalBackend`), through any ``concurrent.futures``-style executor
(:class:`ExecutorBackend`), or on a Dask cluster (:class:`DaskBackend`). Isolation is probed where
the backend runs the executions: here, or on every Dask worker.

Each submission's grading carries its own :class:`SubmissionGrading` (its student, its backend,
the gradebook lock, what it collects), handed to :class:`SandboxedExecute` by the converter: no
state is shared between the threads grading several submissions at once.

Every graded test cell that did not run gets an error output carrying the reason, so nbgrader
scores it zero (``nbgrader.utils.determine_grade``: a code grade cell with an error output earns
0), and the reason also heads the autograded notebook, hence the feedback.

Files the notebook wrote beside itself come back from the sandbox (size-capped, see
:func:`nngrade.sandbox.written_files`) and are kept in ``autograded/``, as nbgrader keeps them.
With ``tamper="zero"``, every test cell that runs after a cell flagged by :mod:`nngrade.tamper`
scores zero, with the flag as the reason; by default the flags are only reported.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde, BaseConverter
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    Execute,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)
from nbgrader.utils import capture_log, is_grade, is_solution
from traitlets.config import Config

from . import handgrades
from .course import Course, CourseError
from .sandbox import Limits, execute_job, isolation_problem
from .tamper import TAMPER_ACTIONS, flagged_cells

NOTE_TAG = "nngrade-grading-note"
# beside the notebook in its sandbox: the roster's student id, read by solutions/_shared/variants.py
GRADER_ID_FILE = ".nngrade-student-id"


class GradingRefused(CourseError):
    """Isolation is unavailable and ``--unsafe`` was not given."""


@dataclass
class Outcome:
    """How one submission was graded."""

    student: str
    score: float | None = None
    max_score: float | None = None
    reasons: list[str] = field(default_factory=list)
    error: str = ""
    review: list[str] = field(default_factory=list)  # lines to look at (nngrade.tamper)


# ---------------------------------------------------------------------------------------------
# Backends: where the executions run, and where isolation is probed
# ---------------------------------------------------------------------------------------------


class Backend(Protocol):
    """Runs one execution job (:func:`nngrade.sandbox.execute_job`) and probes isolation where
    it runs them."""

    unsafe: bool  # run without isolation (``--unsafe``): no probe

    def run(self, job: dict) -> dict: ...

    def isolation_problems(self) -> dict[str, str]: ...


@dataclass
class LocalBackend:
    """Executions in this process (each in its sandbox); isolation probed on this machine."""

    limits: Limits = field(default_factory=Limits)
    unsafe: bool = False

    def job(self, job: dict) -> dict:
        return {**job, "limits": asdict(self.limits), "unsafe": self.unsafe}

    def run(self, job: dict) -> dict:
        return execute_job(self.job(job))

    def isolation_problems(self) -> dict[str, str]:
        problem = isolation_problem()
        return {"this machine": problem} if problem else {}


@dataclass
class ExecutorBackend(LocalBackend):
    """Executions through ``executor`` (``submit(execute_job, job)``). An executor of this
    process's threads runs them here, so isolation is probed here; for a cluster, see
    :class:`DaskBackend`."""

    executor: Executor | None = None

    def run(self, job: dict) -> dict:
        return self.executor.submit(execute_job, self.job(job)).result()


@dataclass
class DaskBackend(ExecutorBackend):
    """Executions on a Dask cluster; isolation probed on every one of its workers."""

    client: Any = None

    @classmethod
    def connect(cls, client, limits: Limits, unsafe: bool) -> DaskBackend:
        return cls(limits, unsafe, executor=client.get_executor(), client=client)

    def isolation_problems(self) -> dict[str, str]:
        return {w: p for w, p in self.client.run(isolation_problem).items() if p}


# ---------------------------------------------------------------------------------------------
# One submission
# ---------------------------------------------------------------------------------------------


@dataclass
class SubmissionGrading:
    """What grading one submission needs and what it collects; the converter hands it to
    :class:`SandboxedExecute`."""

    student: str
    backend: Backend
    lock: GradebookLock
    tamper: str = "report"
    reasons: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # lines to look at (nngrade.tamper)

    def execute(self, job: dict) -> dict:
        """Run ``job`` on the backend, the gradebook lock released meanwhile."""
        with self.lock.released():
            return self.backend.run(job)


class SandboxedExecute(Execute):
    """nbgrader's Execute step, but the notebook runs in the sandbox on the grading's backend."""

    grading: SubmissionGrading | None = None  # set by SafeAutograde for each submission

    def preprocess(self, nb, resources):
        grading = self.grading
        malformed = nb.metadata.get("nngrade", {}).get("malformed")
        if malformed:
            result = {"cells": {}, "status": "malformed", "reason": malformed}
        else:
            flags = flagged_cells(nb)
            grading.review.extend(flag for cell in flags.values() for flag in cell)
            files = {**_private_files(resources), GRADER_ID_FILE: grading.student.encode()}
            job = {"notebook": nbformat.writes(nb), "files": files}
            result = grading.execute(job)
            keep_written_files(Path(resources["metadata"]["path"]), result.get("files", {}))
            if grading.tamper == "zero" and flags:
                result = zero_after_flags(nb, result, flags)
                grading.reasons.append(result["zeroed_reason"])
        apply_result(nb, result)
        if result["reason"]:
            grading.reasons.append(result["reason"])
        return nb, resources


def keep_written_files(folder: Path, files: dict[str, str]) -> None:
    """Write back what the notebook wrote beside itself (never a notebook, never outside)."""
    for relative, encoded in files.items():
        target = (folder / relative).resolve()
        if folder.resolve() not in target.parents or target.suffix == ".ipynb":
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(encoded))


def zero_after_flags(nb, result: dict, flags: dict[int, list[str]]) -> dict:
    """Every graded test cell after the first flagged cell did not count: it earns zero."""
    first = min(flags)
    reason = f"zeroed by the tamper check ({flags[first][0].removeprefix('review: ')})"
    cells = {
        index: cell
        for index, cell in result["cells"].items()
        if int(index) < first or not _is_test(nb.cells[int(index)])
    }
    return {**result, "cells": cells, "zeroed_reason": reason}


def _private_files(resources) -> dict[str, bytes]:
    """The submission's own files, without notebooks (they hold the hidden tests)."""
    root = Path(resources["metadata"]["path"])
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix != ".ipynb":
            files[str(path.relative_to(root))] = path.read_bytes()
    return files


def _is_test(cell) -> bool:
    return is_grade(cell) and not is_solution(cell)


def apply_result(nb, result: dict) -> None:
    """Put the reported outputs in place; every graded test cell that did not run fails."""
    cells = {int(index): cell for index, cell in result["cells"].items()}
    reason = result.get("zeroed_reason") or result["reason"] or "the cell did not run"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if index in cells:
            cell.outputs = [nbformat.from_dict(o) for o in cells[index]["outputs"]]
            cell.execution_count = cells[index]["execution_count"]
        elif is_grade(cell) and not is_solution(cell):
            cell.outputs = [not_run_output(reason)]
    if result["status"] != "ok" or result.get("zeroed_reason"):
        nb.metadata["nngrade"] = {"status": result["status"], "reason": reason}
        note = nbformat.v4.new_markdown_cell(
            f"**Grading note:** {reason}. Parts that did not run earn no points.",
            metadata={"tags": [NOTE_TAG]},
        )
        nb.cells.insert(0, note)


def not_run_output(reason: str):
    return nbformat.v4.new_output(
        "error", ename="NotGraded", evalue=reason, traceback=[f"NotGraded: {reason}"]
    )


class SafeAutograde(Autograde):
    """``nbgrader autograde`` with sandboxed execution and malformed notebooks graded zero."""

    def __init__(self, grading: SubmissionGrading, **kwargs) -> None:
        self.grading = grading
        super().__init__(**kwargs)

    def _init_preprocessors(self) -> None:
        if not self._sanitizing:
            self.autograde_preprocessors = [
                SandboxedExecute,
                IgnorePattern,
                LimitOutput,
                SaveAutoGrades,
                AssignLatePenalties,
                CheckCellMetadata,
            ]
        super()._init_preprocessors()
        for preprocessor in self.exporter._preprocessors:
            if isinstance(preprocessor, SandboxedExecute):
                preprocessor.grading = self.grading

    def convert_single_notebook(self, notebook_filename: str) -> None:
        """Autograde's two passes, without its process-wide ``setenv`` (unsafe in threads:
        the sandbox sets ``NBGRADER_EXECUTION`` for the kernel instead)."""
        self._sanitizing = True
        self._init_preprocessors()
        problem = _notebook_problem(notebook_filename)
        if problem:
            self._write_substitute(notebook_filename, problem)
        else:
            BaseConverter.convert_single_notebook(self, notebook_filename)
        sanitized = os.path.join(self.writer.build_directory, os.path.basename(notebook_filename))
        self._sanitizing = False
        self._init_preprocessors()
        try:
            BaseConverter.convert_single_notebook(self, sanitized)
        finally:
            self._sanitizing = True

    def _write_substitute(self, notebook_filename: str, problem: str) -> None:
        """An unreadable notebook is graded as the blank release version that never runs."""
        resources = self.init_single_notebook_resources(notebook_filename)
        resources["metadata"] = {"name": resources["unique_key"]}
        resources["metadata"]["path"] = os.path.dirname(notebook_filename)
        source = self.coursedir.format_path(
            self.coursedir.source_directory, ".", resources["nbgrader"]["assignment"]
        )
        nb = nbformat.read(Path(source, os.path.basename(notebook_filename)), as_version=4)
        for cell in nb.cells:
            if is_solution(cell):
                cell.source = ""
        nb.metadata["nngrade"] = {"malformed": f"the submitted notebook is unreadable ({problem})"}
        output, resources = self.exporter.from_notebook_node(nb, resources=resources)
        self.write_single_notebook(output, resources)


def _notebook_problem(path: str) -> str:
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # any reason not to trust the file is a reason to grade it zero
        return f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
    return ""


def students_to_grade(
    course: Course, assignment: str, regrade: bool = False, student: str | None = None
) -> list[str]:
    """Submitted students not graded since they handed in (all of them with ``regrade``), and
    those whose grading was interrupted (:func:`interrupted_students`); with ``student``, that
    one student only. Collect drops the autograded copy of a submission that changed and never
    touches one that did not, so an unchanged batch has nothing to grade."""
    submitted, graded = course.directory("submitted"), course.directory("autograded")
    students = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    pending = [s for s in students if regrade or not (graded / s / assignment).is_dir()]
    # what an interrupted run left half graded is graded again
    pending = sorted(set(pending) | set(interrupted_students(course, assignment)))
    return [s for s in pending if student in (None, s)]


class GradebookLock:
    """One writer at a time; released while a submission executes in its sandbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self):
        self._lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()


@dataclass
class Batch:
    """One assignment's grading run, shared by the threads grading its submissions: nbgrader's
    configuration of the course (read once), the backend, the gradebook lock."""

    course: Course
    assignment: str
    backend: Backend
    tamper: str = "report"
    config: Config = field(init=False)
    lock: GradebookLock = field(default_factory=GradebookLock)

    def __post_init__(self) -> None:
        self.config = self.course.config()


def grade_submission(batch: Batch, student: str) -> Outcome:
    """Autograde one student's submission into the gradebook (holding the batch's lock to
    write, releasing it while the notebook executes)."""
    grading = SubmissionGrading(student, batch.backend, batch.lock, batch.tamper)
    outcome = Outcome(student)
    with batch.lock, _in_progress(batch.course, batch.assignment, student):
        coursedir = CourseDirectory(config=batch.config)
        coursedir.assignment_id, coursedir.student_id = batch.assignment, student
        converter = SafeAutograde(grading, coursedir=coursedir, config=batch.config)
        converter.force, converter.create_student = True, True
        converter.log.setLevel(logging.ERROR)
        result = capture_log(converter)
        if not result["success"]:
            outcome.error = result.get("log", "") + result.get("error", "")
        with (
            Gradebook(coursedir.db_url, coursedir.course_id) as gb,
            contextlib.suppress(MissingEntry),
        ):
            submission = gb.find_submission(batch.assignment, student)
            outcome.score, outcome.max_score = submission.score, submission.max_score
    outcome.reasons = list(grading.reasons)
    outcome.review = list(dict.fromkeys(grading.review))
    return outcome


def _in_progress_marker(course: Course, assignment: str, student: str) -> Path:
    return course.root / ".nngrade" / "in-progress" / assignment / student


@contextlib.contextmanager
def _in_progress(course: Course, assignment: str, student: str) -> Iterator[None]:
    """Mark ``student`` as being graded until the grading ends, however it ends in this
    process: a grader killed mid-batch leaves the mark, and the next run grades them again
    (nbgrader has by then made their ``autograded/`` folder, without the grades)."""
    marker = _in_progress_marker(course, assignment, student)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    try:
        yield
    finally:
        marker.unlink(missing_ok=True)


def interrupted_students(course: Course, assignment: str) -> list[str]:
    """Students whose grading was interrupted (the grader killed while it ran)."""
    folder = _in_progress_marker(course, assignment, "-").parent
    return sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []


_engines_lock = threading.Lock()
_engines_users = 0


@contextlib.contextmanager
def shared_gradebook_engines() -> Iterator[None]:
    """One SQLAlchemy engine per gradebook for the whole batch. nbgrader opens the gradebook
    about ten times per submission, each time with a new engine whose statement cache starts
    empty, so most of its bookkeeping was compiling the same SQL again. Gradebooks are only
    used under :class:`GradebookLock`, one at a time, so sharing the engine is safe."""
    global _engines_users
    from nbgrader import api

    with _engines_lock:
        if _engines_users == 0:
            original, engines = api.create_engine, {}

            def create_engine(url, **kwargs):
                key = (str(url), tuple(sorted(kwargs.items())))
                with _engines_lock:
                    if key not in engines:
                        engines[key] = original(url, **kwargs)
                        _batch_journal(engines[key], "WAL")
                    return engines[key]

            create_engine.original, create_engine.engines = original, engines
            api.create_engine = create_engine
        _engines_users += 1
    try:
        yield
    finally:
        with _engines_lock:
            _engines_users -= 1
            if _engines_users == 0:
                shared = api.create_engine
                api.create_engine = shared.original
                for engine in shared.engines.values():
                    _batch_journal(engine, "DELETE")
                    engine.dispose()


def _batch_journal(engine, mode: str) -> None:
    """SQLite's write-ahead log for the batch ("WAL"), the rollback journal again after it
    ("DELETE", SQLite's default, which network file systems need). nbgrader commits once per
    graded cell, and a commit with the rollback journal waits for the disk twice (28 ms each
    measured); with the log it waits for neither. A killed grader loses no commit either way,
    and a power cut can lose the last commits (regraded then) but not corrupt the gradebook."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    from sqlalchemy import event

    def pragmas(connection, _record) -> None:
        connection.execute("PRAGMA synchronous=NORMAL")

    if mode == "WAL":
        event.listen(engine, "connect", pragmas)
    with contextlib.suppress(Exception), engine.connect() as connection:  # locked: left as is
        connection.exec_driver_sql(f"PRAGMA journal_mode={mode}")


def grade_assignment(
    course: Course | str | Path,
    assignment: str,
    workers: int = 1,
    *,
    limits: Limits | None = None,
    unsafe: bool = False,
    executor: Executor | None = None,
    backend: Backend | None = None,
    students: list[str] | None = None,
    progress: Callable[[Outcome], None] | None = None,
    regrade: bool = False,
    tamper: str = "report",
    student: str | None = None,
) -> list[Outcome]:
    """Grade the submissions of ``assignment`` not graded yet (all with ``regrade``; only
    ``student``'s with ``student``; exactly ``students`` when the caller has worked them out
    with :func:`students_to_grade`), ``workers`` submissions at once; hand-entered grades are
    kept where the answer did not change (:mod:`nngrade.handgrades`).

    The executions run on ``backend``; without one, on ``executor`` (an executor of this
    process), else here, with ``limits``. Unless ``unsafe``, isolation is probed where the
    backend runs them (every worker of a :class:`DaskBackend`) and grading refused without it.
    A path for ``course`` opens the course there."""
    if tamper not in TAMPER_ACTIONS:
        raise ValueError(f"tamper must be one of {TAMPER_ACTIONS}, not {tamper!r}")
    if backend is None:
        limits = limits or Limits()
        backend = (
            ExecutorBackend(limits, unsafe, executor) if executor else LocalBackend(limits, unsafe)
        )
    if not backend.unsafe:
        problems = backend.isolation_problems()
        if problems:
            where = "; ".join(f"{place}: {problem}" for place, problem in problems.items())
            raise GradingRefused(f"{where}; refusing to grade without --unsafe")
    course = course if isinstance(course, Course) else Course.open(course)
    if students is None:
        students = students_to_grade(course, assignment, regrade, student)
    auto_before = handgrades.snapshot(course, assignment, students)
    batch = Batch(course, assignment, backend, tamper)
    outcomes = []
    with shared_gradebook_engines(), ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(grade_submission, batch, s) for s in students]
        for future in as_completed(futures):
            outcomes.append(future.result())
            if progress:
                progress(outcomes[-1])
    _record_run(course, assignment, outcomes, auto_before)
    return sorted(outcomes, key=lambda o: o.student)


def _record_run(course: Course, assignment: str, outcomes: list[Outcome], auto_before) -> None:
    """Hand grades kept or cleared per cell, the graded answers remembered, and the report told
    who was graded now, who failed, and (everyone else graded before) who is unchanged."""
    from .intake import Intake, load_report, note_grading, save_report

    graded = {o.student for o in outcomes if o.score is not None and not o.error}
    failed = {o.student for o in outcomes} - graded
    report = load_report(course, assignment)
    for student in sorted(graded):  # a failed grading changes no hand grade
        entry = report.setdefault(student, Intake())
        entry.answers = handgrades.reconcile(
            course, assignment, student, entry.answers, auto_before
        )
    save_report(course, assignment, report)
    reasons = {o.student: o.reasons + o.review for o in outcomes if o.reasons or o.review}
    note_grading(course, assignment, graded, reasons, failed)
