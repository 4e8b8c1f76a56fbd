"""Collecting real LMS downloads with a roster (nngrade.lms, nngrade.roster).

The scenario downloads come from `lms_downloads.py`, built as each LMS names its files; the
smaller cases below build their zips by hand, one quirk at a time.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import lms_downloads as scenario
import pytest
from nbgrader.utils import parse_utc
from nngrade import lms
from nngrade.lms import DownloadError, collect_download, detect_lms, match_notebook, parse_receipt
from nngrade.lms import archive as lms_archive
from nngrade.roster import Roster, RosterError, Student, load_roster

NB = "01_neurons"


def notebook(tag: str) -> bytes:
    return scenario.tiny_notebook(f"# {tag}")


def make_zip(path: Path, files: dict[str, bytes], when: datetime | None = None) -> Path:
    when = when or datetime(2026, 9, 30, 12, 0)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=when.timetuple()[:6]), data)
    return path


def roster_of(*rows: tuple[str, str]) -> Roster:
    """A roster from (student_id, lms_id) pairs."""
    return Roster([Student(sid, sid.title(), f"{sid}@example.edu", lms_id) for sid, lms_id in rows])


def collect(source, submitted, *, roster=None, lms_name=None, notebooks=(NB,), **options):
    return collect_download(
        source,
        assignment=NB,
        notebooks=list(notebooks),
        roster=roster,
        lms=lms_name,
        submitted_dir=submitted,
        **options,
    )


def written(submitted: Path) -> dict[str, bytes]:
    """Every file under `submitted` but the collect's own hidden state."""
    return {
        p.relative_to(submitted).as_posix(): p.read_bytes()
        for p in sorted(submitted.rglob("*"))
        if p.is_file() and lms.STATE_DIR not in p.parts
    }


def accounted(result) -> list[str]:
    return sorted(
        [p.source for p in result.placed]
        + [p.source for p in result.superseded]
        + [u.source for u in result.unplaced]
        + list(result.consumed)
    )


# ---------------------------------------------------------------------------------------------
# The roster
# ---------------------------------------------------------------------------------------------


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def test_roster_reads_students_and_looks_them_up_by_id_and_lms_id(tmp_path):
    text = (
        'student_id,name,email,lms_id\n kim , "Kim, Jae",kim@example.edu, 12345\n\nlee,Lee Sun,,\n'
    )
    roster = load_roster(write(tmp_path / "roster.csv", text, "utf-8-sig"))  # Excel's BOM
    assert roster.students == [
        Student("kim", "Kim, Jae", "kim@example.edu", "12345"),
        Student("lee", "Lee Sun", "", ""),
    ]
    assert roster.by_lms_id("12345").id == "kim"
    assert roster.by_id("lee").name == "Lee Sun"
    assert roster.by_lms_id("") is None and roster.by_id("nobody") is None


def test_roster_columns_may_come_in_any_order(tmp_path):
    text = "lms_id,email,name,student_id\n4711,pp@example.edu,Peter Pan,pan\n"
    roster = load_roster(write(tmp_path / "r.csv", text))
    assert roster.by_lms_id("4711") == Student("pan", "Peter Pan", "pp@example.edu", "4711")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "student_id,name,email,lms_id\nkim,K,,1\nlee,L,,2\nkim,K2,,3\n",
            "line 4: duplicate student id 'kim' (already on line 2)",
        ),
        (
            "student_id,name,email,lms_id\nkim,K,,12345\nlee,L,,12345\n",
            "line 3: duplicate lms_id '12345' (already on line 2)",
        ),
        ("student_id,name,email\nkim,K,,\n", "missing column(s) lms_id"),
        ("id,name,email,canvas\nkim,K,,1\n", "missing column(s) student_id, lms_id"),
        ("student_id,name,email,lms_id\n,Nobody,,77\n", "line 2: the student id is empty"),
        ("student_id,name,email,lms_id\n../etc,X,,1\n", "line 2: student id '../etc' may hold"),
        ("student_id,name,email,lms_id\nkim,Kim, Jae,,1\n", "line 2: 5 fields where the header"),
        ("student_id,name,email,lms_id\n", "lists no student"),
    ],
)
def test_roster_problems_get_one_message_naming_the_line(tmp_path, text, message):
    with pytest.raises(RosterError) as error:
        load_roster(write(tmp_path / "roster.csv", text))
    assert message in str(error.value)
    assert "roster.csv" in str(error.value)


def test_roster_that_is_missing_or_not_utf8_is_reported(tmp_path):
    with pytest.raises(RosterError, match="does not exist"):
        load_roster(tmp_path / "absent.csv")
    latin = write(
        tmp_path / "latin.csv", "student_id,name,email,lms_id\nkim,Jos\xe9,,1\n", "latin-1"
    )
    with pytest.raises(RosterError, match="not UTF-8 text"):
        load_roster(latin)


# ---------------------------------------------------------------------------------------------
# Names: which LMS, which notebook
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(scenario.BUILDERS))
def test_each_lms_download_is_detected_from_its_file_names(tmp_path, kind):
    nbs = {s: notebook(s) for s in scenario.SUBMITTERS}
    download = scenario.build(kind, tmp_path / f"{kind}.zip", nbs)
    with zipfile.ZipFile(download.path) as archive:
        assert detect_lms(archive.namelist()) == kind


def test_detection_ignores_macos_junk_and_defaults_to_folders():
    assert detect_lms([]) == "folders"
    assert detect_lms(["kim/01_neurons.ipynb", "lee/01_neurons/01_neurons.ipynb"]) == "folders"
    junk = ["__MACOSX/._kim_12345_678901_01_neurons.ipynb", ".DS_Store"]
    assert detect_lms(junk + ["kim/01_neurons.ipynb"]) == "folders"
    assert detect_lms(["Peter Pan_4711_assignsubmission_file_/01_neurons.ipynb"]) == "moodle"


@pytest.mark.parametrize(
    ("filename", "notebook_", "renamed"),
    [
        ("01_neurons.ipynb", NB, False),
        ("01_neurons (1).ipynb", NB, True),  # a browser's second download
        ("01_neurons(2).ipynb", NB, True),
        ("01_neurons-Copy1.ipynb", NB, True),  # Jupyter's "Duplicate"
        ("01_neurons-1.ipynb", NB, True),  # Canvas's re-upload
        ("01_neurons 2.ipynb", NB, True),  # Finder's duplicate
        ("01_neurons-Copy1 (1).ipynb", NB, True),
        ("02_backprop.ipynb", None, False),
        ("neurons.ipynb", None, False),
        ("01_neurons.py", None, False),
    ],
)
def test_renamed_notebooks_are_matched_when_unambiguous(filename, notebook_, renamed):
    match = match_notebook(filename, [NB, "03_autodiff"])
    assert (match.notebook, match.renamed) == (notebook_, renamed)
    assert (match.problem is None) == (notebook_ is not None)


def test_a_rename_that_could_be_two_notebooks_is_ambiguous():
    match = match_notebook("lab-1-1.ipynb", ["lab", "lab-1"])
    assert match.notebook is None
    assert match.problem == "ambiguous name: could be lab-1.ipynb or lab.ipynb"
    assert match_notebook("lab-1.ipynb", ["lab", "lab-1"]).notebook == "lab-1"  # exact wins


# ---------------------------------------------------------------------------------------------
# The scenario of issue 10, for every LMS
# ---------------------------------------------------------------------------------------------


@pytest.fixture(params=sorted(scenario.BUILDERS))
def collected(request, tmp_path):
    """The scenario's download for one LMS, collected with its roster (LMS detected)."""
    nbs = {s: notebook(s) for s in scenario.SUBMITTERS}
    first = notebook("ben's first attempt")
    download = scenario.build(request.param, tmp_path / f"{request.param}.zip", nbs,
                              first_attempt=first)  # fmt: skip
    submitted = tmp_path / "submitted"
    result = collect(download.path, submitted, roster=load_roster(download.roster_csv))
    return download, result, submitted, nbs


def test_scenario_places_the_latest_attempt_of_every_roster_student(collected):
    download, result, submitted, nbs = collected
    assert result.lms == download.lms
    got = {p.student_id: p for p in result.placed}
    assert sorted(got) == sorted(download.expected)
    for sid, want in download.expected.items():
        placed = got[sid]
        assert (placed.source, placed.lms_id, placed.notebook) == (want.source, want.lms_id, NB)
        assert placed.submitted_at == want.submitted_at
        assert placed.lms_late == want.lms_late
        assert ("renamed" in placed.note) == want.renamed
    assert not any(p.student_id in download.non_submitters for p in result.placed)


def test_scenario_writes_nbgrader_layout_with_its_timestamps(collected):
    download, result, submitted, nbs = collected
    expected_files = {f"{sid}/{NB}/{NB}.ipynb": nbs[sid] for sid in download.expected}
    for sid, want in download.expected.items():
        if want.submitted_at:
            expected_files[f"{sid}/{NB}/timestamp.txt"] = want.submitted_at
    files = written(submitted)
    assert sorted(files) == sorted(expected_files)
    for name, content in expected_files.items():
        if name.endswith("timestamp.txt"):
            # nbgrader reads it back (as naive UTC)
            assert parse_utc(files[name].decode()) == content.replace(tzinfo=None)
        else:
            assert files[name] == content


def test_scenario_reports_every_other_file_with_its_reason(collected):
    download, result, submitted, nbs = collected
    assert sorted(p.source for p in result.superseded) == sorted(download.superseded)
    assert all(p.note.startswith("superseded: ") for p in result.superseded)
    reasons = {u.source: u.reason for u in result.unplaced}
    assert sorted(reasons) == sorted(download.unplaced)
    for source, phrase in download.unplaced.items():
        assert phrase in reasons[source]
    assert sorted(result.consumed) == sorted(download.consumed)


def test_scenario_accounts_for_every_file_exactly_once(collected):
    download, result, submitted, nbs = collected
    with zipfile.ZipFile(download.path) as archive:
        members = sorted(archive.namelist())
    assert accounted(result) == members


def test_the_stranger_never_becomes_a_student(collected):
    download, result, submitted, nbs = collected
    assert not (submitted / "zed").exists()
    zed = [u for u in result.unplaced if u.lms_id == scenario.PEOPLE["zed"].lms_id(download.lms)]
    # Moodle: zed has no submission (one that has is refused: test_moodle)
    handed_in = download.lms != "moodle"
    assert len(zed) == handed_in and all("is not on the roster" in u.reason for u in zed)


def test_notebooks_may_be_given_with_their_extension(tmp_path):
    source = make_zip(tmp_path / "f.zip", {"kim/01_neurons (1).ipynb": notebook("kim")})
    result = collect(source, tmp_path / "s", notebooks=[f"{NB}.ipynb"])
    assert [(p.student_id, p.notebook) for p in result.placed] == [("kim", NB)]
    assert written(tmp_path / "s") == {f"kim/{NB}/{NB}.ipynb": notebook("kim")}


def test_an_extracted_download_collects_like_the_zip(tmp_path):
    nbs = {s: notebook(s) for s in scenario.SUBMITTERS}
    download = scenario.build_canvas(tmp_path / "canvas.zip", nbs)
    folder = tmp_path / "extracted"
    with zipfile.ZipFile(download.path) as archive:
        archive.extractall(folder)
    roster = load_roster(download.roster_csv)
    from_zip = collect(download.path, tmp_path / "a", roster=roster)
    from_folder = collect(folder, tmp_path / "b", roster=roster)
    assert from_folder.lms == "canvas"
    assert from_folder.placed == from_zip.placed
    assert written(tmp_path / "a") == written(tmp_path / "b")


# ---------------------------------------------------------------------------------------------
# Canvas
# ---------------------------------------------------------------------------------------------

KIM = roster_of(("kim", "12345"), ("lee", "23456"), ("anna", "anon_Xy7Q2"))


def test_canvas_late_marker_anonymous_ids_and_other_files(tmp_path):
    source = make_zip(
        tmp_path / "canvas.zip",
        {
            "kim_LATE_12345_678901_01_neurons.ipynb": notebook("kim"),
            "kim_12345_678902_notes.pdf": b"%PDF-1.4",
            "kim_12345_678904_02_backprop.ipynb": notebook("wrong assignment"),
            "leesun_23456_text.html": b"<p>answer</p>",
            "LATE_anon_Xy7Q2_678903_01_neurons.ipynb": notebook("anna"),
            "smith_john_01_neurons.ipynb": notebook("smith"),
        },
    )
    result = collect(source, tmp_path / "submitted", roster=KIM)
    placed = {p.student_id: (p.lms_late, p.note) for p in result.placed}
    assert placed == {
        "kim": (True, "the LMS marked it LATE"),
        "anna": (True, "the LMS marked it LATE"),
    }
    reasons = {u.source: u.reason for u in result.unplaced}
    assert reasons == {
        "kim_12345_678902_notes.pdf": "not a notebook (.pdf file): not collected",
        "kim_12345_678904_02_backprop.ipynb": (
            "not one of the assignment's notebooks (01_neurons.ipynb): not collected"
        ),
        "leesun_23456_text.html": (
            "a Canvas text entry or URL submission, not a notebook: not collected"
        ),
        "smith_john_01_neurons.ipynb": (
            "not named as Canvas names submissions "
            "(<name>[_LATE]_<user id>_<file id>_<file name>): not collected"
        ),
    }
    assert sorted(p.name for p in (tmp_path / "submitted").iterdir()) == [
        lms.STATE_DIR,
        "anna",
        "kim",
    ]


def test_canvas_resubmissions_order_by_suffix_then_file_id(tmp_path):
    files = {
        "kim_12345_600000_01_neurons-2.ipynb": notebook("third"),
        "kim_12345_500000_01_neurons-1.ipynb": notebook("second"),
        "kim_12345_400000_01_neurons.ipynb": notebook("first"),
        "leesun_23456_100_01_neurons.ipynb": notebook("lee old"),
        "leesun_23456_200_01_neurons.ipynb": notebook("lee new"),
    }
    result = collect(make_zip(tmp_path / "c.zip", files), tmp_path / "s", roster=KIM)
    assert {p.student_id: p.source for p in result.placed} == {
        "kim": "kim_12345_600000_01_neurons-2.ipynb",
        "lee": "leesun_23456_200_01_neurons.ipynb",
    }
    assert sorted(p.source for p in result.superseded) == [
        "kim_12345_400000_01_neurons.ipynb",
        "kim_12345_500000_01_neurons-1.ipynb",
        "leesun_23456_100_01_neurons.ipynb",
    ]
    assert (tmp_path / "s/kim/01_neurons/01_neurons.ipynb").read_bytes() == notebook("third")
    assert not (tmp_path / "s/kim/01_neurons/timestamp.txt").exists()  # Canvas gives no time


def test_canvas_without_a_roster_is_refused_before_writing(tmp_path):
    source = make_zip(tmp_path / "c.zip", {"kim_12345_1_01_neurons.ipynb": notebook("kim")})
    with pytest.raises(DownloadError) as error:
        collect(source, tmp_path / "submitted")
    assert "a Canvas download names students by their Canvas identity: give a roster" in str(
        error.value
    )
    assert not (tmp_path / "submitted").exists()


# ---------------------------------------------------------------------------------------------
# Moodle
# ---------------------------------------------------------------------------------------------

PAN = roster_of(("pan", "4711"), ("hook", "4712"))


@pytest.mark.parametrize(
    "name",
    [
        "Peter Pan_4711_assignsubmission_file_/01_neurons.ipynb",  # Moodle 3.1 on: locallib.php
        "Peter Pan_4711_assignsubmission_file/01_neurons.ipynb",  # newer: classes/downloader.php
        "Peter Pan_4711_assignsubmission_file_01_neurons.ipynb",  # "in folders" switched off
        "Participant_4711_assignsubmission_file_/01_neurons.ipynb",  # blind marking
    ],
)
def test_moodle_names_never_make_a_phantom_student(tmp_path, name):
    result = collect(make_zip(tmp_path / "m.zip", {name: notebook("pan")}), tmp_path / "s",
                     roster=PAN)  # fmt: skip
    assert result.lms == "moodle"
    assert [(p.student_id, p.lms_id, p.source) for p in result.placed] == [("pan", "4711", name)]
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [lms.STATE_DIR, "pan"]


def test_moodle_zip_entry_times_are_never_submission_times(tmp_path):
    """Moodle's zip holds the time it was made: without the worksheet there is no time."""
    name = "Peter Pan_4711_assignsubmission_file_/01_neurons.ipynb"
    source = make_zip(tmp_path / "m.zip", {name: notebook("pan")})
    result = collect(source, tmp_path / "s", roster=PAN, timezone="Europe/Berlin")
    assert result.placed[0].submitted_at is None
    assert not (tmp_path / "s/pan/01_neurons/timestamp.txt").exists()


def test_moodle_same_time_copies_prefer_the_exact_name_and_refuse_two_renamed(tmp_path):
    files = {
        "Peter Pan_4711_assignsubmission_file_/01_neurons.ipynb": notebook("exact"),
        "Peter Pan_4711_assignsubmission_file_/01_neurons (1).ipynb": notebook("copy"),
        "Hook_4712_assignsubmission_file_/01_neurons (1).ipynb": notebook("a"),
        "Hook_4712_assignsubmission_file_/01_neurons-Copy1.ipynb": notebook("b"),
    }
    result = collect(make_zip(tmp_path / "m.zip", files), tmp_path / "s", roster=PAN)
    assert [p.source for p in result.placed] == [
        "Peter Pan_4711_assignsubmission_file_/01_neurons.ipynb"
    ]
    assert [p.note for p in result.superseded] == [
        "renamed: '01_neurons (1).ipynb' collected as 01_neurons.ipynb; superseded: "
        "Peter Pan_4711_assignsubmission_file_/01_neurons.ipynb has the notebook's exact name"
    ]
    hook = sorted(u.source for u in result.unplaced if u.lms_id == "4712")
    assert hook == sorted(f for f in files if f.startswith("Hook"))
    assert all(u.reason.startswith("ambiguous: ") for u in result.unplaced)
    assert not (tmp_path / "s" / "hook").exists()


def test_moodle_files_of_one_submission_are_not_ordered_by_zip_times(tmp_path):
    """One Moodle submission has one time: the zip's entry times (the download's) never make
    one file later than another; the exact notebook name counts."""
    path = tmp_path / "m.zip"
    folder = "Hook_4712_assignsubmission_file_"
    with zipfile.ZipFile(path, "w") as archive:
        for name, day in [("01_neurons (1).ipynb", 2), ("01_neurons (2).ipynb", 2),
                          ("old/01_neurons.ipynb", 1)]:  # fmt: skip
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(2026, 10, day, 9, 0, 0))
            archive.writestr(info, notebook(name))
    result = collect(path, tmp_path / "s", roster=PAN)
    assert [p.source for p in result.placed] == [f"{folder}/old/01_neurons.ipynb"]
    assert result.unplaced == []
    assert sorted(p.source for p in result.superseded) == [
        f"{folder}/01_neurons (1).ipynb",
        f"{folder}/01_neurons (2).ipynb",
    ]


@pytest.mark.parametrize(
    ("kind", "good"),
    [
        ("canvas", "kim_12345_1_01_neurons.ipynb"),
        ("moodle", "Kim_12345_assignsubmission_file_/01_neurons.ipynb"),
        ("blackboard", "A_12345_attempt_2026-10-01-10-00-00_01_neurons.ipynb"),
    ],
)
def test_a_file_not_named_the_lms_way_is_reported_with_the_naming(tmp_path, kind, good):
    files = {good: notebook("kim"), "stray/01_neurons.ipynb": notebook("stray")}
    result = collect(make_zip(tmp_path / "x.zip", files), tmp_path / "s", roster=KIM)
    assert result.lms == kind
    assert [p.student_id for p in result.placed] == ["kim"]
    [stray] = result.unplaced
    assert stray.source == "stray/01_neurons.ipynb"
    assert stray.reason == (
        f"not named as {lms.TITLES[kind]} names submissions ({lms.NAMING[kind]}): not collected"
    )


def test_moodle_forced_as_folders_without_roster_makes_no_student(tmp_path):
    name = "Peter Pan_4711_assignsubmission_file_/01_neurons.ipynb"
    result = collect(make_zip(tmp_path / "m.zip", {name: notebook("pan")}), tmp_path / "s",
                     lms_name="folders")  # fmt: skip
    assert result.placed == []
    assert "cannot be a student id" in result.unplaced[0].reason
    assert written(tmp_path / "s") == {}


# ---------------------------------------------------------------------------------------------
# Blackboard
# ---------------------------------------------------------------------------------------------


def test_blackboard_receipts_in_uk_and_us_forms():
    uk = scenario.blackboard_receipt(
        scenario.PEOPLE["ada"], "Week_1 Neurons", datetime(2026, 10, 1, 14, 3, 22, tzinfo=UTC),
        {"Week_1 Neurons_alovelace_attempt_2026-10-01-15-03-22_a.ipynb": "01_neurons.ipynb"},
    )  # fmt: skip
    receipt = parse_receipt(uk)
    assert "Thursday, 1 October 2026 15:03:22 o'clock BST" in uk
    assert (receipt.name, receipt.username) == ("Ada Lovelace", "alovelace")
    assert receipt.submitted_at == datetime(2026, 10, 1, 14, 3, 22, tzinfo=UTC)
    assert receipt.original == {
        "Week_1 Neurons_alovelace_attempt_2026-10-01-15-03-22_a.ipynb": "01_neurons.ipynb"
    }
    us = "Name: Jae Kim (jkim)\nDate Submitted: Thursday, October 1, 2026 2:03:22 PM EDT\n"
    assert parse_receipt(us).submitted_at == datetime(2026, 10, 1, 18, 3, 22, tzinfo=UTC)
    unknown_zone = (
        "Name: Jae Kim (jkim)\nDate Submitted: Thursday, 1 October 2026 15:03:22 o'clock XYZ\n"  # noqa: E501
    )
    assert parse_receipt(unknown_zone).submitted_at is None


def test_blackboard_without_receipts_reads_file_times_in_the_given_zone(tmp_path):
    files = {
        "Neurons_kim_attempt_2026-10-01-10-00-00_01_neurons.ipynb": notebook("early"),
        "Neurons_kim_attempt_2026-10-01-11-30-00_01_neurons.ipynb": notebook("late"),
        "Neurons_kim_attempt_2026-10-01-11-30-00_extra.csv": b"a,b\n",
    }
    roster = roster_of(("kim", "kim"))
    result = collect(make_zip(tmp_path / "b.zip", files), tmp_path / "s", roster=roster,
                     timezone="America/New_York")  # fmt: skip
    [placed] = result.placed
    assert placed.source == "Neurons_kim_attempt_2026-10-01-11-30-00_01_neurons.ipynb"
    assert placed.submitted_at == datetime(2026, 10, 1, 15, 30, tzinfo=UTC)  # EDT is UTC-4
    assert [p.source for p in result.superseded] == [
        "Neurons_kim_attempt_2026-10-01-10-00-00_01_neurons.ipynb"
    ]
    assert [u.reason for u in result.unplaced] == ["not a notebook (.csv file): not collected"]
    stamp = (tmp_path / "s/kim/01_neurons/timestamp.txt").read_text()
    assert stamp == "2026-10-01 15:30:00.000000 UTC"


def test_blackboard_latest_attempt_counts_as_a_whole(tmp_path):
    """An older attempt's notebook is not mixed into the latest attempt."""
    files = {
        "A_kim_attempt_2026-10-01-10-00-00_01_neurons.ipynb": notebook("1"),
        "A_kim_attempt_2026-10-01-10-00-00_02_backprop.ipynb": notebook("2"),
        "A_kim_attempt_2026-10-02-10-00-00_01_neurons.ipynb": notebook("1 again"),
    }
    result = collect(make_zip(tmp_path / "b.zip", files), tmp_path / "s",
                     roster=roster_of(("kim", "kim")), notebooks=[NB, "02_backprop"])  # fmt: skip
    assert [p.source for p in result.placed] == [
        "A_kim_attempt_2026-10-02-10-00-00_01_neurons.ipynb"
    ]
    assert len(result.superseded) == 2
    assert sorted(written(tmp_path / "s")) == ["kim/01_neurons/01_neurons.ipynb",
                                               "kim/01_neurons/timestamp.txt"]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Plain folders
# ---------------------------------------------------------------------------------------------


def test_folders_without_roster_use_folder_names_as_student_ids(tmp_path):
    files = {
        "kim/01_neurons.ipynb": notebook("kim"),
        "lee/01_neurons/01_neurons.ipynb": notebook("lee"),
        "lee/01_neurons/timestamp.txt": b"2026-10-01 08:00:00.000000 UTC",
        "smith_john_01_neurons.ipynb": notebook("smith john"),
        "Jo Doe/01_neurons.ipynb": notebook("jo"),
        "ann/02_backprop/02_backprop.ipynb": notebook("ann"),
        "01_neurons.ipynb": notebook("nobody"),
    }
    result = collect(make_zip(tmp_path / "f.zip", files), tmp_path / "s")
    assert result.lms == "folders"
    assert {p.student_id: p.submitted_at for p in result.placed} == {
        "kim": None,
        "lee": datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
        "smith_john": None,  # never "smith"
    }
    reasons = {u.source: u.reason for u in result.unplaced}
    assert "cannot be a student id" in reasons["Jo Doe/01_neurons.ipynb"]
    assert reasons["ann/02_backprop/02_backprop.ipynb"].startswith("in folder '02_backprop'")
    assert reasons["01_neurons.ipynb"].startswith("a loose file that is not <student>_<notebook>")
    assert result.consumed == ["lee/01_neurons/timestamp.txt"]
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        lms.STATE_DIR,
        "kim",
        "lee",
        "smith_john",
    ]


def test_a_timestamp_of_another_assignment_is_not_this_ones(tmp_path):
    files = {
        "kim/01_neurons.ipynb": notebook("kim"),
        "kim/02_backprop/timestamp.txt": b"2026-10-09 08:00:00.000000 UTC",
        "timestamp.txt": b"2026-10-09 08:00:00.000000 UTC",
    }
    result = collect(make_zip(tmp_path / "f.zip", files), tmp_path / "s")
    assert [(p.student_id, p.submitted_at) for p in result.placed] == [("kim", None)]
    assert result.consumed == []
    assert sorted(u.source for u in result.unplaced) == ["kim/02_backprop/timestamp.txt",
                                                         "timestamp.txt"]  # fmt: skip


def test_folders_inside_one_wrapping_folder_are_unwrapped(tmp_path):
    files = {"submissions/kim/01_neurons.ipynb": notebook("k"),
             "submissions/lee/01_neurons.ipynb": notebook("l")}  # fmt: skip
    result = collect(make_zip(tmp_path / "f.zip", files), tmp_path / "s")
    assert [p.student_id for p in result.placed] == ["kim", "lee"]
    single = {"kim/01_neurons/01_neurons.ipynb": notebook("k")}  # the student, not a wrapper
    result = collect(make_zip(tmp_path / "g.zip", single), tmp_path / "t")
    assert [p.student_id for p in result.placed] == ["kim"]


def test_folders_match_the_roster_by_lms_id_then_student_id(tmp_path):
    roster = roster_of(("kim", "Kim Jae"), ("lee", ""))
    files = {"Kim Jae/01_neurons.ipynb": notebook("k"), "lee/01_neurons.ipynb": notebook("l"),
             "kim2/01_neurons.ipynb": notebook("x")}  # fmt: skip
    result = collect(make_zip(tmp_path / "f.zip", files), tmp_path / "s", roster=roster)
    assert [(p.student_id, p.lms_id) for p in result.placed] == [("kim", "Kim Jae"), ("lee", "lee")]
    assert [u.reason for u in result.unplaced] == [
        "folder 'kim2' is not on the roster: not collected"
    ]


# ---------------------------------------------------------------------------------------------
# Several downloads: a later attempt is never replaced by an older one
# ---------------------------------------------------------------------------------------------

BB = roster_of(("kim", "kim"))


def bb_zip(path: Path, stamp: str, tag: str) -> Path:
    return make_zip(path, {f"A_kim_attempt_{stamp}_01_neurons.ipynb": notebook(tag)})


def test_a_second_download_with_an_older_attempt_is_superseded(tmp_path):
    submitted = tmp_path / "s"
    collect(bb_zip(tmp_path / "new.zip", "2026-10-02-10-00-00", "new"), submitted, roster=BB)
    before = written(submitted)
    result = collect(bb_zip(tmp_path / "old.zip", "2026-10-01-10-00-00", "old"), submitted,
                     roster=BB)  # fmt: skip
    assert result.placed == []
    [old] = result.superseded
    assert old.note.startswith("superseded: an earlier collect placed a later attempt (2026-10-02")
    assert written(submitted) == before


def test_a_second_download_with_a_later_attempt_replaces_the_whole_folder(tmp_path):
    submitted = tmp_path / "s"
    first = make_zip(tmp_path / "1.zip", {
        "A_kim_attempt_2026-10-01-10-00-00_01_neurons.ipynb": notebook("old"),
        "A_kim_attempt_2026-10-01-10-00-00_02_backprop.ipynb": notebook("old 2"),
    })  # fmt: skip
    collect(first, submitted, roster=BB, notebooks=[NB, "02_backprop"])
    later = bb_zip(tmp_path / "2.zip", "2026-10-02-10-00-00", "new")
    result = collect(later, submitted, roster=BB, notebooks=[NB, "02_backprop"])
    assert [p.student_id for p in result.placed] == ["kim"]
    assert written(submitted) == {
        "kim/01_neurons/01_neurons.ipynb": notebook("new"),
        "kim/01_neurons/timestamp.txt": b"2026-10-02 10:00:00.000000 UTC",
    }


def test_canvas_downloads_compare_by_file_id_across_collects(tmp_path):
    submitted = tmp_path / "s"
    newer = make_zip(tmp_path / "a.zip", {"kim_12345_900_01_neurons.ipynb": notebook("new")})
    older = make_zip(tmp_path / "b.zip", {"kim_12345_800_01_neurons.ipynb": notebook("old")})
    collect(newer, submitted, roster=KIM)
    result = collect(older, submitted, roster=KIM)
    assert [p.source for p in result.superseded] == ["kim_12345_800_01_neurons.ipynb"]
    assert written(submitted) == {"kim/01_neurons/01_neurons.ipynb": notebook("new")}


def test_collecting_the_same_download_twice_gives_the_same_result(tmp_path):
    nbs = {s: notebook(s) for s in scenario.SUBMITTERS}
    download = scenario.build_blackboard(tmp_path / "bb.zip", nbs)
    roster = load_roster(download.roster_csv)
    first = collect(download.path, tmp_path / "s", roster=roster)
    files = written(tmp_path / "s")
    second = collect(download.path, tmp_path / "s", roster=roster)
    assert second.placed == first.placed and second.superseded == first.superseded
    assert written(tmp_path / "s") == files


def test_a_folder_collected_before_with_a_later_timestamp_is_kept(tmp_path):
    submitted = tmp_path / "s"
    (submitted / "kim" / NB).mkdir(parents=True)
    (submitted / "kim" / NB / "timestamp.txt").write_text("2026-10-05 00:00:00 UTC")
    (submitted / "kim" / NB / f"{NB}.ipynb").write_bytes(notebook("kept"))
    result = collect(bb_zip(tmp_path / "b.zip", "2026-10-02-10-00-00", "x"), submitted, roster=BB)
    assert result.placed == [] and len(result.superseded) == 1
    assert (submitted / "kim" / NB / f"{NB}.ipynb").read_bytes() == notebook("kept")


# ---------------------------------------------------------------------------------------------
# Bad input: one clear message, nothing written
# ---------------------------------------------------------------------------------------------


def refused(tmp_path, source, match, **options):
    submitted = tmp_path / "submitted"
    with pytest.raises(DownloadError, match=match):
        collect(source, submitted, roster=KIM, **options)
    assert not submitted.exists()


def test_an_unreadable_zip_is_refused(tmp_path):
    junk = tmp_path / "download.zip"
    junk.write_bytes(b"this is not a zip file" * 10)
    refused(tmp_path, junk, r"download.zip is not a readable zip file .*download it again")


def test_a_truncated_zip_is_refused(tmp_path):
    good = make_zip(tmp_path / "good.zip", {"kim_12345_1_01_neurons.ipynb": notebook("k")})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[:-30])
    refused(tmp_path, cut, "cut.zip is not a readable zip file")


def test_a_corrupt_member_is_refused_before_anything_is_written(tmp_path):
    """The first student's notebook is fine; the second one's data is damaged."""
    path = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("kim_12345_1_01_neurons.ipynb", notebook("kim"))
        archive.writestr("leesun_23456_2_01_neurons.ipynb", notebook("lee") + b"LEE-MARKER")
    data = path.read_bytes()
    at = data.index(b"LEE-MARKER")
    path.write_bytes(data[:at] + b"XXX" + data[at + 3 :])
    refused(tmp_path, path, r"leesun_23456_2_01_neurons.ipynb is corrupt")


def test_unknown_lms_lists_the_known_ones(tmp_path):
    source = make_zip(tmp_path / "c.zip", {"kim_12345_1_01_neurons.ipynb": notebook("k")})
    refused(tmp_path, source, "unknown LMS 'd2l': choose one of canvas, moodle, blackboard, "
            "folders", lms_name="d2l")  # fmt: skip


def test_an_lms_that_does_not_match_the_download_is_refused(tmp_path):
    source = make_zip(tmp_path / "c.zip", {"kim_12345_1_01_neurons.ipynb": notebook("k")})
    refused(tmp_path, source, "named the way Blackboard names submissions .*looks like a "
            "Canvas download.*LMS=blackboard", lms_name="blackboard")  # fmt: skip


def test_empty_missing_and_misconfigured_downloads_are_refused(tmp_path):
    refused(tmp_path, make_zip(tmp_path / "empty.zip", {}), "empty.zip is empty")
    refused(tmp_path, tmp_path / "absent.zip", "absent.zip does not exist")
    source = make_zip(tmp_path / "c.zip", {"kim_12345_1_01_neurons.ipynb": notebook("k")})
    refused(tmp_path, source, "unknown time zone 'Mars/Olympus'", timezone="Mars/Olympus")
    refused(tmp_path, source, "notebook name '../x' cannot be", notebooks=["../x"])


def test_zip_bombs_are_capped(tmp_path, monkeypatch):
    zeros = b"\0" * 300_000
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("kim_12345_1_01_neurons.ipynb", zeros)
        archive.writestr("leesun_23456_2_01_neurons.ipynb", notebook("lee"))
    assert path.stat().st_size < 5_000  # it compresses 60 times over
    monkeypatch.setattr(lms_archive, "MAX_FILE_BYTES", 100_000)
    result = collect(path, tmp_path / "s", roster=KIM)
    assert [p.student_id for p in result.placed] == ["lee"]
    assert result.unplaced == [
        lms.Unplaced("kim_12345_1_01_neurons.ipynb", "larger than 0 MiB once unpacked: not read",
                     "12345")
    ]  # fmt: skip
    monkeypatch.setattr(lms_archive, "MAX_TOTAL_BYTES", 200_000)
    refused(tmp_path, path, "would unpack to 0 MiB, more than 0 MiB: refused")


def test_path_traversal_and_links_in_a_zip_are_refused(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../kim_12345_1_01_neurons.ipynb", notebook("up"))
        archive.writestr("/tmp/kim_12345_2_01_neurons.ipynb", notebook("abs"))
        archive.writestr("a/../../kim_12345_3_01_neurons.ipynb", notebook("deep"))
        link = zipfile.ZipInfo("kim_12345_4_01_neurons.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("leesun_23456_5_01_neurons.ipynb", notebook("lee"))
    submitted = tmp_path / "deep" / "submitted"
    result = collect(path, submitted, roster=KIM)
    assert [p.student_id for p in result.placed] == ["lee"]
    assert {u.source: u.reason for u in result.unplaced} == {
        "../kim_12345_1_01_neurons.ipynb": "path with '..' in the zip: refused",
        "/tmp/kim_12345_2_01_neurons.ipynb": "absolute path in the zip: refused",
        "a/../../kim_12345_3_01_neurons.ipynb": "path with '..' in the zip: refused",
        "kim_12345_4_01_neurons.ipynb": "symbolic link in the zip: refused",
    }
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and submitted not in p.parents]
    assert sorted(p.name for p in outside) == ["evil.zip"]


def test_a_student_folder_that_links_outside_is_refused_before_writing(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    submitted = tmp_path / "s"
    submitted.mkdir()
    (submitted / "lee").symlink_to(elsewhere)
    files = {"kim/01_neurons.ipynb": notebook("k"), "lee/01_neurons.ipynb": notebook("l")}
    with pytest.raises(DownloadError, match="leads outside"):
        collect(make_zip(tmp_path / "f.zip", files), submitted)
    assert list(elsewhere.iterdir()) == [] and not (submitted / "kim").exists()


def test_macos_metadata_is_reported_not_dropped(tmp_path):
    files = {
        "kim_12345_1_01_neurons.ipynb": notebook("k"),
        "__MACOSX/._kim_12345_1_01_neurons.ipynb": b"\0\5\26\7",
        ".DS_Store": b"\0",
    }
    result = collect(make_zip(tmp_path / "c.zip", files), tmp_path / "s", roster=KIM)
    assert accounted(result) == sorted(files)
    assert {u.reason for u in result.unplaced} == {
        "operating-system metadata, not a submission: not collected"
    }


def test_symlinks_in_a_folder_download_are_not_followed(tmp_path):
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "01_neurons.ipynb").write_bytes(notebook("secret"))
    folder = tmp_path / "download"
    (folder / "kim").mkdir(parents=True)
    (folder / "kim" / "01_neurons.ipynb").symlink_to(outside / "01_neurons.ipynb")
    (folder / "lee").symlink_to(outside)
    result = collect(folder, tmp_path / "s")
    assert result.placed == []
    assert {u.source: u.reason for u in result.unplaced} == {
        "kim/01_neurons.ipynb": "symbolic link: not followed",
        "lee": "symbolic link: not followed",
    }
    shutil.rmtree(outside)
