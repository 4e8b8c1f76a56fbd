"""Collect a real LMS download (Canvas, Moodle, Blackboard, or plain folders) into `submitted/`.

`collect_download(source, assignment=..., notebooks=..., roster=..., lms=..., submitted_dir=...)`
reads a `.zip` (or the folder it was extracted to), works out who handed in which notebook and
when, and writes nbgrader's layout `submitted/<student_id>/<assignment>/<notebook>.ipynb` with
nbgrader's `timestamp.txt` when the LMS gives a time. Every file of the download ends in exactly
one list of the result: `placed` (written), `superseded` (an older attempt), `unplaced` (with the
reason) or `consumed` (LMS metadata read for its information: Blackboard receipts, timestamps).

How each LMS names its download, as looked up in its source and users' tools (December 2026):

- **Canvas**, "Download Submissions" (instructure/canvas-lms `lib/content_zipper.rb`,
  `get_filename` and `add_upload_submission`): a flat zip, one file per uploaded attachment,
  `<sortable name, lower case, letters only>[_LATE]_<user id>_<attachment id>_<file name>`, e.g.
  `kim_12345_678901_01_neurons.ipynb` or `kim_LATE_12345_678901_01_neurons.ipynb`. The second
  number is the attachment (file) id, which grows with every upload. With anonymous grading the
  name is left out and the user id is `anon_<anonymous id>`. Text entries and URLs become
  `<name>_<user id>_text.html` / `_link.html`. A file uploaded again under the same name is
  renamed `01_neurons-1.ipynb`, `-2`, ... (`Attachment.make_unique_filename` in
  `app/models/attachment.rb`). The zip holds no submission time, so among several files for one
  notebook the higher `-N`, then the higher attachment id, counts. Roster `lms_id`: the user id.
- **Moodle**, "Download all submissions" (moodle/moodle `mod/assign/classes/downloader.php`,
  earlier `mod/assign/locallib.php::download_submissions`): with "Download submissions in
  folders" (the default since Moodle 3.1) one folder per participant,
  `<Full Name>_<participant id>_assignsubmission_file[_]/<file path><file name>`, e.g.
  `Peter Pan_4711_assignsubmission_file_/01_neurons.ipynb`; without it, flat files
  `<Full Name>_<participant id>_assignsubmission_file_<file name>`. Underscores in names become
  spaces; blind marking writes `Participant` for the name. Online text goes under
  `..._assignsubmission_onlinetext_/onlinetext.html`. The participant id is Moodle's unique id
  of the user in *this* assignment (`get_uniqueid_for_user`): every assignment numbers its
  participants anew, so the assignment's grading worksheet (`nngrade.moodle`) maps each id to a
  roster student by email or ID number, and gives the submission time (`Last modified
  (submission)`). Without a worksheet a participant is matched by a roster `lms_id` equal to the
  id, else by full name (an unknown name is reported, two roster students of that name refuse
  the collect), and there is no time: the zip's entry times are when the zip was made (core
  `zip_writer::add_file_from_stored_file` is given no time), so they are never read.
- **Blackboard Learn**, "Assignment File Download" from the Grade Centre (file names as parsed
  by vangef/BBGradebookOrganiser and other graders' tools, receipt text as quoted in
  timdrysdale/gradex-cli's README): `<Assignment Name>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_
  <original file name>`, e.g. `Neurons_kim_attempt_2026-10-01-14-03-22_01_neurons.ipynb`, plus
  one receipt per attempt, `<Assignment Name>_<username>_attempt_<timestamp>.txt`:

      Name: Jae Kim (kim)
      Assignment: Neurons
      Date Submitted: Thursday, 1 October 2026 15:03:22 o'clock BST
      Current Grade: Needs Grading
      ...
      Files:
        Original filename: 01_neurons.ipynb
        Filename: Neurons_kim_attempt_2026-10-01-15-03-22_01_neurons.ipynb

  (US servers write `Thursday, October 1, 2026 3:03:22 PM EDT`.) The receipt gives the time
  zone and the original file name; without it the file name's time is read in `timezone`. Each
  attempt is a whole hand-in: the latest attempt counts. Roster `lms_id`: the username.
- **folders**: `<student>/<notebook>.ipynb`, `<student>/<assignment>/<notebook>.ipynb` (with
  nbgrader's `timestamp.txt` if there is one), or flat `<student>_<notebook>.ipynb`. `<student>`
  is matched to the roster's `lms_id`, then `student_id`; without a roster it is the student id.

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

import json
import os
import re
import shutil
import stat
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nbgrader.utils import parse_utc

from . import moodle
from .roster import Roster, check_student_id

LMS_NAMES = ("canvas", "moodle", "blackboard", "folders")
TITLES = {"canvas": "Canvas", "moodle": "Moodle", "blackboard": "Blackboard", "folders": "folders"}
MAX_FILE_BYTES = 64 << 20  # one notebook (with outputs) larger than this is not read
MAX_TOTAL_BYTES = 1 << 30  # a download declaring more than this (uncompressed) is refused
MAX_FILES = 50_000
STATE_DIR = ".lms-collect"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's exchange format

CANVAS = re.compile(
    r"^(?P<name>[^_]+(?:_[^_]+)*?)_(?:(?P<late>LATE)_)?(?P<user>\d+)_(?P<file>\d+)_(?P<display>.+)$"
)
CANVAS_ANONYMOUS = re.compile(
    r"^(?:(?P<late>LATE)_)?(?P<user>anon_[A-Za-z0-9]+)_(?P<file>\d+)_(?P<display>.+)$"
)
CANVAS_TEXT = re.compile(r"^(?:.+_)?(?:LATE_)?(?P<user>\d+|anon_[A-Za-z0-9]+)_(?:text|link)\.html$")
MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
MOODLE_FLAT = re.compile(
    r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$"
)
BLACKBOARD = re.compile(
    r"^(?P<prefix>.+)_attempt_(?P<stamp>\d{4}(?:-\d\d){5})(?:_(?P<file>.+)|(?P<ext>\.[^._]+))$"
)
#: How browsers, Jupyter, Finder and Canvas rename a file that already exists.
RENAMED = re.compile(r"(?:-Copy\d*| ?\(\d+\)| \d+|-\d+)$")
JUNK = {".DS_Store", "Thumbs.db", "desktop.ini"}
#: Time zones Blackboard prints in receipts, as offsets from UTC in hours.
ZONES = {
    "UTC": 0, "GMT": 0, "WET": 0, "BST": 1, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
    "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "AWST": 8, "ACST": 9.5, "ACDT": 10.5,
    "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13, "SGT": 8, "HKT": 8, "JST": 9, "KST": 9,
}  # fmt: skip
MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(),
    start=1,
)}  # fmt: skip


class DownloadError(ValueError):
    """The download cannot be collected at all; nothing was written."""


@dataclass(frozen=True)
class Placed:
    """One notebook of one student's latest attempt (written, or superseded and not written)."""

    student_id: str
    lms_id: str
    source: str  # the file's path inside the download
    submitted_at: datetime | None  # UTC, from the LMS; None when the LMS gives no time
    lms_late: bool  # the LMS itself marked it late (Canvas's LATE)
    note: str  # renamed notebook, why it was superseded, ...
    notebook: str = ""  # the assignment's notebook it was collected as (without .ipynb)


@dataclass(frozen=True)
class Unplaced:
    """A file of the download that was not collected, and why."""

    source: str
    reason: str
    lms_id: str = ""


@dataclass
class CollectResult:
    lms: str
    placed: list[Placed]
    superseded: list[Placed]
    unplaced: list[Unplaced]
    consumed: list[str] = field(default_factory=list)  # LMS metadata read (receipts, timestamps)


# ---------------------------------------------------------------------------------------------
# Reading the download
# ---------------------------------------------------------------------------------------------


@dataclass
class Member:
    """One file of the download."""

    path: str  # POSIX path inside the download
    size: int
    modified: datetime | None  # naive in a zip (local time of the LMS), aware from a folder
    problem: str | None = None  # why it is not read at all
    data: bytes | None = None
    oversize: bool = False  # too large to read: reported as its student's file

    @property
    def refused(self) -> bool:
        """An unsafe entry (path, link): never parsed for an identity."""
        return self.problem is not None and not self.oversize

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def _unsafe(name: str) -> str | None:
    """Why a member name cannot be trusted, or None."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return "absolute path in the zip: refused"
    if ".." in posix.split("/"):
        return "path with '..' in the zip: refused"
    if "\x00" in posix:
        return "NUL byte in the file name: refused"
    return None


def _clean(name: str) -> str:
    return "/".join(p for p in name.replace("\\", "/").split("/") if p not in ("", "."))


def _junk(path: str) -> bool:
    return path.startswith("__MACOSX/") or path.rsplit("/", 1)[-1] in JUNK


def _zip_members(source: Path) -> tuple[zipfile.ZipFile, list[tuple[Member, zipfile.ZipInfo]]]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise DownloadError(
            f"{source} is not a readable zip file ({error}): download it again from the LMS"
        ) from None
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_FILES:
        raise DownloadError(f"{source} holds {len(infos)} files, more than {MAX_FILES}: refused")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_TOTAL_BYTES:
        raise DownloadError(
            f"{source} would unpack to {declared >> 20} MiB, more than {MAX_TOTAL_BYTES >> 20} "
            "MiB: refused (a zip bomb, or not an assignment download)"
        )
    members = []
    for info in infos:
        problem = _unsafe(info.filename)
        if not problem and stat.S_ISLNK(info.external_attr >> 16):
            problem = "symbolic link in the zip: refused"
        oversize = not problem and info.file_size > MAX_FILE_BYTES
        if oversize:
            problem = f"larger than {MAX_FILE_BYTES >> 20} MiB once unpacked: not read"
        path = info.filename if problem and not oversize else _clean(info.filename)
        member = Member(path, info.file_size, _zip_time(info), problem, oversize=oversize)
        members.append((member, info))
    return archive, members


def _zip_time(info: zipfile.ZipInfo) -> datetime | None:
    try:
        return datetime(*info.date_time)
    except ValueError:  # a zip writer that leaves the DOS date zero
        return None


def _read_zip_member(source: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(info) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as error:
        raise DownloadError(
            f"{source}: {info.filename} is corrupt ({error}): download the zip again"
        ) from None
    except RuntimeError as error:  # encrypted member
        raise DownloadError(f"{source}: {info.filename} cannot be read ({error})") from None
    if len(data) != info.file_size:
        raise DownloadError(f"{source}: {info.filename} is truncated: download the zip again")
    return data


def _folder_members(source: Path) -> list[Member]:
    members = []
    for root, dirs, files in os.walk(source):
        for name in sorted(dirs):
            if os.path.islink(os.path.join(root, name)):
                rel = Path(root, name).relative_to(source).as_posix()
                members.append(Member(rel, 0, None, "symbolic link: not followed"))
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(root, d)))
        for name in sorted(files):
            path = Path(root, name)
            rel = path.relative_to(source).as_posix()
            if path.is_symlink():
                members.append(Member(rel, 0, None, "symbolic link: not followed"))
                continue
            info = path.stat()
            modified = datetime.fromtimestamp(info.st_mtime, UTC)
            oversize = info.st_size > MAX_FILE_BYTES
            problem = f"larger than {MAX_FILE_BYTES >> 20} MiB: not read" if oversize else None
            members.append(Member(rel, info.st_size, modified, problem, oversize=oversize))
    return members


def _needs_data(member: Member) -> bool:
    name = member.name.lower()
    return member.problem is None and not _junk(member.path) and name.endswith((".ipynb", ".txt"))


def read_download(source: Path) -> list[Member]:
    """Every file of `source` (a zip or a folder); notebooks and text files are read."""
    source = Path(source)
    if source.is_dir():
        members = _folder_members(source)
        for member in members:
            if _needs_data(member):
                try:
                    member.data = (source / member.path).read_bytes()
                except OSError as error:
                    raise DownloadError(f"{source / member.path} cannot be read: {error}") from None
        return members
    if not source.is_file():
        raise DownloadError(f"{source} does not exist: give the LMS download (.zip) or a folder")
    archive, pairs = _zip_members(source)
    with archive:
        for member, info in pairs:
            if _needs_data(member):
                member.data = _read_zip_member(source, archive, info)
    return [member for member, _ in pairs]


# ---------------------------------------------------------------------------------------------
# Names: which LMS, which notebook
# ---------------------------------------------------------------------------------------------


def _signature(name: str) -> str | None:
    """The LMS whose naming a (cleaned) member path follows, if any."""
    first, base = name.split("/", 1)[0], name.rsplit("/", 1)[-1]
    if BLACKBOARD.match(base):
        return "blackboard"
    if ("/" in name and MOODLE_FOLDER.match(first)) or MOODLE_FLAT.match(base):
        return "moodle"
    if CANVAS.match(base) or CANVAS_ANONYMOUS.match(base) or CANVAS_TEXT.match(base):
        return "canvas"
    return None


def detect_lms(names: list[str]) -> str:
    """The LMS whose file naming most of `names` follow; `folders` when none does."""
    counts: dict[str, int] = defaultdict(int)
    for name in names:
        name = _clean(name)
        if name and not _junk(name):
            kind = _signature(name)
            if kind:
                counts[kind] += 1
    if not counts:
        return "folders"
    return max(("blackboard", "moodle", "canvas"), key=lambda kind: counts[kind])


@dataclass(frozen=True)
class NotebookMatch:
    notebook: str | None
    renamed: bool = False
    problem: str | None = None


def match_notebook(filename: str, notebooks: list[str]) -> NotebookMatch:
    """Which of the assignment's `notebooks` the student's `filename` is, renamed or not."""
    stem, dot, ext = filename.rpartition(".")
    if not dot or ext.lower() != "ipynb":
        kind = f".{ext} file" if dot else "file without extension"
        return NotebookMatch(None, problem=f"not a notebook ({kind})")
    if stem in notebooks:
        return NotebookMatch(stem)
    found, base = [], stem
    while (suffix := RENAMED.search(base)) and suffix.start() > 0:
        base = base[: suffix.start()]
        if base in notebooks and base not in found:
            found.append(base)
    if len(found) == 1:
        return NotebookMatch(found[0], renamed=True)
    wanted = ", ".join(f"{n}.ipynb" for n in notebooks)
    if found:
        could = " or ".join(f"{n}.ipynb" for n in found)
        return NotebookMatch(None, problem=f"ambiguous name: could be {could}")
    return NotebookMatch(None, problem=f"not one of the assignment's notebooks ({wanted})")


# ---------------------------------------------------------------------------------------------
# What each file is: a candidate notebook of an identity, LMS metadata, or nothing
# ---------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A file that may be one student's notebook."""

    member: Member
    identity: str  # the LMS's name for the student (user id, participant id, username, folder)
    label: str  # how messages name that identity
    filename: str  # the student's own file name
    submitted_at: datetime | None = None
    late: bool = False
    order: tuple = ()  # later attempts sort higher
    attempt: str | None = None  # files of one attempt (Blackboard) are chosen together
    match: NotebookMatch | None = None
    note: str = ""  # how the identity was matched (Moodle by name)


@dataclass
class Plan:
    """The parse of the whole download, before any roster lookup."""

    candidates: list[Candidate] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    consumed: list[str] = field(default_factory=list)
    recognized: int = 0  # files named the LMS's way
    participants: dict[str, str] = field(default_factory=dict)  # Moodle: participant id -> name


@dataclass(frozen=True)
class Context:
    assignment: str
    notebooks: list[str]
    roster: Roster | None
    zone: ZoneInfo
    worksheet: moodle.Worksheet | None = None
    moodle_students: dict = field(default_factory=dict)  # participant id -> (student id, note)


def _aware(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


NAMING = {
    "canvas": "<name>[_LATE]_<user id>_<file id>_<file name>",
    "moodle": "<full name>_<participant id>_assignsubmission_file_/<file>",
    "blackboard": "<assignment>_<username>_attempt_<time>_<file>",
}


def _misnamed(member: Member, lms: str) -> Unplaced:
    reason = f"not named as {TITLES[lms]} names submissions ({NAMING[lms]}): not collected"
    return Unplaced(member.path, reason)


def _parse_canvas(members: list[Member], ctx: Context, plan: Plan) -> None:
    for member in members:
        base = member.name
        options = [m for m in (CANVAS_ANONYMOUS.match(base), CANVAS.match(base)) if m]
        # `LATE_anon_Xy7Q2_...` also reads as a user named "LATE anon Xy7Q2": ask the roster
        known = [m for m in options if ctx.roster and ctx.roster.by_lms_id(m["user"])]
        match = (known or options or [None])[0]
        if not match:
            text = CANVAS_TEXT.match(base)
            if text:
                plan.recognized += 1
                reason = "a Canvas text entry or URL submission, not a notebook: not collected"
                plan.unplaced.append(Unplaced(member.path, reason, text["user"]))
            else:
                plan.unplaced.append(_misnamed(member, "canvas"))
            continue
        plan.recognized += 1
        display = match["display"]
        name = match.groupdict().get("name")
        label = f"Canvas user {match['user']}" + (f" ({name})" if name else "")
        resubmission = re.search(r"-(\d+)\.[^.]+$", display)
        order = (int(resubmission[1]) if resubmission else 0, int(match["file"]))
        plan.candidates.append(
            Candidate(member, match["user"], label, display, late=bool(match["late"]), order=order)
        )


def _parse_moodle(members: list[Member], ctx: Context, plan: Plan) -> None:
    for member in members:
        first = member.path.split("/", 1)[0]
        folder = MOODLE_FOLDER.match(first) if "/" in member.path else None
        flat = None if folder else MOODLE_FLAT.match(member.name)
        found = folder or flat
        if not found:
            plan.unplaced.append(_misnamed(member, "moodle"))
            continue
        plan.recognized += 1
        if found["plugin"] != "file":
            reason = f"Moodle {found['plugin']} submission, not a file: not collected"
            plan.unplaced.append(Unplaced(member.path, reason, found["pid"]))
            continue
        filename = member.name if folder else flat["file"]
        plan.participants[found["pid"]] = found["name"]
        # never the zip's entry time (the download's time): the worksheet's, if given
        sheet = ctx.worksheet
        submitted_at = sheet.submitted_at(found["pid"], ctx.zone) if sheet else None
        label = f"Moodle participant {found['pid']} ({found['name']})"
        order = (submitted_at.timestamp() if submitted_at else 0.0,)
        plan.candidates.append(
            Candidate(member, found["pid"], label, filename, submitted_at, order=order)
        )


@dataclass(frozen=True)
class Receipt:
    name: str
    username: str
    submitted_at: datetime | None
    original: dict[str, str]  # file name in the download -> the student's file name


def _receipt_date(text: str) -> datetime | None:
    """`Thursday, 1 October 2026 15:03:22 o'clock BST` or `Thursday, October 1, 2026 3:03:22
    PM EDT`, in UTC; None when the form or the zone is unknown."""
    uk = re.search(r"(\d{1,2}) ([A-Za-z]+) (\d{4}) (\d{1,2}):(\d\d):(\d\d) o'clock (\w+)", text)
    us = re.search(r"([A-Za-z]+) (\d{1,2}), (\d{4}) (\d{1,2}):(\d\d):(\d\d) ([AP]M) (\w+)", text)
    if uk:
        day, month, year, hour, minute, second, zone = uk.groups()
    elif us:
        month, day, year, hour, minute, second, half, zone = us.groups()
        hour = str(int(hour) % 12 + (12 if half == "PM" else 0))
    else:
        return None
    if month.lower() not in MONTHS or zone not in ZONES:
        return None
    local = datetime(int(year), MONTHS[month.lower()], int(day), int(hour), int(minute),
                     int(second))  # fmt: skip
    return local.replace(tzinfo=timezone(timedelta(hours=ZONES[zone]))).astimezone(UTC)


def parse_receipt(text: str) -> Receipt:
    """Blackboard's receipt: the student's name and username, the time, the original names."""
    name = re.search(r"^Name:\s*(.*?)\s*\(([^()]*)\)\s*$", text, re.MULTILINE)
    date = re.search(r"^Date Submitted:\s*(.+)$", text, re.MULTILINE)
    originals = re.findall(r"Original filename:\s*(.+?)\s*\n\s*Filename:\s*(.+?)\s*$", text, re.M)
    return Receipt(
        name[1] if name else "",
        name[2] if name else "",
        _receipt_date(date[1]) if date else None,
        {stored: original for original, stored in originals},
    )


def _blackboard_identity(prefix: str, receipt: Receipt | None, roster: Roster | None) -> str:
    """The username at the end of `<Assignment Name>_<username>` (both may hold underscores)."""
    tokens = prefix.split("_")
    suffixes = ["_".join(tokens[k:]) for k in range(1, len(tokens))] or [prefix]
    if roster:
        for suffix in suffixes:
            if roster.by_lms_id(suffix):
                return suffix
    if receipt and receipt.username in suffixes:
        return receipt.username
    return suffixes[-1]


def _parse_blackboard(members: list[Member], ctx: Context, plan: Plan) -> None:
    receipts: dict[tuple[str, str], Receipt] = {}
    files = []
    for member in members:
        match = BLACKBOARD.match(member.name)
        if not match:
            plan.unplaced.append(_misnamed(member, "blackboard"))
            continue
        plan.recognized += 1
        if match["ext"] == ".txt" and member.data is not None:
            text = member.data.decode("utf-8", errors="replace")
            receipts[(match["prefix"], match["stamp"])] = parse_receipt(text)
            plan.consumed.append(member.path)
        else:
            files.append((member, match))
    for member, match in files:
        receipt = receipts.get((match["prefix"], match["stamp"]))
        identity = _blackboard_identity(match["prefix"], receipt, ctx.roster)
        filename = (receipt.original.get(member.name) if receipt else None) or match["file"]
        filename = filename or member.name
        stamp = datetime.strptime(match["stamp"], "%Y-%m-%d-%H-%M-%S")
        submitted_at = (receipt.submitted_at if receipt else None) or _aware(stamp, ctx.zone)
        label = f"Blackboard user {identity}" + (f" ({receipt.name})" if receipt else "")
        plan.candidates.append(
            Candidate(
                member, identity, label, filename, submitted_at,
                order=(submitted_at.timestamp(),), attempt=match["stamp"],
            )
        )  # fmt: skip


def _known(identity: str, roster: Roster | None) -> bool:
    if roster is None:
        return check_student_id(identity) is None
    return bool(roster.by_lms_id(identity) or roster.by_id(identity))


def _wrapper(paths: list[str], ctx: Context) -> str:
    """A single folder that wraps the whole download (a re-zipped extract), or ''."""
    tops = {p.split("/", 1)[0] for p in paths}
    if len(tops) != 1 or not all("/" in p for p in paths):
        return ""
    top = tops.pop()
    seconds = {p.split("/")[1] for p in paths if p.count("/") >= 2}
    if not seconds or ctx.assignment in seconds or top == ctx.assignment:
        return ""  # <student>/<assignment>/...: the top folder is the student
    if ctx.roster is not None and _known(top, ctx.roster):
        return ""
    return top + "/"


def _flat_identity(filename: str, ctx: Context) -> tuple[str, NotebookMatch] | None:
    """`<identity>_<notebook>.ipynb`, split where the rest is one of the notebooks."""
    options = []
    for cut in [i for i, c in enumerate(filename) if c == "_"]:
        identity, rest = filename[:cut], filename[cut + 1 :]
        match = match_notebook(rest, ctx.notebooks)
        if match.notebook and _known(identity, ctx.roster):
            options.append((identity, match))
    exact = [o for o in options if not o[1].renamed]
    chosen = exact or options
    return chosen[0] if len({identity for identity, _ in chosen}) == 1 else None


def _folder_timestamp(member: Member) -> datetime | None:
    try:
        return parse_utc((member.data or b"").decode("utf-8").strip()).astimezone(UTC)
    except (ValueError, OverflowError, UnicodeDecodeError):
        return None


def _parse_folders(members: list[Member], ctx: Context, plan: Plan) -> None:
    wrap = _wrapper([m.path for m in members], ctx)
    stamps: dict[str, datetime | None] = {}
    rest = []
    for member in members:
        parts = member.path.removeprefix(wrap).split("/")
        if (
            parts[-1] == "timestamp.txt"
            and len(parts) > 1
            and parts[1:-1] in ([], [ctx.assignment])
        ):
            stamps[parts[0]] = _folder_timestamp(member)
            plan.consumed.append(member.path)
        else:
            rest.append((member, parts))
    for member, parts in rest:
        if len(parts) == 1:
            flat = _flat_identity(parts[0], ctx)
            if flat is None:
                reason = (
                    "a loose file that is not <student>_<notebook>.ipynb for a known student: "
                    "not collected"
                )
                plan.unplaced.append(Unplaced(member.path, reason))
                continue
            identity, match = flat
            filename = parts[0][len(identity) + 1 :]
        elif len(parts) == 2 or (len(parts) == 3 and parts[1] == ctx.assignment):
            identity, filename, match = parts[0], parts[-1], None
        else:
            where = "/".join(parts[1:-1])
            reason = (
                f"in folder {where!r}: expected <student>/<notebook>.ipynb or "
                f"<student>/{ctx.assignment}/<notebook>.ipynb: not collected"
            )
            plan.unplaced.append(Unplaced(member.path, reason, parts[0]))
            continue
        plan.recognized += 1
        label = f"folder {identity!r}"
        candidate = Candidate(member, identity, label, filename, stamps.get(identity), match=match)
        plan.candidates.append(candidate)


PARSERS = {
    "canvas": _parse_canvas,
    "moodle": _parse_moodle,
    "blackboard": _parse_blackboard,
    "folders": _parse_folders,
}


# ---------------------------------------------------------------------------------------------
# Choosing: roster, latest attempt, one file per notebook
# ---------------------------------------------------------------------------------------------


def _student_of(candidate: Candidate, lms: str, ctx: Context) -> tuple[str | None, str]:
    """The course's student id for a candidate's identity, or None and why not."""
    if ctx.roster is None:
        problem = check_student_id(candidate.identity)
        if problem:
            return None, f"{candidate.label} cannot be a student id: {problem}"
        return candidate.identity, ""
    if lms == "moodle":
        student_id, why = ctx.moodle_students[candidate.identity]
        if student_id is None:
            return None, why
        candidate.note = why
        return student_id, ""
    student = ctx.roster.by_lms_id(candidate.identity)
    if student is None and lms == "folders":
        student = ctx.roster.by_id(candidate.identity)
    if student is None:
        return None, f"{candidate.label} is not on the roster: not collected"
    return student.id, ""


def _placed(student: str, c: Candidate, note: str = "") -> Placed:
    notes = []
    if c.match and c.match.renamed:
        notes.append(f"renamed: {c.filename!r} collected as {c.match.notebook}.ipynb")
    if c.late:
        notes.append("the LMS marked it LATE")
    if c.note:
        notes.append(c.note)
    if note:
        notes.append(note)
    notebook = c.match.notebook if c.match else ""
    return Placed(
        student, c.identity, c.member.path, c.submitted_at, c.late, "; ".join(notes), notebook or ""
    )


def _describe(c: Candidate) -> str:
    when = f" of {c.submitted_at:%Y-%m-%d %H:%M:%S} UTC" if c.submitted_at else ""
    return f"{c.member.path}{when}"


@dataclass
class Choice:
    placed: dict[str, list[tuple[Candidate, Placed]]] = field(default_factory=dict)
    superseded: list[Placed] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)


def _choose_for_student(student: str, group: list[Candidate], choice: Choice) -> None:
    attempts = {c.attempt for c in group}
    if attempts != {None}:  # whole attempts: the latest one counts
        latest = max(group, key=lambda c: c.order)
        for c in group:
            if c.attempt != latest.attempt:
                note = f"superseded: an older attempt; the attempt {_describe(latest)} counts"
                choice.superseded.append(_placed(student, c, note))
        group = [c for c in group if c.attempt == latest.attempt]
    by_notebook: dict[str, list[Candidate]] = defaultdict(list)
    for c in group:
        if c.match.notebook is None:
            reason = f"{c.match.problem}: not collected"
            choice.unplaced.append(Unplaced(c.member.path, reason, c.identity))
        else:
            by_notebook[c.match.notebook].append(c)
    for notebook, files in sorted(by_notebook.items()):
        rank = sorted(files, key=lambda c: (c.order, not c.match.renamed), reverse=True)
        best = rank[0]
        ties = [c for c in rank if (c.order, c.match.renamed) == (best.order, best.match.renamed)]
        if len(ties) > 1:
            names = ", ".join(c.member.path for c in ties)
            for c in ties:
                reason = (
                    f"ambiguous: {names} could each be {notebook}.ipynb and nothing tells which "
                    "is the latest: none collected"
                )
                choice.unplaced.append(Unplaced(c.member.path, reason, c.identity))
            rank = rank[len(ties) :]
            best = None
        else:
            choice.placed.setdefault(student, []).append((best, _placed(student, best)))
            rank = rank[1:]
        for c in rank:
            if best is not None and c.order == best.order:
                why = f"{best.member.path} has the notebook's exact name"
            elif best is not None:
                why = f"the later {_describe(best)} counts"
            else:
                why = "a later file of the same name exists"
            choice.superseded.append(_placed(student, c, f"superseded: {why}"))


def _moodle_students(plan: Plan, ctx: Context) -> dict[str, tuple[str | None, str]]:
    """Each Moodle participant who handed in a file: (roster student id or None, note or why).
    Raises DownloadError for a worksheet of another assignment, two worksheet rows matching one
    roster student, or a name that two roster students share: nothing is written then."""
    handed_in = {c.identity for c in plan.candidates}
    sheet = ctx.worksheet
    try:
        if sheet is not None:
            moodle.check_same_assignment(sheet, plan.participants)
            found = moodle.map_participants(sheet, ctx.roster, handed_in)
            return {pid: (s.id if s else None, why) for pid, (s, why) in found.items()}
    except moodle.WorksheetError as error:
        raise DownloadError(str(error)) from None
    result = {}
    for pid in sorted(handed_in):
        name = plan.participants[pid]
        legacy = ctx.roster.by_lms_id(pid)
        named = moodle.students_named(name, ctx.roster)
        if legacy is not None:
            result[pid] = (legacy.id, "")
        elif len(named) == 1:
            result[pid] = (named[0].id, f"matched by name: Moodle's {name!r} is {named[0].id}")
        elif len(named) > 1:
            ids = ", ".join(s.id for s in named)
            raise DownloadError(
                f"Moodle participant {pid} is {name!r}, and the roster has {len(named)} students "
                f"of that name ({ids}): give the assignment's grading worksheet (--worksheet) to "
                "tell them apart by email; nothing was collected"
            )
        else:
            why = (
                f"Moodle participant {pid} ({name}) is not on the roster (no roster student of "
                "that name; the grading worksheet matches by email): not collected"
            )
            result[pid] = (None, why)
    return result


def choose(plan: Plan, lms: str, ctx: Context) -> Choice:
    """Roster lookup, then per student the latest attempt and one file per notebook."""
    choice = Choice()
    choice.unplaced.extend(plan.unplaced)
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for c in plan.candidates:
        if c.member.problem:
            choice.unplaced.append(Unplaced(c.member.path, c.member.problem, c.identity))
            continue
        student, why = _student_of(c, lms, ctx)
        if student is None:
            choice.unplaced.append(Unplaced(c.member.path, why, c.identity))
            continue
        if c.match is None:
            c.match = match_notebook(c.filename, ctx.notebooks)
        groups[student].append(c)
    for student in sorted(groups):
        _choose_for_student(student, groups[student], choice)
    return choice


# ---------------------------------------------------------------------------------------------
# Writing, without ever replacing a later attempt
# ---------------------------------------------------------------------------------------------


def _state_path(submitted_dir: Path, assignment: str) -> Path:
    return submitted_dir / STATE_DIR / f"{assignment}.json"


def _load_state(submitted_dir: Path, assignment: str) -> dict:
    path = _state_path(submitted_dir, assignment)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _existing(submitted_dir: Path, assignment: str, student: str, state: dict) -> dict | None:
    """What an earlier collect placed for `student`: its LMS, time and order, if known."""
    if student in state:
        return state[student]
    stamp = submitted_dir / student / assignment / "timestamp.txt"
    if stamp.is_file():
        try:
            moment = parse_utc(stamp.read_text().strip()).astimezone(UTC)
        except (ValueError, OverflowError):
            return None
        return {"lms": "", "submitted_at": moment.isoformat(), "order": []}
    return None


def _record(lms: str, chosen: list[tuple[Candidate, Placed]]) -> dict:
    times = [p.submitted_at for _, p in chosen if p.submitted_at]
    return {
        "lms": lms,
        "submitted_at": max(times).isoformat() if times else None,
        "order": list(max(c.order for c, _ in chosen)) if chosen else [],
        "sources": [p.source for _, p in chosen],
    }


def _is_older(new: dict, old: dict) -> bool:
    if new["submitted_at"] and old.get("submitted_at"):
        return datetime.fromisoformat(new["submitted_at"]) < datetime.fromisoformat(
            old["submitted_at"]
        )
    if new["lms"] == old.get("lms") and new["order"] and old.get("order"):
        return new["order"] < old["order"]
    return False


def _write_student(
    submitted_dir: Path, assignment: str, student: str, chosen: list[tuple[Candidate, Placed]]
) -> None:
    home = submitted_dir / student
    dest, staging = home / assignment, home / f".{assignment}.collecting"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for candidate, placed in chosen:
        (staging / f"{placed.notebook}.ipynb").write_bytes(candidate.member.data or b"")
    times = [p.submitted_at for _, p in chosen if p.submitted_at]
    if times:
        (staging / "timestamp.txt").write_text(max(times).strftime(TIMESTAMP_FORMAT))
    if dest.exists():
        shutil.rmtree(dest)
    staging.rename(dest)


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
    lms = lms or detected
    if lms != "folders" and roster is None:
        raise DownloadError(
            f"a {TITLES[lms]} download names students by their {TITLES[lms]} identity: give a "
            "roster (CSV with student_id,name,email,lms_id) to map them to student ids"
        )
    if worksheet is not None and lms != "moodle":
        raise DownloadError(
            f"{worksheet} is a Moodle grading worksheet, and {source} is a {TITLES[lms]} "
            "download: give the worksheet with the Moodle download of the same assignment"
        )
    sheet = None
    if lms == "moodle":
        worksheet = worksheet or moodle.find_worksheet(source)
        try:
            sheet = moodle.read_worksheet(worksheet) if worksheet else None
        except moodle.WorksheetError as error:
            raise DownloadError(str(error)) from None
    ctx = Context(assignment, list(notebooks), roster, zone, sheet)
    plan = Plan()
    usable = []
    for member in members:
        if _junk(member.path):
            reason = "operating-system metadata, not a submission: not collected"
            plan.unplaced.append(Unplaced(member.path, reason))
        elif member.refused:
            plan.unplaced.append(Unplaced(member.path, member.problem))
        else:
            usable.append(member)
    PARSERS[lms](usable, ctx, plan)
    if plan.recognized == 0 and lms != detected:
        raise DownloadError(
            f"no file of {source} is named the way {TITLES[lms]} names submissions "
            f"(it looks like a {TITLES[detected]} download): check LMS={lms}"
        )
    if lms == "moodle":
        ctx.moodle_students.update(_moodle_students(plan, ctx))
    choice = choose(plan, lms, ctx)
    result = CollectResult(lms, [], choice.superseded, choice.unplaced, plan.consumed)
    state = _load_state(submitted_dir, assignment)
    root = submitted_dir.resolve()
    for student in choice.placed:  # ids and names are checked; this guards against links
        if root not in (submitted_dir / student / assignment).resolve().parents:
            raise DownloadError(f"{submitted_dir / student} leads outside {submitted_dir}")
    for student, chosen in sorted(choice.placed.items()):
        new = _record(lms, chosen)
        old = _existing(submitted_dir, assignment, student, state)
        if old is not None and _is_older(new, old):
            when = old.get("submitted_at") or "a later upload"
            note = f"superseded: an earlier collect placed a later attempt ({when})"
            result.superseded.extend(_placed(student, c, note) for c, _ in chosen)
            continue
        _write_student(submitted_dir, assignment, student, chosen)
        state[student] = new
        result.placed.extend(p for _, p in chosen)
    if result.placed:
        path = _state_path(submitted_dir, assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    result.placed.sort(key=lambda p: (p.student_id, p.notebook))
    return result
