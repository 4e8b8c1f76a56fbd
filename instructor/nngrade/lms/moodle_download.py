"""Moodle's "Download all submissions" (the grading worksheet itself is `nngrade.moodle`).

moodle/moodle `mod/assign/classes/downloader.php`, earlier
`mod/assign/locallib.php::download_submissions`: with "Download submissions in folders" (the
default since Moodle 3.1) one folder per participant,
`<Full Name>_<participant id>_assignsubmission_file[_]/<file path><file name>`, e.g.
`Peter Pan_4711_assignsubmission_file_/01_neurons.ipynb`; without it, flat files
`<Full Name>_<participant id>_assignsubmission_file_<file name>`. Underscores in names become
spaces; blind marking writes `Participant` for the name. Online text goes under
`..._assignsubmission_onlinetext_/onlinetext.html`. The participant id is Moodle's unique id of
the user in *this* assignment (`get_uniqueid_for_user`): every assignment numbers its
participants anew, so the assignment's grading worksheet (`nngrade.moodle`) maps each id to a
roster student by email or ID number, and gives the submission time (`Last modified
(submission)`). Without a worksheet a participant is matched by a roster `lms_id` equal to the
id, else by full name (an unknown name is reported, two roster students of that name refuse the
collect), and there is no time: the zip's entry times are when the zip was made (core
`zip_writer::add_file_from_stored_file` is given no time), so they are never read.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import moodle
from .base import LMS
from .model import Candidate, Context, DownloadError, Member, Plan, Unplaced

MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
MOODLE_FLAT = re.compile(
    r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$"
)


class Moodle(LMS):
    name, title = "moodle", "Moodle"
    naming = "<full name>_<participant id>_assignsubmission_file_/<file>"

    def recognizes(self, path: str) -> bool:
        first, base = path.split("/", 1)[0], path.rsplit("/", 1)[-1]
        return bool(("/" in path and MOODLE_FOLDER.match(first)) or MOODLE_FLAT.match(base))

    def worksheet(self, source: Path, given: Path | None) -> moodle.Worksheet | None:
        """The grading worksheet given, else the one beside the zip, if any."""
        path = given or moodle.find_worksheet(source)
        try:
            return moodle.read_worksheet(path) if path else None
        except moodle.WorksheetError as error:
            raise DownloadError(str(error)) from None

    def parse(self, members: list[Member], ctx: Context, plan: Plan) -> None:
        for member in members:
            first = member.path.split("/", 1)[0]
            folder = MOODLE_FOLDER.match(first) if "/" in member.path else None
            flat = None if folder else MOODLE_FLAT.match(member.name)
            found = folder or flat
            if not found:
                plan.unplaced.append(self.misnamed(member))
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

    def identify(self, plan: Plan, ctx: Context) -> None:
        if ctx.roster is not None:
            ctx.moodle_students.update(_moodle_students(plan, ctx))

    def student_of(self, candidate: Candidate, ctx: Context) -> tuple[str | None, str]:
        if ctx.roster is None:
            return super().student_of(candidate, ctx)
        student_id, why = ctx.moodle_students[candidate.identity]
        if student_id is None:
            return None, why
        candidate.note = why
        return student_id, ""


def _moodle_students(plan: Plan, ctx: Context) -> dict[str, tuple[str | None, str]]:
    """Each Moodle participant who handed in a file: (roster student id or None, note or why).
    Raises DownloadError for a worksheet of another assignment, two worksheet rows matching one
    roster student, a worksheet row that handed in and matches no roster student, a name that two
    roster students share or that none has: nothing is written then (never a guess)."""
    handed_in = {c.identity for c in plan.candidates}
    sheet = ctx.worksheet
    try:
        if sheet is not None:
            moodle.check_same_assignment(sheet, plan.participants)
            found = moodle.map_participants(sheet, ctx.roster, handed_in)
            return {pid: (s.id if s else None, why) for pid, (s, why) in found.items()}
    except moodle.WorksheetError as error:
        raise DownloadError(str(error)) from None
    result, unknown = {}, []
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
            unknown.append(f"participant {pid} ({name})")
    if unknown:
        raise DownloadError(
            f"Moodle {'; '.join(unknown)} handed in, and no roster student has "
            f"{'that name' if len(unknown) == 1 else 'those names'}: add them to the roster "
            "(ROSTER=..., with the name as Moodle writes it), or give the assignment's grading "
            "worksheet (--worksheet) to match by email; nothing was collected"
        )
    return result
