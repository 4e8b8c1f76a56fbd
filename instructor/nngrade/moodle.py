"""Moodle's offline grading worksheet: who each participant is, when they handed in, and back.

Moodle numbers the participants of each assignment anew ("Participant 4711" in the download's
folder names is `get_uniqueid_for_user`, a row of the site-wide `assign_user_mapping` table), so
one roster `lms_id` cannot name a Moodle student for a whole term. The assignment's grading
worksheet, downloaded from the same page as the submissions (*View all submissions* ▸ *Download
grading worksheet*, with "Offline grading worksheet" on in the assignment's feedback types), says
who each participant is. As `mod/assign/gradingtable.php` writes it (downloading):

    Identifier, Full name, <identity fields: Email address, ID number, ...>, Status, Grade,
    Maximum Grade, Grade can be changed, Last modified (submission), [Online text],
    Last modified (grade), Feedback comments

`Identifier` is "Participant <id>"; the two times are `userdate()` in the downloading user's
time zone, in English `Thursday, 1 October 2026, 3:03 PM` (langconfig `strftimedaydatetime`),
or `-`. Moodle's importer (`mod/assign/feedback/offline/importgradeslib.php`, `locallib.php`)
finds the columns `Identifier`, `Grade` and `Last modified (grade)` by their headers (the import
is refused without them), strips "Participant " to find the user, reads `Last modified (grade)`
with `strtotime` and skips a row whose grade was changed in Moodle more than 60 s after that time
(the safety check), skips a grade above the assignment's maximum, and imports a feedback column
whose header is an enabled feedback plugin's field (`Feedback comments`). So the worksheet is
written back with every column as downloaded, only `Grade` and `Feedback comments` filled in.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .roster import Roster, Student

IDENTIFIER, FULL_NAME, EMAIL, ID_NUMBER = "Identifier", "Full name", "Email address", "ID number"
GRADE, GRADED = "Grade", "Last modified (grade)"
SUBMITTED, COMMENTS = "Last modified (submission)", "Feedback comments"
MAXIMUM = ("Maximum Grade", "Maximum grade")
REQUIRED = (IDENTIFIER, GRADE, GRADED)  # what Moodle's importer needs (init() returns false)
PARTICIPANT = re.compile(r"^Participant (\d+)$")
#: `userdate()` with English `strftimedaydatetime` (Moodle 2.x-4.x), and 24-hour variants.
DATE_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M", "%d %B %Y, %I:%M %p",
                "%d %B %Y, %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")  # fmt: skip


class WorksheetError(ValueError):
    """The worksheet cannot be used; the message names the file, the row and the problem."""


@dataclass(frozen=True)
class Row:
    line: int  # the row's line in the file (the header is line 1)
    participant: str  # the id after "Participant "
    name: str
    email: str
    id_number: str
    submitted: str  # as Moodle wrote it

    def describe(self) -> str:
        who = ", ".join(part for part in (self.name, self.email) if part)
        return f"row {self.line} (Participant {self.participant}{': ' + who if who else ''})"


@dataclass
class Worksheet:
    path: Path
    header: list[str]
    cells: list[list[str]]  # every data row as read, for writing back
    rows: dict[str, Row] = field(default_factory=dict)  # by participant id

    def column(self, *names: str) -> int | None:
        for name in names:
            if name in self.header:
                return self.header.index(name)
        return None

    def submitted_at(self, participant: str, zone: ZoneInfo) -> datetime | None:
        row = self.rows.get(participant)
        return parse_moodle_time(row.submitted, zone) if row else None


def parse_moodle_time(text: str, zone: ZoneInfo) -> datetime | None:
    """A worksheet time (`userdate()`, in the Moodle user's zone `zone`) in UTC; None for `-`."""
    text = " ".join(text.split())
    for form in DATE_FORMATS:
        try:
            local = datetime.strptime(text, form)
        except ValueError:
            continue
        return local.replace(tzinfo=zone).astimezone(UTC)
    return None


def read_worksheet(path: Path) -> Worksheet:
    """Read and check a grading worksheet (UTF-8, comma-separated, as Moodle downloads it)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise WorksheetError(f"grading worksheet {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        problem = f"grading worksheet {path} cannot be read as UTF-8 CSV ({error})"
        raise WorksheetError(problem) from None
    table = list(csv.reader(io.StringIO(text, newline="")))
    header = [h.strip() for h in (table[0] if table else [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise WorksheetError(
            f"{path} is not a Moodle grading worksheet: no column {', '.join(missing)} "
            "(download it from the assignment's page: View all submissions ▸ Download grading "
            "worksheet)"
        )
    sheet = Worksheet(path, header, [])
    at = {name: sheet.column(name) for name in (IDENTIFIER, FULL_NAME, EMAIL, ID_NUMBER, SUBMITTED)}
    for line, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        sheet.cells.append(cells)
        found = PARTICIPANT.match(cells[at[IDENTIFIER]].strip())
        if not found:
            raise WorksheetError(
                f"{path}, row {line}: identifier {cells[at[IDENTIFIER]]!r} is not "
                "'Participant <number>'"
            )

        def get(name: str, cells=cells) -> str:
            return cells[at[name]].strip() if at[name] is not None else ""

        row = Row(line, found[1], get(FULL_NAME), get(EMAIL), get(ID_NUMBER), get(SUBMITTED))
        if row.participant in sheet.rows:
            first = sheet.rows[row.participant].line
            raise WorksheetError(
                f"{path}, row {line}: Participant {row.participant} again (already row {first})"
            )
        sheet.rows[row.participant] = row
    return sheet


def find_worksheet(source: Path) -> Path | None:
    """The worksheet beside a download, as Moodle names both: `NN101-Neurons-42.zip` and
    `Grades-NN101-Neurons-42.csv` (`offlinegradingworksheet` + the same name)."""
    source = Path(source)
    stem = source.stem if source.suffix.lower() == ".zip" else source.name
    beside = source.parent / f"Grades-{stem}.csv"
    return beside if beside.is_file() else None


# ---------------------------------------------------------------------------------------------
# Who is who: worksheet rows or names against the roster
# ---------------------------------------------------------------------------------------------


#: What Moodle's `clean_filename` (PARAM_FILE) drops from a name in the zip's folder names.
DROPPED_IN_FILE_NAMES = re.compile(r"""[\x00-\x1f\x7f&<>"`|':\\/]""")


def same_name(a: str, b: str) -> bool:
    """Names equal up to case, spacing, Unicode form, `_` (the zip writes spaces) and the
    characters Moodle drops from file names (`O'Brien` is `OBrien` in the zip)."""

    def norm(text: str) -> str:
        text = DROPPED_IN_FILE_NAMES.sub("", unicodedata.normalize("NFC", text))
        return " ".join(text.replace("_", " ").casefold().split())

    return bool(a.strip()) and norm(a) == norm(b)


def student_of_row(row: Row, roster: Roster) -> Student | None:
    """The roster student of a worksheet row: by Moodle's ID number (the roster's lms_id or
    student_id), else by email address (case does not matter)."""
    if row.id_number:
        found = [s for s in roster if row.id_number in (s.lms_id, s.id)]
        if len(found) == 1:
            return found[0]
    if row.email:
        found = [s for s in roster if s.email and s.email.casefold() == row.email.casefold()]
        if len(found) == 1:
            return found[0]
    return None


def map_participants(
    sheet: Worksheet, roster: Roster, wanted: set[str]
) -> dict[str, tuple[Student | None, str]]:
    """Each participant of `wanted` (those with a file in the download) to (roster student, "").

    Moodle lists every enrolled participant in the worksheet, so a row of someone who handed
    nothing in ("No submission": no file in the download, as `download_submissions` zips only
    existing submissions) is ignored, on the roster or not. A row that handed in and matches no
    roster student, or two rows that match one student, are refused (WorksheetError, every such
    row named in one message): the roster or the worksheet is wrong, and guessing would put a
    grade in the wrong place."""
    found, taken, strangers = {}, {}, []
    for pid in sorted(wanted, key=lambda p: sheet.rows[p].line):
        row = sheet.rows[pid]
        student = student_of_row(row, roster)
        if student is None:
            strangers.append(row)
        elif student.id in taken:
            raise WorksheetError(
                f"{sheet.path}: {row.describe()} and row {taken[student.id]} both match roster "
                f"student {student.id}: fix the roster's emails; nothing was collected"
            )
        else:
            found[pid], taken[student.id] = (student, ""), row.line
    if strangers:
        one = len(strangers) == 1
        rows = "; ".join(row.describe() for row in strangers)
        folders = ", ".join(f"*_{row.participant}_assignsubmission_*" for row in strangers)
        raise WorksheetError(
            f"{sheet.path}: {rows} handed in but {'matches' if one else 'match'} no roster "
            "student by email or ID number. Add the student to the roster (ROSTER=..., with the "
            "worksheet's email), or, if not to be graded here, delete the "
            f"{'row' if one else 'rows'} from the worksheet and {folders} from the download; "
            "nothing was collected"
        )
    return found


def students_named(name: str, roster: Roster) -> list[Student]:
    return [s for s in roster if same_name(s.name, name)]


def check_same_assignment(sheet: Worksheet, participants: dict[str, str]) -> None:
    """Refuse a worksheet of another assignment: every participant id of the download (with
    its name from the folder) must be a row of the worksheet, under the same name."""
    for pid, name in sorted(participants.items()):
        row = sheet.rows.get(pid)
        blind = name == "Participant"
        if row is None or not (blind or not row.name or same_name(row.name, name)):
            what = f"participant {pid} ({name})"
            why = "is not in it" if row is None else f"is {row.name!r} there"
            raise WorksheetError(
                f"{sheet.path} is not the grading worksheet of this download: {what} of the "
                f"download {why}. Moodle numbers participants anew in each assignment: download "
                "the worksheet from the same assignment's page as the zip"
            )


# ---------------------------------------------------------------------------------------------
# Back to Moodle: the worksheet filled in
# ---------------------------------------------------------------------------------------------


def fill_worksheet(
    sheet: Worksheet, roster: Roster, results: dict[str, dict], max_score: float, to: Path
) -> Path:
    """`sheet` with `Grade` and `Feedback comments` filled in for every row whose roster
    student has a result (`results[student_id]` = {"score": float|"" , "comment": str}); every
    other cell, `Last modified (grade)` included, as Moodle wrote it."""
    top = sheet.column(*MAXIMUM)
    grade = sheet.column(GRADE)
    header = list(sheet.header)
    comments = sheet.column(COMMENTS)
    if comments is None:
        header.append(COMMENTS)
        comments = len(header) - 1
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    by_line = {row.line: row for row in sheet.rows.values()}
    lines = sorted(by_line)
    for index, cells in enumerate(sheet.cells):
        cells = cells + [""] * (len(header) - len(cells))
        row = by_line[lines[index]]
        student = student_of_row(row, roster)
        result = results.get(student.id) if student else None
        if result and result["score"] != "":
            if top is not None and cells[top].strip():
                moodle_max = float(cells[top].replace(",", "."))
                if abs(moodle_max - max_score) > 1e-9:
                    raise WorksheetError(
                        f"{sheet.path}: Moodle's maximum grade is {moodle_max:g} but the "
                        f"assignment is out of {max_score:g}: set the assignment's Maximum grade "
                        f"to {max_score:g} in Moodle, download the worksheet again and collect "
                        "with it (Moodle would skip or misread every grade)"
                    )
            cells[grade] = f"{float(result['score']):.2f}"
            cells[comments] = result["comment"]
        writer.writerow(cells)
    to.write_text(out.getvalue(), encoding="utf-8")
    return to
