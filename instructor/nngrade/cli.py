"""``nngrade``: the instructor's command line.

``nngrade autograde ASSIGNMENT --workers N`` grades every submission in ``submitted/`` into
nbgrader's gradebook, each notebook executed in the sandbox (see :mod:`nngrade.sandbox`), so that
``nbgrader export``, ``generate_feedback`` and formgrader see the results.
``--scheduler tcp://HOST:8786`` runs the executions on a Dask distributed cluster instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from dataclasses import asdict
from pathlib import Path

from .sandbox import Limits, isolation_problem

MIB = 1 << 20


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nngrade", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("autograde", help="grade all submissions, safely and in parallel")
    grade.add_argument("assignment", nargs="?", help="assignment name (or --assignment)")
    grade.add_argument("--assignment", dest="assignment_option", metavar="ASSIGNMENT")
    grade.add_argument("--course", default=".", help="nbgrader course directory (default: .)")
    grade.add_argument("--workers", type=int, default=None, help="submissions graded at once")
    grade.add_argument("--db-url", help="gradebook URL, e.g. postgresql+psycopg2://user@host/db")
    grade.add_argument("--scheduler", help="Dask scheduler address: grade on that cluster")
    grade.add_argument("--unsafe", action="store_true", help="grade without isolation")
    grade.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout, metavar="S")
    grade.add_argument("--notebook-timeout", type=int, default=Limits.notebook_timeout)
    grade.add_argument("--cpu-seconds", type=int, default=Limits.cpu_seconds)
    grade.add_argument("--memory-mb", type=int, default=Limits.memory_bytes // MIB)
    grade.add_argument("--max-processes", type=int, default=Limits.max_processes)
    grade.add_argument("--max-output-kb", type=int, default=Limits.max_output_bytes // 1024)
    grade.add_argument("--report", type=Path, help="write every submission's outcome as JSON")
    grade.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    commands.add_parser("check-isolation", help="say whether isolated grading works here")
    return parser


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        cpu_seconds=args.cpu_seconds,
        memory_bytes=args.memory_mb * MIB,
        max_processes=args.max_processes,
        max_output_bytes=args.max_output_kb * 1024,
    )


def _has_report(args: argparse.Namespace) -> bool:
    """Whether `collect` keeps an instructor's report here (a course run with the make targets).

    `nngrade autograde` also grades a plain nbgrader course, or a gradebook named by `--db-url`;
    there it leaves the release and the report to the instructor.
    """
    return not args.db_url and (Path(args.course) / "reports").is_dir()


def prepare_course(args: argparse.Namespace) -> None:
    """Release first if the gradebook does not know the assignment yet, as `collect` does."""
    if not args.db_url and (Path(args.course) / "nbgrader_config.py").is_file():
        from . import course

        if not course.is_released(Path(args.course), args.assignment):
            course.release(Path(args.course), args.assignment)


def record_in_report(args: argparse.Namespace, outcomes: list) -> None:
    """Who was graded, who scored 0 and why, into `reports/<assignment>.json`, then print it."""
    if not _has_report(args):
        return
    from . import course

    graded = {o.student for o in outcomes if o.score is not None and not o.error}
    reasons = {o.student: o.reasons + o.review for o in outcomes if o.reasons or o.review}
    course.note_grading(Path(args.course), args.assignment, graded, reasons)
    print(course.format_report(Path(args.course), args.assignment))


def autograde(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .safe_autograde import GradingRefused, grade_assignment, load_config, submitted_students

    executor, client = None, None
    if args.scheduler:
        from distributed import Client

        client = Client(args.scheduler)
        executor = client.get_executor()
        if not args.unsafe:
            problems = {w: p for w, p in client.run(isolation_problem).items() if p}
            if problems:
                client.close()
                print(f"nngrade: no isolation on workers {problems}; refusing", file=sys.stderr)
                return 2
    workers = args.workers or (sum(client.nthreads().values()) if client else 1)
    prepare_course(args)
    total = len(submitted_students(load_config(args.course, args.db_url), args.assignment))
    bar = tqdm(total=total, unit="submission", disable=args.no_progress)
    try:
        outcomes = grade_assignment(
            args.course,
            args.assignment,
            workers,
            limits=limits_from(args),
            unsafe=args.unsafe,
            db_url=args.db_url,
            executor=executor,
            progress=lambda outcome: bar.update(),
        )
    except GradingRefused as refusal:
        bar.close()
        print(f"nngrade: {refusal}", file=sys.stderr)
        return 2
    finally:
        bar.close()
        if client is not None:
            client.close()
    for outcome in outcomes:
        note = "; ".join(outcome.reasons + outcome.review) or ("FAILED" if outcome.error else "")
        print(f"{outcome.student}\t{outcome.score}/{outcome.max_score}\t{note}")
    record_in_report(args, outcomes)
    if args.report:
        args.report.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 1 if any(o.error for o in outcomes) else 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "autograde":
        args.assignment = args.assignment or args.assignment_option
        if not args.assignment:
            parser.error("autograde needs an assignment")
    # nbgrader runs `alembic` from PATH when it creates a gradebook
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", module="sqlalchemy")
    if args.command == "check-isolation":
        problem = isolation_problem()
        print(problem or "isolation works: bwrap, prlimit and setpriv are usable")
        return 1 if problem else 0
    return autograde(args)


if __name__ == "__main__":
    sys.exit(main())
