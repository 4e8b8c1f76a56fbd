"""Collect a real LMS download (Canvas, Moodle, Blackboard, or plain folders) into `submitted/`.

`collect_download(source, assignment=..., notebooks=..., roster=..., lms=..., submitted_dir=...)`
reads a `.zip` (or the folder it was extracted to), works out who handed in which notebook and
when, and writes nbgrader's layout `submitted/<student_id>/<assignment>/<notebook>.ipynb` with
nbgrader's `timestamp.txt` when the LMS gives a time. Every file of the download ends in exactly
one list of the result: `placed` (written), `superseded` (an older attempt), `unplaced` (with the
reason) or `consumed` (LMS metadata read for its information: Blackboard receipts, timestamps).

One module per job: `archive` reads the download safely, `detect` tells which LMS made it,
`canvas`, `moodle_download`, `blackboard` and `folders` each parse one LMS's naming behind the
interface of `base.LMS` (their docstrings quote where each naming was looked up), `attempts`
chooses the latest attempt and one file per notebook, `state` writes without replacing a later
attempt; `collect_download` below ties them together.

nbgrader's own `zip_collect` (nbgrader `apps/zipcollectapp.py`, documented with its
`FileNameCollectorPlugin.named_regexp` in `docs/source/plugins/zipcollect-plugin.rst`) takes one
regular expression with `student_id`, `file_id` and an optional `timestamp` group: it cannot map
an LMS identity through a roster, aborts on two files of one student, and lets a second zip
replace a later attempt. Here the timestamp is written as nbgrader's exchange writes it
(`%Y-%m-%d %H:%M:%S.%f %Z`, read back by `CourseDirectory.get_existing_timestamp`).

Safety: nothing is written until the whole download has been read and checked; zip members with
an absolute path, `..`, or a symbolic link are refused (reported), sizes are capped (a zip bomb
is refused), and every path written is `submitted_dir/<checked student id>/<assignment>/<one of
the assignment's notebooks>`. The attempt order of what was collected is kept in
`submitted_dir/.lms-collect/<assignment>.json` (hidden from nbgrader), so that a second download
with an older attempt never replaces a newer one.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..roster import Roster
from . import state
from .archive import MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES, junk, read_download
from .attempts import Choice, choose, placed
from .blackboard import Receipt, parse_receipt
from .detect import LMS_NAMES, NAMING, SYSTEMS, TITLES, detect_lms
from .model import (
    Candidate,
    CollectResult,
    Context,
    DownloadError,
    Member,
    NotebookMatch,
    Placed,
    Plan,
    Unplaced,
)
from .notebooks import match_notebook
from .state import STATE_DIR, TIMESTAMP_FORMAT

__all__ = [
    "LMS_NAMES", "MAX_FILES", "MAX_FILE_BYTES", "MAX_TOTAL_BYTES", "NAMING", "STATE_DIR",
    "SYSTEMS", "TIMESTAMP_FORMAT", "TITLES", "Candidate", "Choice", "CollectResult", "Context",
    "DownloadError", "Member", "NotebookMatch", "Placed", "Plan", "Receipt", "Unplaced",
    "choose", "collect_download", "detect_lms", "match_notebook", "parse_receipt",
    "read_download",
]  # fmt: skip


def _check_names(assignment: str, notebooks: list[str]) -> None:
    for what, name in [("assignment", assignment)] + [("notebook", n) for n in notebooks]:
        if not name or "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
            raise DownloadError(f"{what} name {name!r} cannot be a folder or file name")
    if not notebooks:
        raise DownloadError(f"assignment {assignment} has no notebook to collect")


def collect_download(
    source: Path,
    *,
    assignment: str,
    notebooks: list[str],
    roster: Roster | None,
    lms: str | None,
    submitted_dir: Path,
    timezone: str = "UTC",
    worksheet: Path | None = None,
) -> CollectResult:
    """Collect `source` (an LMS zip or a folder) into `submitted_dir` (see the module docstring).

    `notebooks` are the assignment's notebook names (`01_neurons` or `01_neurons.ipynb`).
    `lms` is one of `LMS_NAMES`, or None to detect it from the file names. `timezone` is the
    IANA zone in which the LMS wrote times without a zone (the Moodle worksheet's times,
    Blackboard's file names when there is no receipt). `worksheet` is Moodle's grading
    worksheet of the assignment (`nngrade.moodle`); None: the one beside the zip, if any.
    Raises `DownloadError`, having written nothing, when the download cannot be collected at
    all.
    """
    source, submitted_dir = Path(source), Path(submitted_dir)
    notebooks = [n.removesuffix(".ipynb") for n in notebooks]  # names, with or without .ipynb
    if lms is not None and lms not in LMS_NAMES:
        raise DownloadError(
            f"unknown LMS {lms!r}: choose one of {', '.join(LMS_NAMES)} "
            "(or leave it unset to detect it from the file names)"
        )
    _check_names(assignment, list(notebooks))
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DownloadError(f"unknown time zone {timezone!r}: use an IANA name such as "
                            "Europe/London or UTC") from None  # fmt: skip
    members = read_download(source)
    if not members:
        raise DownloadError(f"{source} is empty: there is no file to collect")
    detected = detect_lms([m.path for m in members if not m.refused])
    system = SYSTEMS[lms or detected]
    if system.name != "folders" and roster is None:
        raise DownloadError(
            f"a {system.title} download names students by their {system.title} identity: give "
            "a roster (CSV with student_id,name,email,lms_id) to map them to student ids"
        )
    sheet = system.worksheet(source, worksheet)
    ctx = Context(assignment, list(notebooks), roster, zone, sheet)
    plan = Plan()
    usable = []
    for member in members:
        if junk(member.path):
            reason = "operating-system metadata, not a submission: not collected"
            plan.unplaced.append(Unplaced(member.path, reason))
        elif member.refused:
            plan.unplaced.append(Unplaced(member.path, member.problem))
        else:
            usable.append(member)
    system.parse(usable, ctx, plan)
    if plan.recognized == 0 and system.name != detected:
        raise DownloadError(
            f"no file of {source} is named the way {system.title} names submissions "
            f"(it looks like a {TITLES[detected]} download): check LMS={system.name}"
        )
    system.identify(plan, ctx)
    choice = choose(plan, system, ctx)
    return _write(choice, plan, system.name, submitted_dir, assignment)


def _write(
    choice: Choice, plan: Plan, lms: str, submitted_dir: Path, assignment: str
) -> CollectResult:
    """Write each student's chosen notebooks unless an earlier collect placed a later attempt."""
    result = CollectResult(lms, [], choice.superseded, choice.unplaced, plan.consumed)
    known = state.load_state(submitted_dir, assignment)
    root = submitted_dir.resolve()
    for student in choice.placed:  # ids and names are checked; this guards against links
        if root not in (submitted_dir / student / assignment).resolve().parents:
            raise DownloadError(f"{submitted_dir / student} leads outside {submitted_dir}")
    for student, chosen in sorted(choice.placed.items()):
        new = state.record(lms, chosen)
        old = state.existing(submitted_dir, assignment, student, known)
        if old is not None and state.is_older(new, old):
            when = old.get("submitted_at") or "a later upload"
            note = f"superseded: an earlier collect placed a later attempt ({when})"
            result.superseded.extend(placed(student, c, note) for c, _ in chosen)
            continue
        state.write_student(submitted_dir, assignment, student, chosen)
        known[student] = new
        result.placed.extend(p for _, p in chosen)
    if result.placed:
        state.save_state(submitted_dir, assignment, known)
    result.placed.sort(key=lambda p: (p.student_id, p.notebook))
    return result
