"""Blackboard Learn's "Assignment File Download" from the Grade Centre.

File names as parsed by vangef/BBGradebookOrganiser and other graders' tools, receipt text as
quoted in timdrysdale/gradex-cli's README: `<Assignment Name>_<username>_attempt_
<YYYY-MM-DD-HH-MM-SS>_<original file name>`, e.g.
`Neurons_kim_attempt_2026-10-01-14-03-22_01_neurons.ipynb`, plus one receipt per attempt,
`<Assignment Name>_<username>_attempt_<timestamp>.txt`:

    Name: Jae Kim (kim)
    Assignment: Neurons
    Date Submitted: Thursday, 1 October 2026 15:03:22 o'clock BST
    Current Grade: Needs Grading
    ...
    Files:
      Original filename: 01_neurons.ipynb
      Filename: Neurons_kim_attempt_2026-10-01-15-03-22_01_neurons.ipynb

(US servers write `Thursday, October 1, 2026 3:03:22 PM EDT`.) The receipt gives the time zone
and the original file name; without it the file name's time is read in `timezone`. Each attempt
is a whole hand-in: the latest attempt counts. Roster `lms_id`: the username.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from ..roster import Roster
from .base import LMS
from .model import Candidate, Context, Member, Plan, aware

BLACKBOARD = re.compile(
    r"^(?P<prefix>.+)_attempt_(?P<stamp>\d{4}(?:-\d\d){5})(?:_(?P<file>.+)|(?P<ext>\.[^._]+))$"
)
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


def _identity(prefix: str, receipt: Receipt | None, roster: Roster | None) -> str:
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


class Blackboard(LMS):
    name, title = "blackboard", "Blackboard"
    naming = "<assignment>_<username>_attempt_<time>_<file>"

    def recognizes(self, path: str) -> bool:
        return bool(BLACKBOARD.match(path.rsplit("/", 1)[-1]))

    def parse(self, members: list[Member], ctx: Context, plan: Plan) -> None:
        receipts: dict[tuple[str, str], Receipt] = {}
        files = []
        for member in members:
            match = BLACKBOARD.match(member.name)
            if not match:
                plan.unplaced.append(self.misnamed(member))
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
            identity = _identity(match["prefix"], receipt, ctx.roster)
            filename = (receipt.original.get(member.name) if receipt else None) or match["file"]
            filename = filename or member.name
            stamp = datetime.strptime(match["stamp"], "%Y-%m-%d-%H-%M-%S")
            submitted_at = (receipt.submitted_at if receipt else None) or aware(stamp, ctx.zone)
            label = f"Blackboard user {identity}" + (f" ({receipt.name})" if receipt else "")
            plan.candidates.append(
                Candidate(
                    member, identity, label, filename, submitted_at,
                    order=(submitted_at.timestamp(),), attempt=match["stamp"],
                )
            )  # fmt: skip
