"""What a collect is made of: the download's files, the candidates, the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .. import moodle
from ..roster import Roster


class DownloadError(ValueError):
    """The download cannot be collected at all; nothing was written."""


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


@dataclass(frozen=True)
class NotebookMatch:
    notebook: str | None
    renamed: bool = False
    problem: str | None = None


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


def aware(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """`moment` in UTC, read in `zone` when it has no zone of its own."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)
