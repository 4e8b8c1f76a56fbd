"""Canvas's "Download Submissions".

instructure/canvas-lms `lib/content_zipper.rb` (`get_filename`, `add_upload_submission`): a flat
zip, one file per uploaded attachment,
`<sortable name, lower case, letters only>[_LATE]_<user id>_<attachment id>_<file name>`, e.g.
`kim_12345_678901_01_neurons.ipynb` or `kim_LATE_12345_678901_01_neurons.ipynb`. The second
number is the attachment (file) id, which grows with every upload. With anonymous grading the
name is left out and the user id is `anon_<anonymous id>`. Text entries and URLs become
`<name>_<user id>_text.html` / `_link.html`. A file uploaded again under the same name is
renamed `01_neurons-1.ipynb`, `-2`, ... (`Attachment.make_unique_filename` in
`app/models/attachment.rb`). The zip holds no submission time, so among several files for one
notebook the higher `-N`, then the higher attachment id, counts. Roster `lms_id`: the user id.
"""

from __future__ import annotations

import re

from .base import LMS
from .model import Candidate, Context, Member, Plan, Unplaced

CANVAS = re.compile(
    r"^(?P<name>[^_]+(?:_[^_]+)*?)_(?:(?P<late>LATE)_)?(?P<user>\d+)_(?P<file>\d+)_(?P<display>.+)$"
)
CANVAS_ANONYMOUS = re.compile(
    r"^(?:(?P<late>LATE)_)?(?P<user>anon_[A-Za-z0-9]+)_(?P<file>\d+)_(?P<display>.+)$"
)
CANVAS_TEXT = re.compile(r"^(?:.+_)?(?:LATE_)?(?P<user>\d+|anon_[A-Za-z0-9]+)_(?:text|link)\.html$")


class Canvas(LMS):
    name, title = "canvas", "Canvas"
    naming = "<name>[_LATE]_<user id>_<file id>_<file name>"

    def recognizes(self, path: str) -> bool:
        base = path.rsplit("/", 1)[-1]
        return any(p.match(base) for p in (CANVAS, CANVAS_ANONYMOUS, CANVAS_TEXT))

    def parse(self, members: list[Member], ctx: Context, plan: Plan) -> None:
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
                    plan.unplaced.append(self.misnamed(member))
                continue
            plan.recognized += 1
            display = match["display"]
            name = match.groupdict().get("name")
            label = f"Canvas user {match['user']}" + (f" ({name})" if name else "")
            resubmission = re.search(r"-(\d+)\.[^.]+$", display)
            order = (int(resubmission[1]) if resubmission else 0, int(match["file"]))
            late = bool(match["late"])
            plan.candidates.append(
                Candidate(member, match["user"], label, display, late=late, order=order)
            )
