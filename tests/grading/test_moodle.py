"""Moodle's grading worksheet in and out (nngrade.moodle), and the LMS's own gradebook columns
(nngrade.lms_columns).

The downloads are `lms_downloads.build_moodle`'s: folders named as Moodle names them and the
assignment's grading worksheet `Grades-<zip name>.csv` beside the zip, with its participant ids
shifted by `offset` (Moodle numbers the participants of each assignment anew). A whole term of
each LMS through the make targets is `test_term.py`'s.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import lms_downloads as dl
import pytest
from nngrade import course as nncourse
from nngrade.feedback_pages import upload_name
from nngrade.lms import DownloadError, collect_download
from nngrade.lms_columns import column_headers, find_column, read_export
from nngrade.moodle import WorksheetError, fill_worksheet, parse_moodle_time, read_worksheet
from nngrade.roster import Roster, Student, load_roster

ASSIGNMENTS = ("01_neurons", "02_backprop", "03_autodiff")
OFFSETS = {"01_neurons": 0, "02_backprop": 311, "03_autodiff": 1207}  # Moodle's, per assignment
LONDON = ZoneInfo("Europe/London")


def notebook(tag: str) -> bytes:
    return dl.tiny_notebook(f"# {tag}")


def handed_in() -> dict[str, bytes]:
    return {sid: notebook(sid) for sid in dl.SUBMITTERS}


def moodle_download(tmp_path: Path, assignment: str = "01_neurons", **options) -> dl.Download:
    zip_path = tmp_path / f"NN101-{assignment}-{4000 + OFFSETS[assignment]}.zip"
    return dl.build_moodle(zip_path, handed_in(), assignment=assignment, notebook=assignment,
                           offset=OFFSETS[assignment], **options)  # fmt: skip


def collect(download: dl.Download, submitted: Path, roster=None, **options):
    return collect_download(
        download.path,
        assignment=download.assignment,
        notebooks=[download.notebook],
        roster=roster or load_roster(download.roster_csv),
        lms="moodle",
        submitted_dir=submitted,
        **options,
    )


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# ---------------------------------------------------------------------------------------------
# In: participant ids through the worksheet, times from it
# ---------------------------------------------------------------------------------------------


def test_every_assignment_of_a_term_collects_with_its_own_participant_ids(tmp_path):
    """The roster's lms_id holds 01's participant ids; 02 and 03 number everyone anew."""
    for assignment in ASSIGNMENTS:
        download = moodle_download(tmp_path / assignment, assignment)
        result = collect(download, tmp_path / "submitted")
        placed = {p.student_id: p.lms_id for p in result.placed}
        people = {sid: dl.participant_id(dl.PEOPLE[sid], OFFSETS[assignment])
                  for sid in ("ada", "ben", "cam", "dee")}  # fmt: skip
        assert placed == people, assignment
        for p in result.placed:
            assert p.submitted_at == dl.TIMES[p.student_id].replace(second=0)
        # eve (on the roster) and zed (not) have rows with no submission: ignored
        ada = 4701 + OFFSETS[assignment]
        online = f"Ada Lovelace_{ada}_assignsubmission_onlinetext_/onlinetext.html"
        assert [u.source for u in result.unplaced] == [online]
    assert sorted(p.name for p in (tmp_path / "submitted").iterdir() if p.name[0] != ".") == [
        "ada", "ben", "cam", "dee"
    ]  # fmt: skip
    assert (tmp_path / "submitted/cam/03_autodiff/timestamp.txt").read_text() == (
        "2026-10-02 09:15:00.000000 UTC"
    )


def test_the_id_number_column_matches_the_roster_before_the_email(tmp_path):
    sheet = tmp_path / "Grades-x.csv"
    sheet.write_text(
        "Identifier,Full name,ID number,Email address,Status,Grade,Last modified (grade)\n"
        "Participant 9001,Kim Lee,S-17,old@example.edu,Submitted for grading,,-\n"
    )
    roster = Roster([Student("kim", "Kim Lee", "kim@example.edu", "S-17"),
                     Student("old", "Old Address", "old@example.edu", "")])  # fmt: skip
    source = tmp_path / "x.zip"
    import zipfile

    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("Kim Lee_9001_assignsubmission_file/01_neurons.ipynb", notebook("kim"))
    result = collect_download(source, assignment="01_neurons", notebooks=["01_neurons"],
                              roster=roster, lms=None, submitted_dir=tmp_path / "s")  # fmt: skip
    assert [(p.student_id, p.lms_id) for p in result.placed] == [("kim", "9001")]


def test_names_moodle_cleaned_for_the_zip_still_match_the_worksheet(tmp_path):
    """`clean_filename` drops the apostrophe from the folder name, not from the worksheet."""
    import zipfile

    sheet = tmp_path / "Grades-y.csv"
    sheet.write_text(
        "Identifier,Full name,Email address,Status,Grade,Last modified (grade)\n"
        "Participant 9002,Seán O'Brien,sob@example.edu,Submitted for grading,,-\n",
        encoding="utf-8",
    )
    source = tmp_path / "y.zip"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("Seán OBrien_9002_assignsubmission_file/01_neurons.ipynb", notebook("s"))
    roster = Roster([Student("sob", "Seán O'Brien", "SOB@example.edu", "")])
    result = collect_download(source, assignment="01_neurons", notebooks=["01_neurons"],
                              roster=roster, lms=None, submitted_dir=tmp_path / "s")  # fmt: skip
    assert [(p.student_id, p.lms_id) for p in result.placed] == [("sob", "9002")]


def test_worksheet_times_are_read_in_the_course_time_zone(tmp_path):
    download = moodle_download(tmp_path, zone=LONDON)  # the Moodle user's zone: BST in October
    in_london = collect(download, tmp_path / "a", timezone="Europe/London")
    as_utc = collect(download, tmp_path / "b")
    ada_london = next(p for p in in_london.placed if p.student_id == "ada").submitted_at
    ada_utc = next(p for p in as_utc.placed if p.student_id == "ada").submitted_at
    assert ada_london == dl.TIMES["ada"] == datetime(2026, 9, 30, 10, 0, tzinfo=UTC)
    assert ada_utc == datetime(2026, 9, 30, 11, 0, tzinfo=UTC)  # read as UTC: an hour late


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thursday, 1 October 2026, 3:03 PM", datetime(2026, 10, 1, 14, 3, tzinfo=UTC)),
        ("Thursday, 1 October 2026, 12:05 AM", datetime(2026, 9, 30, 23, 5, tzinfo=UTC)),
        ("Thursday, 01 October 2026, 15:03", datetime(2026, 10, 1, 14, 3, tzinfo=UTC)),
        ("-", None),
        ("", None),
    ],
)
def test_moodle_dates_are_read_in_the_given_zone(text, expected):
    assert parse_moodle_time(text, LONDON) == expected


def test_without_a_worksheet_students_are_matched_by_full_name(tmp_path):
    download = moodle_download(tmp_path, worksheet=False)
    roster = Roster([Student(s.id, s.name, s.email, "") for s in load_roster(download.roster_csv)])
    result = collect(download, tmp_path / "s", roster=roster)
    notes = {p.student_id: p.note for p in result.placed}
    assert sorted(notes) == ["ada", "ben", "cam", "dee"]
    assert notes["ada"] == "matched by name: Moodle's 'Ada Lovelace' is ada"
    assert all(p.submitted_at is None for p in result.placed)  # no worksheet, no time


def test_without_a_worksheet_a_name_not_on_the_roster_is_refused(tmp_path):
    download = moodle_download(tmp_path, worksheet=False, stranger=True)
    roster = Roster([Student(s.id, s.name, s.email, "") for s in load_roster(download.roster_csv)])
    refused(download, tmp_path / "s", "Moodle participant 4799 (Zed Zuse) handed in, and no "
            "roster student has that name: add them to the roster (ROSTER=..., with the name as "
            "Moodle writes it), or give the assignment's grading worksheet (--worksheet) to match "
            "by email; nothing was collected", roster=roster)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Bad input: one clear message, nothing written
# ---------------------------------------------------------------------------------------------


def refused(download, submitted: Path, message: str, **options) -> None:
    with pytest.raises(DownloadError) as error:
        collect(download, submitted, **options)
    assert message in str(error.value)
    assert not submitted.exists()


def test_a_worksheet_of_another_assignment_is_refused(tmp_path):
    first = moodle_download(tmp_path / "01", "01_neurons")
    second = moodle_download(tmp_path / "02", "02_backprop")
    refused(first, tmp_path / "s", f"{second.worksheet} is not the grading worksheet of this "
            "download: participant 4701 (Ada Lovelace) of the download is not in it. Moodle "
            "numbers participants anew in each assignment", worksheet=second.worksheet)  # fmt: skip


def test_two_roster_students_with_one_name_are_refused_by_name(tmp_path):
    download = moodle_download(tmp_path, worksheet=False)
    roster = load_roster(download.roster_csv)
    twin = Student("ada2", "Ada  LOVELACE", "ada2@example.edu", "")
    students = [Student(s.id, s.name, s.email, "") for s in roster] + [twin]
    refused(download, tmp_path / "s", "Moodle participant 4701 is 'Ada Lovelace', and the roster "
            "has 2 students of that name (ada, ada2): give the assignment's grading worksheet",
            roster=Roster(students))  # fmt: skip


def test_two_worksheet_rows_of_one_roster_student_are_refused(tmp_path):
    """Moodle may allow two accounts with one email (allowaccountssameemail)."""
    download = moodle_download(tmp_path)
    text = download.worksheet.read_text(encoding="utf-8")
    download.worksheet.write_text(text.replace("ben@example.edu", "ada@example.edu"), "utf-8")
    refused(
        download,
        tmp_path / "s",
        "row 3 (Participant 4702: Ben Babbage, ada@example.edu) "
        "and row 2 both match roster student ada",
    )


def test_a_worksheet_row_that_handed_in_with_no_roster_match_is_refused_by_name(tmp_path):
    download = moodle_download(tmp_path / "02", "02_backprop", stranger=True)
    refused(download, tmp_path / "s", f"{download.worksheet}: row 7 (Participant 5110: Zed "
            "Zuse, zed@example.edu) handed in but matches no roster student by email or ID "
            "number. Add the student to the roster (ROSTER=..., with the worksheet's email), or, "
            "if not to be graded here, delete the row from the worksheet and "
            "*_5110_assignsubmission_* from the download; nothing was collected")  # fmt: skip


def test_every_worksheet_row_with_no_roster_match_is_named_in_the_one_message(tmp_path):
    download = moodle_download(tmp_path, stranger=True)
    roster = Roster([s for s in load_roster(download.roster_csv) if s.id != "cam"])
    refused(download, tmp_path / "s", "row 4 (Participant 4703: Cam Curie, cam@example.edu); "
            "row 7 (Participant 4799: Zed Zuse, zed@example.edu) handed in but match no roster "
            "student", roster=roster)  # fmt: skip


def test_a_file_that_is_not_a_worksheet_is_refused(tmp_path):
    download = moodle_download(tmp_path)
    refused(download, tmp_path / "s", "is not a Moodle grading worksheet: no column Identifier, "
            "Grade, Last modified (grade)", worksheet=download.roster_csv)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Out: the worksheet filled in, the feedback zip's names
# ---------------------------------------------------------------------------------------------


def test_the_worksheet_goes_back_with_only_grade_and_comments_changed(tmp_path):
    download = moodle_download(tmp_path, maximum=14)
    original = list(csv.reader(download.worksheet.open(encoding="utf-8")))
    original[1][8] = "Tuesday, 29 September 2026, 9:00 AM"  # ada was graded in Moodle before
    with download.worksheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(original)
    results = {"ada": {"score": 14.0, "comment": "14/14"}, "eve": {"score": 0.0, "comment": "none"},
               "ben": {"score": "", "comment": "pending"}}  # fmt: skip
    out = fill_worksheet(read_worksheet(download.worksheet), load_roster(download.roster_csv),
                         results, 14.0, tmp_path / "out.csv")  # fmt: skip
    written = list(csv.reader(out.open(encoding="utf-8")))
    assert written[0] == original[0]
    grade, comments = original[0].index("Grade"), original[0].index("Feedback comments")
    changed = {(r, c) for r, row in enumerate(written) for c, cell in enumerate(row)
               if cell != original[r][c]}  # fmt: skip
    assert changed == {(1, grade), (1, comments), (5, grade), (5, comments)}  # ada, eve
    assert (written[1][grade], written[1][comments]) == ("14.00", "14/14")
    assert written[1][8] == "Tuesday, 29 September 2026, 9:00 AM"  # Moodle's safety check


def test_a_moodle_maximum_that_is_not_the_assignments_is_refused(tmp_path):
    download = moodle_download(tmp_path, maximum=100)  # Moodle's default
    with pytest.raises(WorksheetError, match="Moodle's maximum grade is 100 but the assignment is "
                       "out of 14: set the assignment's Maximum grade to 14"):  # fmt: skip
        sheet, roster = read_worksheet(download.worksheet), load_roster(download.roster_csv)
        fill_worksheet(sheet, roster, {"ada": {"score": 14.0, "comment": ""}}, 14.0,
                       tmp_path / "out.csv")  # fmt: skip
    assert not (tmp_path / "out.csv").exists()


def moodle_reads(path: str) -> tuple[str, str] | None:
    """Moodle's `is_valid_filename_for_import` (mod/assign/feedback/file/importziplib.php): the
    participant id and the file name it takes from a path of the feedback zip."""
    parts = path.split("/")
    while parts:
        info = parts.pop(0).split("_", 4)
        if len(info) < 4 or not info[1].isdigit() or (info[2], info[3]) not in {
            ("assignsubmission", "file"), ("assignfeedback", "file")
        }:  # fmt: skip
            continue
        return info[1], "/".join([info[4] if len(info) > 4 else "", *parts])
    return None


@pytest.mark.parametrize(
    ("source", "pid"),
    [
        ("Ada Lovelace_4701_assignsubmission_file_/01_neurons.ipynb", "4701"),  # Moodle < 4.1
        ("Ada Lovelace_5012_assignsubmission_file/sub/01_neurons.ipynb", "5012"),  # Moodle 4.1+
        ("Ada Lovelace_6001_assignsubmission_file_01_neurons.ipynb", "6001"),  # not in folders
    ],
)
def test_feedback_names_are_read_by_moodles_importer_with_this_assignments_id(source, pid):
    name = upload_name("moodle", "ada", "01_neurons", [source])
    read = moodle_reads(name)
    assert read is not None and read[0] == pid
    assert PurePosixPath(read[1]).name == "01_neurons.html"


# ---------------------------------------------------------------------------------------------
# Canvas and Blackboard: the existing column, with its points
# ---------------------------------------------------------------------------------------------

CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Week 1: 01_neurons (12345),"
    "Week 2: 02_backprop (12346),Current Score\n"
    "    Points Possible,,,,,14.00,12.00,(read only)\n"
    '"Lovelace, Ada",10001,,,NN101,,,\n'
)


def test_canvas_and_blackboard_exports_name_the_existing_columns(tmp_path):
    assert find_column(next(csv.reader([CANVAS_EXPORT.splitlines()[0]])), "canvas", "01_neurons",
                       "x") == "Week 1: 01_neurons (12345)"  # fmt: skip
    bb = tmp_path / "gc.xls"  # Blackboard's "xls": tab-separated UTF-16
    header = ["Last Name", "First Name", "Username", "Neurons 01_neurons [Total Pts: 100 Score] "
              "|8801", "Other [Total Pts: 5 Score] |8802"]  # fmt: skip
    bb.write_bytes("\t".join(header).encode("utf-16"))
    assert read_export(bb) == header
    assert find_column(header, "blackboard", "01_neurons", "gc") == header[3]
    two = ["A 01_neurons (1)", "B 01 neurons (2)"]
    with pytest.raises(nncourse.CourseError, match="could each be 01_neurons"):
        find_column(two, "canvas", "01_neurons", "export.csv")
    course = nncourse.Course(tmp_path, lms_gradebook=bb)
    (tmp_path / "nbgrader_config.py").write_text("")
    with pytest.raises(nncourse.CourseError, match=r"Blackboard's column 'Neurons 01_neurons "
                       r"\[Total Pts: 100 Score\] \|8801' is out of 100 but 01_neurons is out of "
                       "14: set the column's Points Possible to 14"):  # fmt: skip
        column_headers(course, "blackboard", ["01_neurons"], {"01_neurons": 14.0})
    assert column_headers(course, "blackboard", ["01_neurons", "02_backprop"],
                          {"01_neurons": 100.0, "02_backprop": 12.0}) == [
        "Neurons 01_neurons [Total Pts: 100 Score] |8801", "02_backprop"
    ]  # fmt: skip


def test_a_worksheet_with_a_download_of_another_lms_is_refused(tmp_path):
    download = moodle_download(tmp_path)
    canvas = dl.build_canvas(tmp_path / "canvas.zip", handed_in())
    with pytest.raises(DownloadError, match="is a Moodle grading worksheet, and .*canvas.zip is a "
                       "Canvas download"):  # fmt: skip
        collect_download(canvas.path, assignment="01_neurons", notebooks=["01_neurons"],
                         roster=load_roster(canvas.roster_csv), lms=None,
                         submitted_dir=tmp_path / "s", worksheet=download.worksheet)  # fmt: skip
    assert not (tmp_path / "s").exists()
