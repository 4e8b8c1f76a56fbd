"""Which existing gradebook column of Canvas or Blackboard each assignment's grades go into.

An import file whose column header names no existing column makes the LMS create a new one; a
header carrying the column's id fills the existing column. The ids come from the gradebook
export the instructor downloads (`nngrade export --gradebook FILE`, remembered), or from the
course setting `lms_columns` in `nngrade.json` ({"01_neurons": "Neurons (12345)"}):

- **Canvas** (Grades ▸ Export): header `Student, ID, SIS User ID, SIS Login ID, Section,
  <Title> (<assignment id>), ...`, then a row `Points Possible`. Canvas's importer matches a
  column by the id in parentheses (`Assignment.title_and_id`) and sets the points possible from
  the `Points Possible` row (`GradebookImporter#process_pp`).
- **Blackboard Learn** (Grade Centre ▸ Work Offline ▸ Download; a tab-separated UTF-16 `.xls`
  or a `.csv`): `Last Name, First Name, Username, ..., <Title> [Total Pts: 14 Score] |123456`.
  Upload fills the column whose id follows `|` and keeps its points possible (a column without
  an id becomes a new text column worth 0 points, as Blackboard's help on uploading says), so
  the export is refused when the column's points are not the assignment's.

An export column is the assignment's when its title, ignoring case, spaces and `_`, equals or
contains the assignment's name (`01_neurons`, `Week 1 - 01 neurons`); two such columns are
refused by name, never guessed.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from nngrade.course import Course, CourseError, read_settings

CANVAS_COLUMN = re.compile(r"^(?P<title>.*?)\s*\((?P<id>\d+)\)$")
BLACKBOARD_COLUMN = re.compile(
    r"^(?P<title>.*?)\s*\[Total Pts: (?P<points>[\d.]+)(?: (?P<kind>[A-Za-z ]+))?\]"
    r"\s*\|(?P<id>\d+)$"
)


def read_export(path: Path) -> list[str]:
    """The header row of a gradebook export (CSV, or Blackboard's tab-separated UTF-16)."""
    data = Path(path).read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        text = data.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text else ""
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])


def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").casefold().split())


def find_column(headers: list[str], lms: str, assignment: str, source: str) -> str | None:
    """The export's header of `assignment`'s column, or None; two candidates are refused."""
    pattern = CANVAS_COLUMN if lms == "canvas" else BLACKBOARD_COLUMN
    ours = [h for h in headers if (m := pattern.match(h.strip()))
            and _key(assignment) in _key(m["title"])]  # fmt: skip
    if len(ours) > 1:
        raise CourseError(
            f"{source}: columns {', '.join(repr(h) for h in ours)} could each be {assignment}: "
            f'name the right one in nngrade.json: "lms_columns": {{"{assignment}": "<header>"}}'
        )
    return ours[0].strip() if ours else None


def check_points(header: str, lms: str, assignment: str, points: float) -> None:
    """Blackboard keeps a column's points on upload: they must be the assignment's."""
    match = BLACKBOARD_COLUMN.match(header) if lms == "blackboard" else None
    if match and abs(float(match["points"]) - points) > 1e-9:
        raise CourseError(
            f"Blackboard's column {header!r} is out of {float(match['points']):g} but "
            f"{assignment} is out of {points:g}: set the column's Points Possible to {points:g} "
            "in the Grade Centre and download the gradebook again (GRADEBOOK=...)"
        )


def column_headers(course: Course, lms: str, names: list[str], tops: dict) -> list[str]:
    """Per assignment, the import file's header: the existing column's when known, else the
    assignment's name (the LMS then makes a new column)."""
    if lms not in ("canvas", "blackboard"):
        return list(names)
    settings = read_settings(course.root).get("lms_columns", {})
    headers = read_export(course.lms_gradebook) if course.lms_gradebook else []
    out = []
    for name in names:
        header = settings.get(name) or find_column(headers, lms, name, str(course.lms_gradebook))
        if header:
            check_points(header, lms, name, tops.get(name, 0.0))
        out.append(header or name)
    return out
