"""Plain folders (an extracted download, or what a course's own upload form gives).

`<student>/<notebook>.ipynb`, `<student>/<assignment>/<notebook>.ipynb` (with nbgrader's
`timestamp.txt` if there is one), or flat `<student>_<notebook>.ipynb`. `<student>` is matched to
the roster's `lms_id`, then `student_id`; without a roster it is the student id.
"""

from __future__ import annotations

from datetime import UTC, datetime

from nbgrader.utils import parse_utc

from ..roster import Roster, check_student_id
from .base import LMS
from .model import Candidate, Context, Member, NotebookMatch, Plan, Unplaced
from .notebooks import match_notebook


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


class Folders(LMS):
    name, title = "folders", "folders"

    def student_of(self, candidate: Candidate, ctx: Context) -> tuple[str | None, str]:
        if ctx.roster is None:
            return super().student_of(candidate, ctx)
        student = ctx.roster.by_lms_id(candidate.identity) or ctx.roster.by_id(candidate.identity)
        if student is None:
            return None, f"{candidate.label} is not on the roster: not collected"
        return student.id, ""

    def parse(self, members: list[Member], ctx: Context, plan: Plan) -> None:
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
                        "a loose file that is not <student>_<notebook>.ipynb for a known "
                        "student: not collected"
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
            candidate = Candidate(
                member, identity, label, filename, stamps.get(identity), match=match
            )
            plan.candidates.append(candidate)
