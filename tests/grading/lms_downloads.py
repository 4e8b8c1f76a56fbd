"""Realistic LMS downloads for the tests and benchmarks: one builder per LMS, one scenario.

Each builder writes a zip whose files are named exactly as that LMS names them (see
`nngrade.lms` for the sources), holding the notebook JSON it is given, plus the matching roster
CSV, and returns a `Download` that says what a correct collect must do with every file:

    from lms_downloads import build, CAST
    download = build("canvas", tmp_path / "canvas.zip", {s: notebook_bytes for s in CAST})
    download.path, download.roster_csv          # the zip and the roster to collect it with
    download.expected["ben"].source             # the file that must be placed for ben
    download.superseded, download.unplaced      # files that must not be placed (and why)
    download.non_submitters                     # on the roster, nothing in the download

The scenario (`CAST`), for assignment `01_neurons` (one notebook, `01_neurons.ipynb`), due
`DUE`:

- `ada`: hands in on time.
- `ben`: hands in twice; the later attempt counts, the first is superseded (`first_attempt` sets
  the first one's content; the folders layout has no attempts, so there he hands in once).
- `cam`: hands in late (after `DUE`; Canvas also marks the file `LATE`).
- `dee`: hands in a notebook renamed by the browser or Jupyter.
- `eve`: on the roster, hands in nothing (unless `notebooks` gives hers: then on time).
- `zed`: hands in, but is not on the roster: his file is reported, never collected. (Moodle:
  zed's row says "No submission" and the zip holds nothing of his, since a participant who handed
  in and matches no roster student, by the worksheet's email or by name, stops the collect;
  `stranger=True` gives him a file.)

`notebooks` must give the bytes of `ada`, `ben`, `cam`, `dee` and `zed`; any other key is one more
student on the roster who hands in on time (the benchmark uses this for 200 students). `at`
(Moodle, Blackboard) moves hand-in times of `TIMES` (a resubmission is later).
"""

from __future__ import annotations

import csv
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ASSIGNMENT = "01_neurons"
NOTEBOOK = "01_neurons"
DUE = datetime(2026, 10, 1, 23, 59, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")  # where the Blackboard server of the scenario runs
CAST = ("ada", "ben", "cam", "dee", "eve", "zed")
SUBMITTERS = ("ada", "ben", "cam", "dee", "zed")
ON_ROSTER = ("ada", "ben", "cam", "dee", "eve")


@dataclass(frozen=True)
class Person:
    """A student of the scenario and how each LMS names them."""

    student_id: str
    first: str
    last: str
    canvas: str  # Canvas user id
    moodle: str  # Moodle participant id
    blackboard: str  # Blackboard username
    folder: str  # folder name in a folder-per-student download

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def canvas_name(self) -> str:
        """Canvas's sortable name, lower case, letters only (content_zipper.rb)."""
        return f"{self.last}{self.first}".lower()

    def lms_id(self, lms: str) -> str:
        return self.folder if lms == "folders" else getattr(self, lms)


PEOPLE = {
    "ada": Person("ada", "Ada", "Lovelace", "10001", "4701", "alovelace", "Ada Lovelace"),
    "ben": Person("ben", "Ben", "Babbage", "10002", "4702", "ben_b", "ben"),
    "cam": Person("cam", "Cam", "Curie", "10003", "4703", "ccurie", "cam"),
    "dee": Person("dee", "Dee", "Dijkstra", "10004", "4704", "ddijkstra", "Dee Dijkstra"),
    "eve": Person("eve", "Eve", "Euler", "10005", "4705", "eeuler", "eve"),
    "zed": Person("zed", "Zed", "Zuse", "19999", "4799", "zzuse", "zed"),
}
#: When each of the cast hands in (UTC); ben's first attempt is BEN_FIRST.
TIMES = {
    "ada": datetime(2026, 9, 30, 10, 0, 0, tzinfo=UTC),
    "ben": datetime(2026, 9, 30, 18, 30, 0, tzinfo=UTC),
    "cam": datetime(2026, 10, 2, 9, 15, 0, tzinfo=UTC),
    "dee": datetime(2026, 10, 1, 20, 45, 0, tzinfo=UTC),
    "zed": datetime(2026, 9, 30, 12, 0, 0, tzinfo=UTC),
}
BEN_FIRST = datetime(2026, 9, 28, 8, 5, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Expected:
    """What a correct collect places for one student."""

    student_id: str
    lms_id: str
    source: str  # the file in the download
    submitted_at: datetime | None  # None where the LMS gives no time (Canvas)
    lms_late: bool
    renamed: bool  # the notebook was renamed: the placement's note says so


@dataclass
class Download:
    path: Path
    lms: str
    roster_csv: Path
    assignment: str
    notebook: str
    expected: dict[str, Expected] = field(default_factory=dict)
    superseded: list[str] = field(default_factory=list)  # files of older attempts
    unplaced: dict[str, str] = field(default_factory=dict)  # file -> a phrase of its reason
    consumed: list[str] = field(default_factory=list)  # LMS metadata (receipts, timestamps)
    non_submitters: list[str] = field(default_factory=list)
    worksheet: Path | None = None  # Moodle: the grading worksheet beside the zip


def _people(notebooks: dict[str, bytes]) -> dict[str, Person]:
    missing = [s for s in SUBMITTERS if s not in notebooks]
    if missing:
        raise KeyError(f"notebooks must give the bytes of {', '.join(missing)} (see CAST)")
    people = {s: PEOPLE[s] for s in CAST}
    extras = sorted(s for s in notebooks if s not in PEOPLE)
    for index, sid in enumerate(extras):
        first = sid.capitalize()
        people[sid] = Person(sid, first, "Extra", str(20000 + index), str(6000 + index), sid, sid)
    return people


def _on_time_extras(people: dict[str, Person], notebooks: dict[str, bytes]) -> list[str]:
    """Who hands in on time besides the cast's submitters: the extras, and eve if given."""
    return [s for s in people if s not in PEOPLE or (s == "eve" and s in notebooks)]


def write_roster(path: Path, people: dict[str, Person], lms: str) -> Path:
    """The roster CSV for `lms`: everyone of `people` but zed (who is not enrolled)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "name", "email", "lms_id"])
        for sid, person in people.items():
            if sid != "zed":
                email = f"{sid}@example.edu"
                writer.writerow([sid, person.name, email, person.lms_id(lms)])
    return path


def _zip_time(moment: datetime, zone=UTC) -> tuple:
    return moment.astimezone(zone).timetuple()[:6]


def _add(archive: zipfile.ZipFile, name: str, data: bytes, moment: datetime, zone=UTC) -> None:
    info = zipfile.ZipInfo(name, date_time=_zip_time(moment, zone))
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _start(path: Path, lms: str, notebooks: dict[str, bytes], assignment: str, notebook: str):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    people = _people(notebooks)
    roster = write_roster(path.parent / f"{path.stem}-roster.csv", people, lms)
    absent = [] if "eve" in notebooks else ["eve"]
    download = Download(path, lms, roster, assignment, notebook, non_submitters=absent)
    return path, people, download


def _expect(download: Download, person: Person, source: str, at, late=False, renamed=False):
    download.expected[person.student_id] = Expected(
        person.student_id, person.lms_id(download.lms), source, at, late, renamed
    )


# ---------------------------------------------------------------------------------------------
# Canvas
# ---------------------------------------------------------------------------------------------


def build_canvas(
    path: Path,
    notebooks: dict[str, bytes],
    *,
    first_attempt: bytes | None = None,
    assignment: str = ASSIGNMENT,
    notebook: str = NOTEBOOK,
) -> Download:
    """Canvas "Download Submissions": `<name>[_LATE]_<user id>_<file id>_<file name>`, flat.

    ben's resubmission carries Canvas's `-1` suffix and a higher file id; cam's file is marked
    `LATE`; dee's notebook was saved by the browser as `01_neurons (1).ipynb`. The zip holds no
    time, so no placement has one.
    """
    path, people, download = _start(path, "canvas", notebooks, assignment, notebook)
    ipynb = f"{notebook}.ipynb"

    def name(sid: str, file_id: int, display: str, late: bool = False) -> str:
        p = people[sid]
        return f"{p.canvas_name}{'_LATE' if late else ''}_{p.canvas}_{file_id}_{display}"

    with zipfile.ZipFile(path, "w") as archive:
        now = datetime(2026, 10, 3, 8, 0, tzinfo=UTC)  # when the instructor downloaded it
        files = {
            "ada": name("ada", 700101, ipynb),
            "ben": name("ben", 700150, f"{notebook}-1.ipynb"),
            "cam": name("cam", 700103, ipynb, late=True),
            "dee": name("dee", 700104, f"{notebook} (1).ipynb"),
            "zed": name("zed", 700199, ipynb),
        }
        first = name("ben", 700102, ipynb)
        _add(archive, first, first_attempt or notebooks["ben"], now)
        for sid, member in files.items():
            _add(archive, member, notebooks[sid], now)
        for index, sid in enumerate(_on_time_extras(people, notebooks)):
            member = name(sid, 800000 + index, ipynb)
            _add(archive, member, notebooks[sid], now)
            _expect(download, people[sid], member, None)
    _expect(download, people["ada"], files["ada"], None)
    _expect(download, people["ben"], files["ben"], None, renamed=True)
    _expect(download, people["cam"], files["cam"], None, late=True)
    _expect(download, people["dee"], files["dee"], None, renamed=True)
    download.superseded = [first]
    download.unplaced = {files["zed"]: "not on the roster"}
    return download


# ---------------------------------------------------------------------------------------------
# Moodle
# ---------------------------------------------------------------------------------------------


WORKSHEET_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                    "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                    "Feedback comments"]  # fmt: skip


def moodle_time(moment: datetime | None, zone=UTC) -> str:
    """`userdate()` in English (langconfig strftimedaydatetime): `Wednesday, 30 September 2026,
    7:30 PM` in the Moodle user's zone; `-` for none."""
    if moment is None:
        return "-"
    t = moment.astimezone(zone)
    return f"{t:%A}, {t.day} {t:%B %Y}, {(t.hour - 1) % 12 + 1}:{t:%M} {t:%p}"


def participant_id(person: Person, offset: int) -> str:
    """The person's participant id in an assignment: Moodle numbers them anew in each one."""
    return str(int(person.moodle) + offset)


def write_worksheet(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(WORKSHEET_HEADER)
        writer.writerows(rows)
    return path


def worksheet_row(person: Person, pid: str, at: datetime | None, maximum, zone=UTC) -> list[str]:
    status = "Submitted for grading" if at else "No submission"
    top = f"{maximum:.2f}" if maximum is not None else ""
    return [f"Participant {pid}", person.name, f"{person.student_id}@example.edu", status, "",
            top, "Yes", moodle_time(at, zone), "-", ""]  # fmt: skip


def build_moodle(
    path: Path,
    notebooks: dict[str, bytes],
    *,
    first_attempt: bytes | None = None,
    assignment: str = ASSIGNMENT,
    notebook: str = NOTEBOOK,
    offset: int = 0,
    zone=UTC,
    maximum: float | None = None,
    worksheet: bool = True,
    stranger: bool = False,
    at: dict[str, datetime] | None = None,
) -> Download:
    """Moodle "Download all submissions", in folders:
    `<Full Name>_<participant id>_assignsubmission_file_/<file>`, and its grading worksheet
    `Grades-<zip name>.csv` beside it (times in `zone`, the downloading user's; `maximum`: the
    assignment's maximum grade in Moodle). Participant ids are the people's plus `offset`
    (each assignment numbers them anew). The zip's entry times are the download's.

    ben handed in twice: Moodle keeps only his latest files, under the path he gave them
    (`v2/01_neurons.ipynb`), so the first attempt is not in the download (`first_attempt` is
    unused). dee's notebook is `01_neurons(2).ipynb`. ada also typed an online text
    (`onlinetext.html`). zed is a Moodle participant, not on the roster: he hands in a file if
    `stranger` (see the module's docstring).
    """
    path, people, download = _start(path, "moodle", notebooks, assignment, notebook)
    ipynb = f"{notebook}.ipynb"
    now = datetime(2026, 10, 3, 8, 0, tzinfo=UTC)  # when the instructor downloaded it

    def folder(sid: str, plugin: str = "file") -> str:
        p = people[sid]
        return f"{p.name}_{participant_id(p, offset)}_assignsubmission_{plugin}_"

    files = {
        "ada": f"{folder('ada')}/{ipynb}",
        "ben": f"{folder('ben')}/v2/{ipynb}",
        "cam": f"{folder('cam')}/{ipynb}",
        "dee": f"{folder('dee')}/{notebook}(2).ipynb",
        "zed": f"{folder('zed')}/{ipynb}",
    }
    if not stranger:
        del files["zed"]
    text = f"{folder('ada', 'onlinetext')}/onlinetext.html"
    times = TIMES | (at or {})
    if "zed" not in files:
        del times["zed"]  # his worksheet row: "No submission"
    with zipfile.ZipFile(path, "w") as archive:
        for sid, member in files.items():
            _add(archive, member, notebooks[sid], now)
        _add(archive, text, b"<p>I found part 3 hard.</p>", now)
        for sid in _on_time_extras(people, notebooks):
            member = f"{folder(sid)}/{ipynb}"
            _add(archive, member, notebooks[sid], now)
            times[sid] = (at or {}).get(sid, TIMES["ada"])
    rows = [worksheet_row(p, participant_id(p, offset), times.get(sid), maximum, zone)
            for sid, p in people.items()]  # fmt: skip
    if worksheet:
        download.worksheet = write_worksheet(path.parent / f"Grades-{path.stem}.csv", rows)
    at = times if worksheet else {}
    for sid in ("ada", "ben", "cam", *_on_time_extras(people, notebooks)):
        member = files.get(sid) or f"{folder(sid)}/{ipynb}"
        _expect(download, people[sid], member, _minute(at.get(sid)))
    _expect(download, people["dee"], files["dee"], _minute(at.get("dee")), renamed=True)
    download.unplaced = {text: "onlinetext"}
    if "zed" in files:
        download.unplaced[files["zed"]] = "not on the roster"
    return download


def _minute(moment: datetime | None) -> datetime | None:
    """A worksheet time: Moodle writes minutes, not seconds."""
    return moment.replace(second=0, microsecond=0) if moment else None


# ---------------------------------------------------------------------------------------------
# Blackboard
# ---------------------------------------------------------------------------------------------

BLACKBOARD_ASSIGNMENT = "Week_1 Neurons"  # an assignment name with an underscore, on purpose


def blackboard_receipt(person: Person, title: str, at: datetime, files: dict[str, str]) -> str:
    """A Blackboard receipt, as gradex-cli's README quotes one (UK server, local time)."""
    local = at.astimezone(LONDON)
    when = f"{local:%A}, {local.day} {local:%B %Y %H:%M:%S} o'clock {local.tzname()}"
    listing = "".join(
        f"\tOriginal filename: {original}\n\tFilename: {stored}\n"
        for stored, original in files.items()
    )
    return (
        f"Name: {person.name} ({person.blackboard})\nAssignment: {title}\n"
        f"Date Submitted: {when}\nCurrent Grade: Needs Grading\n\n"
        "Submission Field:\nThere is no student submission text data for this assignment.\n\n"
        "Comments:\nThere are no student comments for this assignment.\n\n"
        f"Files:\n{listing}"
    )


def build_blackboard(
    path: Path,
    notebooks: dict[str, bytes],
    *,
    first_attempt: bytes | None = None,
    assignment: str = ASSIGNMENT,
    notebook: str = NOTEBOOK,
    title: str = BLACKBOARD_ASSIGNMENT,
    at: dict[str, datetime] | None = None,
) -> Download:
    """Blackboard "Assignment File Download":
    `<title>_<username>_attempt_<local time>_<file>` plus one receipt `.txt` per attempt.

    ben (username `ben_b`) made two attempts; dee's notebook is `01_neurons-Copy1.ipynb`; the
    server's local time is Europe/London (BST in October), which only the receipts say.
    """
    path, people, download = _start(path, "blackboard", notebooks, assignment, notebook)
    times = TIMES | (at or {})
    ipynb = f"{notebook}.ipynb"

    def attempt(archive, sid: str, at: datetime, original: str, data: bytes) -> str:
        p = people[sid]
        stem = f"{title}_{p.blackboard}_attempt_{at.astimezone(LONDON):%Y-%m-%d-%H-%M-%S}"
        stored = f"{stem}_{original}"
        receipt = blackboard_receipt(p, title, at, {stored: original})
        _add(archive, stored, data, at, LONDON)
        _add(archive, f"{stem}.txt", receipt.encode(), at, LONDON)
        download.consumed.append(f"{stem}.txt")
        return stored

    with zipfile.ZipFile(path, "w") as archive:
        first = attempt(archive, "ben", BEN_FIRST, ipynb, first_attempt or notebooks["ben"])
        files = {
            sid: attempt(
                archive, sid, times[sid], ipynb if sid != "dee" else f"{notebook}-Copy1.ipynb",
                notebooks[sid],
            )
            for sid in SUBMITTERS
        }  # fmt: skip
        for sid in _on_time_extras(people, notebooks):
            when = (at or {}).get(sid, TIMES["ada"])
            member = attempt(archive, sid, when, ipynb, notebooks[sid])
            _expect(download, people[sid], member, when)
    for sid in ("ada", "ben", "cam"):
        _expect(download, people[sid], files[sid], times[sid])
    _expect(download, people["dee"], files["dee"], times["dee"], renamed=True)
    download.superseded = [first]
    download.unplaced = {files["zed"]: "not on the roster"}
    return download


# ---------------------------------------------------------------------------------------------
# Plain folders
# ---------------------------------------------------------------------------------------------


def nbgrader_timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z")


def build_folders(
    path: Path,
    notebooks: dict[str, bytes],
    *,
    first_attempt: bytes | None = None,  # no attempts in folders: accepted and unused
    assignment: str = ASSIGNMENT,
    notebook: str = NOTEBOOK,
) -> Download:
    """A zip of folders: `<folder>/<notebook>.ipynb` or `<folder>/<assignment>/<notebook>.ipynb`
    with nbgrader's `timestamp.txt`. Folders are named by the roster's lms_id (`Ada Lovelace`)
    or by the student id (`ben`). dee's notebook is `01_neurons-Copy1.ipynb`; ada left a
    `scratch.py` beside hers."""
    path, people, download = _start(path, "folders", notebooks, assignment, notebook)
    ipynb = f"{notebook}.ipynb"
    files = {
        "ada": f"{people['ada'].folder}/{ipynb}",
        "ben": f"ben/{assignment}/{ipynb}",
        "cam": f"cam/{assignment}/{ipynb}",
        "dee": f"{people['dee'].folder}/{notebook}-Copy1.ipynb",
        "zed": f"zed/{ipynb}",
    }
    stamps = {sid: f"{sid}/{assignment}/timestamp.txt" for sid in ("ben", "cam")}
    scratch = f"{people['ada'].folder}/scratch.py"
    with zipfile.ZipFile(path, "w") as archive:
        for sid, member in files.items():
            _add(archive, member, notebooks[sid], TIMES[sid])
        for sid, member in stamps.items():
            _add(archive, member, nbgrader_timestamp(TIMES[sid]).encode(), TIMES[sid])
        _add(archive, scratch, b"print('scratch')\n", TIMES["ada"])
        for sid in _on_time_extras(people, notebooks):
            _add(archive, f"{sid}/{ipynb}", notebooks[sid], TIMES["ada"])
            _expect(download, people[sid], f"{sid}/{ipynb}", None)
    _expect(download, people["ada"], files["ada"], None)
    _expect(download, people["ben"], files["ben"], TIMES["ben"])
    _expect(download, people["cam"], files["cam"], TIMES["cam"])
    _expect(download, people["dee"], files["dee"], None, renamed=True)
    download.unplaced = {files["zed"]: "not on the roster", scratch: "not a notebook"}
    download.consumed = sorted(stamps.values())
    return download


BUILDERS = {
    "canvas": build_canvas,
    "moodle": build_moodle,
    "blackboard": build_blackboard,
    "folders": build_folders,
}


def build(lms: str, path: Path, notebooks: dict[str, bytes], **options) -> Download:
    """The scenario's download for `lms` (one of `BUILDERS`)."""
    return BUILDERS[lms](path, notebooks, **options)


def tiny_notebook(text: str) -> bytes:
    """A small valid nbformat 4.5 notebook whose one code cell holds `text` (for unit tests)."""
    cell = {"cell_type": "code", "execution_count": None, "id": "cell-0", "metadata": {},
            "outputs": [], "source": text}  # fmt: skip
    notebook = {
        "cells": [cell],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1).encode()
