"""Which LMS made a download, from how its files are named."""

from __future__ import annotations

from collections import defaultdict

from .archive import clean, junk
from .base import LMS
from .blackboard import Blackboard
from .canvas import Canvas
from .folders import Folders
from .moodle_download import Moodle

#: Every LMS, by name; the named ones in the order their namings are tried (the most specific
#: first: a Blackboard or Moodle name can also read as Canvas's).
SYSTEMS: dict[str, LMS] = {lms.name: lms for lms in (Blackboard(), Moodle(), Canvas(), Folders())}
LMS_NAMES = ("canvas", "moodle", "blackboard", "folders")
TITLES = {name: SYSTEMS[name].title for name in LMS_NAMES}
NAMING = {name: SYSTEMS[name].naming for name in ("canvas", "moodle", "blackboard")}


def _signature(path: str) -> str | None:
    """The LMS whose naming a (cleaned) member path follows, if any."""
    return next((s.name for s in SYSTEMS.values() if s.recognizes(path)), None)


def detect_lms(names: list[str]) -> str:
    """The LMS whose file naming most of `names` follow; `folders` when none does."""
    counts: dict[str, int] = defaultdict(int)
    for name in names:
        name = clean(name)
        if name and not junk(name):
            kind = _signature(name)
            if kind:
                counts[kind] += 1
    if not counts:
        return "folders"
    return max(("blackboard", "moodle", "canvas"), key=lambda kind: counts[kind])
