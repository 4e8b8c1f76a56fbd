"""``nngrade``: the instructor's command line, one subcommand per step of the term.

    nngrade release  [ASSIGNMENT]                 exercises/ from solutions/, into the gradebook
    nngrade collect  [ASSIGNMENT] --from DOWNLOAD an LMS download (zip or folder) into submitted/
    nngrade autograde [ASSIGNMENT] --workers N    isolated, parallel grading into the gradebook
    nngrade feedback [ASSIGNMENT]                 feedback pages, and a zip of them for the LMS
    nngrade export   [ASSIGNMENT] [--to FILE]     grades.csv (and grades-<lms>.csv for the import)
    nngrade report   [ASSIGNMENT]                 what collect and autograde said per student
    nngrade similarity [ASSIGNMENT] [--top N]     the most similar answers, side by side (HTML)
    nngrade check-isolation                       whether isolated grading works on this machine

ASSIGNMENT defaults to ``all``: every released assignment; a step skips, saying so, an assignment
it has nothing to do for. A step done again changes only what changed: collect moves in only new
or changed submissions, autograde grades only those (``--regrade``: all), hand grades stay.
``--student ID`` on collect, autograde and feedback: that student alone. Every step takes
``--course DIR``, ``--db-url URL`` (or the environment variable NNGRADE_DB_URL), ``--roster CSV``,
``--lms NAME`` and ``--timezone ZONE`` (the LMS's local times); collect takes Moodle's
``--worksheet CSV``, export the Canvas or Blackboard gradebook export ``--gradebook CSV`` (its
column ids); a setting given once is kept in the course's ``nngrade.json``, which
``nbgrader_config.py`` reads too, so every step, nbgrader and JupyterLab's formgrader use the
same gradebook.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from dataclasses import asdict
from pathlib import Path

from .course import ALL, Course, CourseError
from .lms import DownloadError
from .roster import RosterError
from .sandbox import Limits, isolation_problem

MIB = 1 << 20
STEPS = {
    "release": "exercises/ from solutions/, and the masters into the gradebook",
    "collect": "an LMS download (zip or folder) into submitted/, checked",
    "autograde": "grade what was collected, isolated and in parallel",
    "feedback": "feedback pages without hidden tests, and a zip of them for the LMS",
    "export": "grades.csv, and grades-<lms>.csv for the LMS's gradebook import",
    "report": "what collect and autograde said about each student",
    "similarity": "the most similar pairs of answers, side by side, for the instructor only",
}


def _course_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course", default=".", help="the course directory (default: .)")
    common.add_argument("--db-url", help="gradebook URL, e.g. postgresql+psycopg2://user@host/db")
    common.add_argument("--roster", help="roster CSV: student_id,name,email,lms_id")
    common.add_argument("--lms", help="canvas, moodle, blackboard or folders (default: detect)")
    common.add_argument("--timezone", help="IANA time zone of the LMS's times (default: UTC)")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nngrade",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    commands = parser.add_subparsers(dest="command", required=True)
    common = _course_options()
    steps = {}
    for name, summary in STEPS.items():
        step = commands.add_parser(name, parents=[common], help=summary)
        step.add_argument("assignment", nargs="?", help=f"an assignment, or {ALL} (default)")
        step.add_argument("--assignment", dest="assignment_option", metavar="ASSIGNMENT")
        steps[name] = step
    steps["collect"].add_argument("--from", dest="source", type=Path, required=True)
    steps["collect"].add_argument(
        "--worksheet", type=Path, help="Moodle: the assignment's grading worksheet (CSV)"
    )
    for name in ("collect", "autograde", "feedback"):
        steps[name].add_argument(
            "--student", metavar="ID", help="this student alone (e.g. a late hand-in)"
        )
    steps["export"].add_argument("--to", type=Path, help="default: grades.csv in the course")
    steps["export"].add_argument(
        "--gradebook", type=Path, help="Canvas/Blackboard: its gradebook export (column ids)"
    )
    steps["similarity"].add_argument("--top", type=int, default=20, help="pairs shown (20)")
    _autograde_options(steps["autograde"])
    commands.add_parser("check-isolation", help="say whether isolated grading works here")
    return parser


def _autograde_options(grade: argparse.ArgumentParser) -> None:
    grade.add_argument("--workers", type=int, default=None, help="submissions graded at once")
    grade.add_argument("--scheduler", help="Dask scheduler address: grade on that cluster")
    grade.add_argument("--unsafe", action="store_true", help="grade without isolation")
    grade.add_argument("--regrade", action="store_true", help="grade again what was graded")
    grade.add_argument(
        "--tamper",
        choices=("report", "zero"),
        default="report",
        help="flagged code: report it (default), or zero the tests that run after it",
    )
    grade.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout, metavar="S")
    grade.add_argument("--notebook-timeout", type=int, default=Limits.notebook_timeout)
    grade.add_argument("--cpu-seconds", type=int, default=Limits.cpu_seconds)
    grade.add_argument("--memory-mb", type=int, default=Limits.memory_bytes // MIB)
    grade.add_argument("--max-processes", type=int, default=Limits.max_processes)
    grade.add_argument("--max-output-kb", type=int, default=Limits.max_output_bytes // 1024)
    grade.add_argument("--report", type=Path, help="write every submission's outcome as JSON")
    grade.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        cpu_seconds=args.cpu_seconds,
        memory_bytes=args.memory_mb * MIB,
        max_processes=args.max_processes,
        max_output_bytes=args.max_output_kb * 1024,
    )


def open_course(args: argparse.Namespace) -> Course:
    if args.lms:
        from .lms import LMS_NAMES

        if args.lms not in LMS_NAMES:
            raise CourseError(f"unknown LMS {args.lms!r}: use one of {', '.join(LMS_NAMES)}")
    if args.roster:  # checked before it is saved as the course's roster
        from .roster import load_roster

        load_roster(Path(args.roster))
    if args.timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CourseError(
                f"unknown time zone {args.timezone!r}: use an IANA name such as Europe/London"
            ) from None
    gradebook = getattr(args, "gradebook", None)
    if gradebook and not Path(gradebook).is_file():
        raise CourseError(f"gradebook export {gradebook} does not exist")
    return Course.open(args.course, db_url=args.db_url, roster=args.roster, lms=args.lms,
                       timezone=args.timezone, lms_gradebook=gradebook)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The steps
# ---------------------------------------------------------------------------------------------


def release(course: Course, args) -> int:
    from .release import release as release_assignments

    for path in release_assignments(course, args.assignment):
        print(f"released {path.relative_to(course.root)}")
    return 0


def collect(course: Course, args) -> int:
    from .intake import assignments_in, format_report
    from .intake import collect as collect_assignment

    roster = course.roster()  # a broken roster stops here, before anything is written
    if args.student and roster is not None and roster.by_id(args.student) is None:
        raise CourseError(f"student {args.student!r} is not on the roster ({course.roster_path})")
    for name in assignments_in(course, args.source, args.assignment):
        done = collect_assignment(course, name, args.source, args.worksheet, student=args.student)
        changed, unchanged = len(done.changed), len(done.unchanged)
        if args.student and not changed + unchanged:
            print(f"{name}: the download holds no submission of {args.student}")
            continue
        print(f"{name}: {changed} new or changed submission(s) collected, {unchanged} unchanged")
        print(format_report(course, name, only=args.student))
    return 0


def autograde(course: Course, args) -> int:
    from .course import select
    from .intake import note_grading, report_path
    from .release import ensure_in_gradebook
    from .safe_autograde import students_to_grade

    backend, client = _backend(args)
    failed = False
    try:
        for name in select(course, args.assignment):
            pending = students_to_grade(course, name, args.regrade, args.student)
            if not pending:
                print(f"{name}: nothing to grade (no submission collected since the last grading)")
                if args.student is None and report_path(course, name).exists():
                    note_grading(course, name, set(), {})  # earlier grades: unchanged
                continue
            ensure_in_gradebook(course, name)
            failed |= _grade_one(course, name, args, backend, client, pending)
    finally:
        if client is not None:
            client.close()
    return 1 if failed else 0


def _backend(args):
    """Where the executions run: here, or on the Dask cluster of ``--scheduler`` (whose workers
    `grade_assignment` probes for isolation)."""
    from .safe_autograde import DaskBackend, LocalBackend

    if not args.scheduler:
        return LocalBackend(limits_from(args), args.unsafe), None
    from distributed import Client

    client = Client(args.scheduler)
    return DaskBackend.connect(client, limits_from(args), args.unsafe), client


def _grade_one(course: Course, name: str, args, backend, client, students: list[str]) -> bool:
    from tqdm import tqdm

    from .grades import read_scores
    from .intake import format_report, score_text
    from .safe_autograde import grade_assignment

    workers = args.workers or (sum(client.nthreads().values()) if client else 1)
    with tqdm(total=len(students), unit="submission", desc=name, disable=args.no_progress) as bar:
        outcomes = grade_assignment(
            course,
            name,
            workers,
            backend=backend,
            students=students,
            progress=lambda outcome: bar.update(),
            tamper=args.tamper,
        )
    scores = read_scores(course, name)
    print(f"{name}: graded now")
    for outcome in outcomes:
        note = "; ".join(outcome.reasons + outcome.review) or ("FAILED" if outcome.error else "")
        score = scores.get(outcome.student)
        shown = score_text(score) if score and not outcome.error else "no score"
        print(f"  {outcome.student}\t{shown}\t{note}".rstrip())
    print(format_report(course, name, only=args.student))
    if args.report:
        report = args.report if args.assignment != ALL else args.report.with_suffix(f".{name}.json")
        report.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return any(o.error for o in outcomes)


def feedback(course: Course, args) -> int:
    from .course import select
    from .feedback_pages import generate

    for name in select(course, args.assignment):
        pages = generate(course, name, student=args.student)
        if pages is None:
            print(f"{name}: no feedback to write (nothing collected or graded)")
            continue
        for page in pages:
            print(f"feedback {page.relative_to(course.root)}")
        upload = course.root / "feedback-upload" / f"{name}.zip"
        size = upload.stat().st_size / 1000 if upload.exists() else 0
        print(f"for the LMS: feedback-upload/{name}.zip ({len(pages)} pages, {size:,.0f} kB)")
    return 0


def export(course: Course, args) -> int:
    from .course import select
    from .grades import export as export_grades
    from .grades import exported_assignments

    names = select(course, args.assignment)
    collected = exported_assignments(course, names)
    for name in names:
        if name not in collected:
            print(f"{name}: nothing collected yet, not exported")
    for path in export_grades(course, collected, args.to or course.root / "grades.csv"):
        print(f"wrote {path}")
    return 0


def report(course: Course, args) -> int:
    from .course import select
    from .intake import format_report, report_path

    for name in select(course, args.assignment):
        if report_path(course, name).exists():
            print(format_report(course, name))
        else:
            print(f"{name}: nothing collected yet")
    return 0


def similarity(course: Course, args) -> int:
    from .course import select
    from .intake import submitted_students
    from .similarity import write_report

    for name in select(course, args.assignment):
        if len(submitted_students(course, name)) < 2:
            print(f"{name}: fewer than two submissions collected, nothing to compare")
            continue
        path, pairs = write_report(course, name, top=args.top)
        print(f"{name}: {path.relative_to(course.root)} (most similar first; no grade changed)")
        for pair in pairs[: min(args.top, 5)]:
            print(f"  {pair.score:4.0%}  {pair.first} and {pair.second}")
    return 0


def check_isolation() -> int:
    problem = isolation_problem()
    print(problem or "isolation works: bwrap, prlimit and setpriv are usable")
    return 1 if problem else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # nbgrader runs `alembic` from PATH when it creates a gradebook
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", module="sqlalchemy")
    if args.command == "check-isolation":
        return check_isolation()
    args.assignment = args.assignment or args.assignment_option or ALL
    step = {"release": release, "collect": collect, "autograde": autograde}
    step |= {"feedback": feedback, "export": export, "report": report, "similarity": similarity}
    try:
        course = open_course(args)
        return step[args.command](course, args)
    except (CourseError, RosterError, DownloadError) as error:
        print(f"nngrade {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
