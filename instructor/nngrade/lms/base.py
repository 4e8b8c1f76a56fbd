"""The one interface every LMS follows (`canvas`, `moodle_download`, `blackboard`, `folders`)."""

from __future__ import annotations

from pathlib import Path

from ..roster import check_student_id
from .model import Candidate, Context, DownloadError, Member, Plan, Unplaced


class LMS:
    """How one LMS names its download, and who each of its files belongs to.

    `recognizes(path)` says whether a (cleaned) path follows this LMS's naming (detection);
    `parse(members, ctx, plan)` turns the download's usable files into candidates (or unplaced
    files, or consumed metadata); `identify(plan, ctx)` checks the whole plan's identities before
    the roster lookup; `student_of(candidate, ctx)` is the course's student id of a candidate.
    """

    name: str = ""
    title: str = ""
    naming: str = ""  # the file naming, as quoted in messages

    def recognizes(self, path: str) -> bool:
        return False

    def parse(self, members: list[Member], ctx: Context, plan: Plan) -> None:
        raise NotImplementedError

    def worksheet(self, source: Path, given: Path | None):
        """The LMS's grading worksheet of the assignment, if it has one (only Moodle's)."""
        if given is not None:
            raise DownloadError(
                f"{given} is a Moodle grading worksheet, and {source} is a {self.title} "
                "download: give the worksheet with the Moodle download of the same assignment"
            )
        return None

    def identify(self, plan: Plan, ctx: Context) -> None:
        """Anything to settle about the identities before the roster lookup (Moodle's)."""

    def student_of(self, candidate: Candidate, ctx: Context) -> tuple[str | None, str]:
        """The course's student id for a candidate's identity, or None and why not."""
        if ctx.roster is None:
            problem = check_student_id(candidate.identity)
            if problem:
                return None, f"{candidate.label} cannot be a student id: {problem}"
            return candidate.identity, ""
        student = ctx.roster.by_lms_id(candidate.identity)
        if student is None:
            return None, f"{candidate.label} is not on the roster: not collected"
        return student.id, ""

    def misnamed(self, member: Member) -> Unplaced:
        reason = f"not named as {self.title} names submissions ({self.naming}): not collected"
        return Unplaced(member.path, reason)
