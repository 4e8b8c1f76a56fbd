"""A term of three assignments through the make targets, with no ASSIGNMENT, for each LMS.

One scenario, run for Moodle, Canvas and Blackboard; what differs per LMS is in the small
functions under "Per LMS" (the download, the gradebook export, the notes, the import file). The
downloads are `lms_downloads`' (ada, ben, cam and dee hand in, eve is on the roster, zed is not):

1. Week 1: 01_neurons (ben's answers partly wrong, the rest right), 02_backprop and 03_autodiff
   (handed in blank) are collected, one download each, then autograded and exported.
   Bad input in between changes nothing: a truncated download; on Moodle also the worksheet of
   another assignment, a worksheet row that handed in with no roster match, and two roster
   students with one name (a download without its worksheet).
2. The instructor grades ada's and ben's written answer of 01 by hand, as formgrader saves it.
3. The same 01 download is collected again: nothing rewritten, nothing regraded, the hand
   grades kept.
4. ben hands in 01 again, right this time (his written answer unchanged): only he is regraded,
   his hand grade kept.
5. eve hands in 01 late: collected, graded and given feedback alone (`STUDENT=eve`), from a
   download in which dee's file changed too (not collected: dee is not the one asked for).
6. Export: `grades.csv` checked row by row after steps 1, 3, 4 and 5, and the LMS's import file
   (Moodle: each worksheet filled in; Canvas, Blackboard: the existing columns of the gradebook
   export the instructor downloaded, with their points).

Four students graded per assignment and one course for all the steps, to keep the run short.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import gradingkit as kit
import lms_downloads as dl
import nbformat
import pytest
from nbgrader.api import Gradebook
from nngrade import course as nncourse
from nngrade import release as nnrelease

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]
LMS = [pytest.param(lms, marks=pytest.mark.xdist_group(f"term-{lms}"))
       for lms in ("moodle", "canvas", "blackboard")]  # fmt: skip
ASSIGNMENTS = ("01_neurons", "02_backprop", "03_autodiff")
FIRST = ASSIGNMENTS[0]
PARTIAL = "transposed-weights"  # tests/grading/submissions/01_neurons/transposed_weights.toml
WRITTEN = "why_answer"  # the written answer of 01, graded by hand in formgrader
HAND = {"ada": (2.0, "clear"), "ben": (1.0, "half of it")}
AGAIN = "handed in again: replaces the graded submission"
MISSING = "no submission: scored 0"
RESUBMITTED = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)  # ben's second hand-in of 01
OFFSETS = {"01_neurons": 0, "02_backprop": 311, "03_autodiff": 1207}  # Moodle's, per assignment
LONDON = ZoneInfo("Europe/London")
make, ok = kit.make, kit.ok


# ---------------------------------------------------------------------------------------------
# Per LMS
# ---------------------------------------------------------------------------------------------


def title(assignment: str) -> str:
    """The assignment's name in the LMS (Blackboard's has an underscore, as in `dl`)."""
    return f"Week_{ASSIGNMENTS.index(assignment) + 1} {assignment}"


def build(lms: str, folder: Path, a: str, nbs: dict, top: float, **options) -> dl.Download:
    """The LMS's download of assignment `a`: Moodle's with its worksheet (London time, the
    assignment's own participant ids, Maximum grade `top`)."""
    if lms == "moodle":
        path = folder / f"NN101-{a}-{4000 + OFFSETS[a]}.zip"
        return dl.build_moodle(path, nbs, assignment=a, notebook=a, offset=OFFSETS[a],
                               zone=LONDON, maximum=top, **options)  # fmt: skip
    if lms == "blackboard":
        options["title"] = title(a)
    else:
        options.pop("at", None)  # Canvas's download holds no time
    return dl.build(lms, folder / f"{a}.zip", nbs, assignment=a, notebook=a, **options)


#: what the first collect gives besides the download and the roster (remembered after)
FIRST_COLLECT = {"moodle": {"TIMEZONE": "Europe/London"}, "canvas": {}, "blackboard": {}}


def gradebook_export(lms: str, folder: Path, tops: dict[str, float]) -> Path | None:
    """The gradebook export the instructor downloads (Canvas: Grades ▸ Export, its points not
    set yet; Blackboard: Work Offline ▸ Download, its points set), or None (Moodle)."""
    if lms == "canvas":
        path = folder / "2026-10-06T0900_Grades-NN101.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                             *CANVAS_COLUMNS.values(), "Current Score"])  # fmt: skip
            writer.writerow(["    Points Possible", "", "", "", "", "0", "0", "0", "(read only)"])
            writer.writerow(["Lovelace, Ada", "10001", "", "", "NN101", "", "", "", ""])
        return path
    if lms == "blackboard":
        path = folder / "gc_NN101_fullgc_2026-10-06-09-00-00.xls"  # tab-separated UTF-16
        columns = [f"{title(a)} [Total Pts: {tops[a]:g} Score] |{8801 + i}"
                   for i, a in enumerate(ASSIGNMENTS)]  # fmt: skip
        header = ["Last Name", "First Name", "Username", "Student ID", "Last Access", *columns]
        rows = [header, ["Lovelace", "Ada", "alovelace", "", "", "", "", ""]]
        path.write_bytes("\n".join("\t".join(row) for row in rows).encode("utf-16"))
        return path
    return None


CANVAS_COLUMNS = {a: f"Week {i + 1}: {a} ({12345 + i})" for i, a in enumerate(ASSIGNMENTS)}


def submitted_at(lms: str, sid: str, resubmitted: bool = False) -> str:
    """grades.csv's submitted_at: the worksheet's (Moodle) or the receipt's (Blackboard) time;
    Canvas's download has none. Extras and eve hand in at ada's time."""
    if lms == "canvas":
        return ""
    moment = RESUBMITTED if resubmitted else dl.TIMES.get(sid, dl.TIMES["ada"])
    return moment.isoformat()


def lms_id(lms: str, a: str, sid: str, roster_id: str, handed_in: bool) -> str:
    """grades.csv's lms_id: on Moodle the assignment's own participant id of whoever handed in;
    else the roster's."""
    if lms == "moodle" and handed_in:
        return dl.participant_id(dl.PEOPLE[sid], OFFSETS[a])
    return roster_id


def lms_notes(lms: str, a: str, sid: str, resubmitted: bool = False) -> tuple[str, str]:
    """What collect says of ben (two attempts), cam (Canvas: marked late) and dee (renamed), as
    (of the file collected, of the files not collected)."""
    if lms == "canvas":
        placed = {
            "ben": f"renamed: '{a}-1.ipynb' collected as {a}.ipynb",
            "cam": "the LMS marked it LATE",
            "dee": f"renamed: '{a} (1).ipynb' collected as {a}.ipynb",
        }
        others = {
            "ben": f"not graded: babbageben_10002_700102_{a}.ipynb (superseded: the later "
            f"babbageben_10002_700150_{a}-1.ipynb counts)"
        }
    elif lms == "moodle":  # Moodle's zip holds only ben's latest files
        placed, others = {"dee": f"renamed: '{a}(2).ipynb' collected as {a}.ipynb"}, {}
    else:
        ben = RESUBMITTED if resubmitted else dl.TIMES["ben"]
        attempt = f"{title(a)}_ben_b_attempt_{ben.astimezone(LONDON):%Y-%m-%d-%H-%M-%S}_{a}.ipynb"
        placed = {"dee": f"renamed: '{a}-Copy1.ipynb' collected as {a}.ipynb"}
        others = {
            "ben": f"not graded: {title(a)}_ben_b_attempt_2026-09-28-09-05-00_{a}.ipynb "
            f"(superseded: an older attempt; the attempt {attempt} of {ben:%Y-%m-%d %H:%M:%S} "
            "UTC counts)",
        }
    return placed.get(sid, ""), others.get(sid, "")


def bad_downloads(lms: str, folder: Path, week1: dict[str, dl.Download], tops) -> list[dict]:
    """Bad input for collect, as make variables, each refused in one message (the phrase in
    "says") with nothing changed; "twin" is a roster line added for that step alone."""
    folder.mkdir(parents=True, exist_ok=True)
    truncated = folder / "truncated.zip"
    truncated.write_bytes(week1["02_backprop"].path.read_bytes()[:-200])
    bad = [{"SUBMISSIONS": truncated, "says": "truncated.zip"}]
    if lms == "moodle":
        other = week1["03_autodiff"].worksheet
        bad.append({"SUBMISSIONS": week1["02_backprop"].path, "WORKSHEET": other,
                    "says": f"{other} is not the grading worksheet of this download: participant "
                    "5012 (Ada Lovelace) of the download is not in it"})  # fmt: skip
        handed_in = {sid: dl.tiny_notebook(sid) for sid in dl.SUBMITTERS}
        stranger = build(lms, folder / "stranger", "02_backprop", handed_in,
                         tops["02_backprop"], stranger=True)  # fmt: skip
        bad.append({"SUBMISSIONS": stranger.path, "says": f"{stranger.worksheet}: row 7 "
                    "(Participant 5110: Zed Zuse, zed@example.edu) handed in but matches no "
                    "roster student by email or ID number. Add the student to the roster "
                    "(ROSTER=..., with the worksheet's email), or, if not to be graded here, "
                    "delete the row from the worksheet and *_5110_assignsubmission_* from the "
                    "download; nothing was collected"})  # fmt: skip
        unnamed = build(lms, folder / "no-worksheet", "02_backprop", handed_in,
                        tops["02_backprop"], worksheet=False)  # fmt: skip
        bad.append({"SUBMISSIONS": unnamed.path, "twin": "ada2,Ada Lovelace,ada2@example.edu,\n",
                    "says": "Moodle participant 5012 is 'Ada Lovelace', and the roster has 2 "
                    "students of that name (ada, ada2): give the assignment's grading "
                    "worksheet"})  # fmt: skip
    return bad


def import_file_problems(lms: str, term: dict) -> list[str]:
    """Every way the LMS's import file differs from grades.csv (the last export)."""
    course, rows = term["course"], term["rows"]["late"]
    tops = term["tops"]
    if lms == "moodle":
        return [p for a in ASSIGNMENTS for p in worksheet_problems(term, a)]
    table = list(csv.reader((course / f"grades-{lms}.csv").open()))
    roster = list(csv.DictReader(term["week1"][FIRST].roster_csv.open()))
    if lms == "canvas":
        header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        expected = [
            header + list(CANVAS_COLUMNS.values()),
            ["Points Possible", "", "", "", ""] + [f"{tops[a]:g}" for a in ASSIGNMENTS],
        ]
        people = [[s["name"], s["lms_id"], "", "", ""] for s in roster]  # fmt: skip
    else:
        columns = [f"{title(a)} [Total Pts: {tops[a]:g} Score] |{8801 + i}"
                   for i, a in enumerate(ASSIGNMENTS)]  # fmt: skip
        expected = [["Last Name", "First Name", "Username", *columns]]
        people = [[*reversed(s["name"].split(" ", 1)), s["lms_id"]] for s in roster]
    for person, s in zip(people, roster, strict=True):
        expected.append(person + [rows[(s["student_id"], a)]["score"] for a in ASSIGNMENTS])
    return [] if table == expected else [f"{table} != {expected}"]


def worksheet_problems(term: dict, a: str) -> list[str]:
    """Moodle: the worksheet of `a` goes back as downloaded but for Grade and Feedback comments,
    filled in for every roster student's row, and nothing in zed's (he handed nothing in)."""
    course, rows, download = term["course"], term["rows"]["late"], term["last"][a]
    original = list(csv.reader(download.worksheet.open(encoding="utf-8")))
    written = list(csv.reader((course / f"grades-moodle-{a}.csv").open(encoding="utf-8")))
    header = original[0]
    grade, comments = header.index("Grade"), header.index("Feedback comments")
    problems = [] if written[0] == header and len(written) == len(original) else [f"{a}: shape"]
    for before, after in zip(original[1:], written[1:], strict=False):
        sid = before[header.index("Email address")].split("@")[0]
        kept = [c for c in range(len(header)) if c not in (grade, comments)]
        if [after[c] for c in kept] != [before[c] for c in kept]:
            problems.append(f"{a} {sid}: a cell other than Grade and comments changed")
        if sid == "zed":
            want = ("", "")
        else:
            row = rows[(sid, a)]
            want = (f"{float(row['score']):.2f}", comment(row))
        if (after[grade], after[comments]) != want:
            problems.append(f"{a} {sid}: {(after[grade], after[comments])} != {want}")
    return problems


def comment(row: dict) -> str:
    """The worksheet's feedback comment of a grades.csv row, as the guide describes it."""
    if row["status"] == "missing":
        return row["notes"]
    score, top = float(row["score"]), float(row["max_score"])
    auto, most = float(row["autograded"]), float(row["autograded_max"])
    parts = [f"autograded {auto:g}/{most:g}"]
    if float(row["raw_score"]) != auto:
        parts.append(f"graded by hand {float(row['raw_score']) - auto:g}")
    waiting = (
        "; the written answers are not graded yet" if row["needs_manual_grade"] == "True" else ""
    )
    return f"{score:g}/{top:g}: {', '.join(parts)}{waiting}. Details in the feedback file."


# ---------------------------------------------------------------------------------------------
# The scenario
# ---------------------------------------------------------------------------------------------


def notebooks(course: Path, a: str, ben_right: bool = False) -> dict[str, bytes]:
    """01: everyone right but ben (partly wrong until he hands in again); 02, 03: blank."""
    if a != FIRST:
        blank = nbformat.writes(kit.release_notebook(a, course)).encode()
        return dict.fromkeys(dl.SUBMITTERS, blank)
    solved = nbformat.writes(kit.solved_notebook(a, course)).encode()
    wrong = next(s for s in kit.load_submissions(a) if s.name == PARTIAL)
    partial = nbformat.writes(kit.build_submission(a, wrong, course)).encode()
    return dict.fromkeys(dl.SUBMITTERS, solved) | ({} if ben_right else {"ben": partial})


def files(course: Path, kinds=("submitted", "autograded", "feedback")) -> dict[str, tuple]:
    """Every file of the students' folders: its bytes and modification time (ns)."""
    return {
        str(p.relative_to(course)): (p.read_bytes(), p.stat().st_mtime_ns)
        for kind in kinds
        for p in sorted((course / kind).rglob("*"))
        if p.is_file()
    }


def state(course: Path) -> dict[str, bytes]:
    """Everything a step may change: the students' folders, reports, settings, gradebook."""
    kept = ("submitted", "autograded", "reports", "nngrade.json", "feedback", "gradebook.db")
    return {
        str(p.relative_to(course)): p.read_bytes()
        for p in sorted(course.rglob("*"))
        if p.is_file() and p.relative_to(course).parts[0] in kept
    }


def grades(course: Path) -> dict[tuple[str, str], dict]:
    with (course / "grades.csv").open() as handle:
        return {(r["student_id"], r["assignment"]): r for r in csv.DictReader(handle)}


def hand_grades(course: Path) -> dict[str, tuple]:
    """01's written answer in the gradebook: (manual score, comment, needs manual grade)."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "nn-course") as gb:
        found = {}
        for sub in gb.assignment_submissions(FIRST):
            grade = gb.find_grade(WRITTEN, FIRST, FIRST, sub.student.id)
            text = gb.find_comment(WRITTEN, FIRST, FIRST, sub.student.id).manual_comment
            found[sub.student.id] = (grade.manual_score, text, grade.needs_manual_grade)
        return found


def grade_by_hand(course: Path) -> None:
    """What formgrader saves when the instructor grades 01's written answer of ada and ben."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "nn-course") as gb:
        for sid, (points, text) in HAND.items():
            grade = gb.find_grade(WRITTEN, FIRST, FIRST, sid)
            grade.manual_score, grade.needs_manual_grade = points, False
            gb.find_comment(WRITTEN, FIRST, FIRST, sid).manual_comment = text
        gb.db.commit()


@pytest.fixture(scope="module", params=LMS)
def term(request, tmp_path_factory) -> dict:
    lms = request.param
    root = tmp_path_factory.mktemp(f"term-{lms}")
    course = nnrelease.copy_course(kit.COURSE, root / "course")
    for a in ASSIGNMENTS:
        ok(make("release", course, ASSIGNMENT=a))
    opened = nncourse.Course.open(course)
    tops = {a: nncourse.total_points(opened, a) for a in ASSIGNMENTS}
    blank = nbformat.writes(kit.release_notebook(FIRST, course)).encode()
    week1 = {a: build(lms, root / "week1", a, notebooks(course, a), tops[a], first_attempt=blank)
             for a in ASSIGNMENTS}  # fmt: skip
    gradebook = gradebook_export(lms, root, tops)
    out, seen, rows = {}, {}, {}

    # 1. week 1, bad input among the collects
    first = {"ROSTER": week1[FIRST].roster_csv, **FIRST_COLLECT[lms]}
    out[FIRST] = ok(make("collect", course, SUBMISSIONS=week1[FIRST].path, **first))
    out["bad"] = []
    roster = week1[FIRST].roster_csv
    for bad in bad_downloads(lms, root / "bad", week1, tops):
        says, twin, kept = bad.pop("says"), bad.pop("twin", ""), roster.read_bytes()
        roster.write_bytes(kept + twin.encode())
        before = state(course)
        out["bad"].append((says, make("collect", course, **bad), state(course) == before))
        roster.write_bytes(kept)
    for a in ASSIGNMENTS[1:]:
        out[a] = ok(make("collect", course, SUBMISSIONS=week1[a].path))
    out["autograde"] = ok(make("autograde", course, WORKERS="2"))
    ok(make("export", course, **({"GRADEBOOK": gradebook} if gradebook else {})))
    rows["week1"] = grades(course)

    # 2. hand grading; 3. the same download again
    grade_by_hand(course)
    seen["hand"] = hand_grades(course)
    seen["before repeat"] = files(course)
    out["repeat"] = ok(make("collect", course, SUBMISSIONS=week1[FIRST].path))
    seen["after repeat collect"] = files(course)
    out["repeat autograde"] = ok(make("autograde", course, WORKERS="2"))
    seen["after repeat autograde"] = files(course)
    seen["hand after repeat"] = hand_grades(course)
    ok(make("export", course))
    rows["repeat"] = grades(course)

    # 4. ben hands in again, right, his written answer unchanged
    right = notebooks(course, FIRST, ben_right=True)
    partial = notebooks(course, FIRST)["ben"]
    week2 = build(lms, root / "week2", FIRST, right, tops[FIRST], first_attempt=partial,
                  at={"ben": RESUBMITTED})  # fmt: skip
    others = ("ada", "cam", "dee")
    seen["others before"] = {kind: files(course, (f"{kind}/{s}" for s in others))
                             for kind in ("submitted", "autograded")}  # fmt: skip
    out["week2"] = ok(make("collect", course, SUBMISSIONS=week2.path))
    out["week2 autograde"] = ok(make("autograde", course, WORKERS="2"))
    seen["others after"] = {kind: files(course, (f"{kind}/{s}" for s in others))
                            for kind in ("submitted", "autograded")}  # fmt: skip
    seen["hand after resubmission"] = hand_grades(course)
    ok(make("export", course))
    rows["resubmission"] = grades(course)

    # 5. eve hands in late, in a download where dee's file changed as well
    changed_dee = kit.solved_notebook(FIRST, course)
    changed_dee.cells[0].source += "\n\n(dee's edit)"
    late_nbs = right | {"eve": right["ada"], "dee": nbformat.writes(changed_dee).encode()}
    late = build(lms, root / "late", FIRST, late_nbs, tops[FIRST], first_attempt=partial,
                 at={"ben": RESUBMITTED})  # fmt: skip
    seen["before late"] = files(course)
    out["late"] = [ok(make(step, course, SUBMISSIONS=late.path, STUDENT="eve"))
                   for step in ("collect", "autograde", "feedback")]  # fmt: skip
    seen["after late"] = files(course)
    ok(make("export", course, **({"GRADEBOOK": gradebook} if gradebook else {})))
    rows["late"] = grades(course)
    last = week1 | {FIRST: late}  # the worksheets collect keeps for export (Moodle)
    return {"lms": lms, "course": course, "week1": week1, "last": last, "tops": tops, "out": out,
            "seen": seen, "rows": rows}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# What each step must do
# ---------------------------------------------------------------------------------------------


def expected_rows(term: dict, step: str) -> dict[tuple[str, str], dict]:
    """grades.csv after `step` (week1, repeat, resubmission, late), every column of every row."""
    lms, tops = term["lms"], term["tops"]
    roster = {s["student_id"]: s for s in csv.DictReader(term["week1"][FIRST].roster_csv.open())}
    partial = next(s for s in kit.load_submissions(FIRST) if s.name == PARTIAL).score
    table = {}
    for a in ASSIGNMENTS:
        most = sum(nncourse.test_cell_ids(kit.COURSE, a)[a].values())
        for sid, person in roster.items():
            handed_in = sid != "eve" or (a == FIRST and step == "late")
            right = handed_in and a == FIRST and (sid != "ben" or step in ("resubmission", "late"))
            resubmitted = a == FIRST and sid == "ben" and step in ("resubmission", "late")
            hand = HAND[sid][0] if a == FIRST and sid in HAND and step != "week1" else 0.0
            auto = most if right else (partial if a == FIRST and sid == "ben" else 0.0)
            placed, others = lms_notes(lms, a, sid, resubmitted)
            said = (placed, AGAIN if resubmitted else "", others)
            notes = "; ".join(n for n in said if n) if handed_in else MISSING
            if not handed_in:
                status = "missing"
            elif (
                step == "week1"
                or (sid, a) in {("ben", FIRST), ("eve", FIRST)}
                and (step == {"ben": "resubmission", "eve": "late"}[sid])
            ):
                status = "graded"
            else:
                status = "unchanged"
            table[(sid, a)] = {
                "student_id": sid,
                "name": person["name"],
                "email": person["email"],
                "lms_id": lms_id(lms, a, sid, person["lms_id"], handed_in),
                "assignment": a,
                "submitted_at": submitted_at(lms, sid, resubmitted) if handed_in else "",
                "autograded": str(auto),
                "autograded_max": str(most),
                "raw_score": str(auto + hand),
                "late_penalty": "0.0",
                "score": str(auto + hand),
                "max_score": str(tops[a]),
                # a written answer left blank is 0 at once; one written waits for formgrader
                "needs_manual_grade": str(handed_in and a == FIRST and not hand),
                "status": status,
                "notes": notes,
            }
    return table


@pytest.mark.parametrize("step", ["week1", "repeat", "resubmission", "late"])
def test_every_grades_csv_row_after_each_step(term, step):
    got, want = term["rows"][step], expected_rows(term, step)
    assert sorted(got) == sorted(want)
    wrong = {k: {c: (got[k][c], want[k][c]) for c in want[k] if got[k][c] != want[k][c]}
             for k in want if got[k] != want[k]}  # fmt: skip
    assert wrong == {}  # (student, assignment): {column: (got, expected)}


def test_bad_input_is_refused_in_one_message_and_changes_nothing(term):
    assert len(term["out"]["bad"]) == (4 if term["lms"] == "moodle" else 1)
    for says, done, unchanged in term["out"]["bad"]:
        said = [line for line in done.stderr.splitlines() if line.startswith("nngrade")]
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert len(said) == 1 and says in said[0], (says, said)
        assert unchanged, says


def test_each_download_is_collected_into_its_own_assignment(term):
    course = term["course"]
    for a in ASSIGNMENTS:
        assert f"{a}: 4 new or changed submission(s) collected, 0 unchanged" in term["out"][a]
        folders = sorted(p.parent.name for p in course.glob(f"submitted/*/{a}"))
        assert folders == ["ada", "ben", "cam", "dee"] + (["eve"] if a == FIRST else []), a
    assert not (course / "submitted" / "zed").exists()
    assert "02_backprop: graded now" in term["out"]["autograde"]


def test_a_repeat_collect_rewrites_and_regrades_nothing_and_keeps_hand_grades(term):
    out, seen = term["out"], term["seen"]
    assert f"{FIRST}: 0 new or changed submission(s) collected, 4 unchanged" in out["repeat"]
    assert seen["after repeat collect"] == seen["before repeat"]
    for a in ASSIGNMENTS:
        assert f"{a}: nothing to grade" in out["repeat autograde"]
    assert seen["after repeat autograde"] == seen["before repeat"]
    by_hand = {sid: (points, text, False) for sid, (points, text) in HAND.items()}
    assert seen["hand"] == seen["hand after repeat"] == by_hand | {
        "cam": (None, None, True), "dee": (None, None, True)
    }  # fmt: skip


def test_a_resubmission_after_hand_grading_regrades_only_that_student(term):
    out, seen = term["out"], term["seen"]
    assert f"{FIRST}: 1 new or changed submission(s) collected, 3 unchanged" in out["week2"]
    graded_now = out["week2 autograde"].split(f"{FIRST}: graded now\n")[1].split("Assignment")[0]
    assert [line.split("\t")[0].strip() for line in graded_now.splitlines()] == ["ben"]
    assert seen["others after"] == seen["others before"]
    # his written answer did not change: the hand grade stands
    assert seen["hand after resubmission"]["ben"] == (1.0, "half of it", False)
    assert seen["hand after resubmission"]["ada"] == (2.0, "clear", False)


def test_a_late_student_is_collected_graded_and_given_feedback_alone(term):
    course, (collected, graded, feedback) = term["course"], term["out"]["late"]
    assert f"{FIRST}: 1 new or changed submission(s) collected, 0 unchanged" in collected
    assert "eve" in collected and "dee" not in collected
    most = sum(nncourse.test_cell_ids(kit.COURSE, FIRST)[FIRST].values())
    hand = term["tops"][FIRST] - most
    assert f"eve\t{most:g}/{term['tops'][FIRST]:g} ({hand:g} points to grade by hand)" in graded
    assert "dee\t" not in graded
    pages = sorted(line for line in feedback.splitlines() if line.startswith("feedback "))
    assert pages == [f"feedback feedback/eve/{FIRST}/{FIRST}.html"]
    before, after = term["seen"]["before late"], term["seen"]["after late"]
    record = f"submitted/.lms-collect/{FIRST}.json"  # which file was collected for whom
    assert {k: v for k, v in after.items() if "/eve/" not in k and k != record} == {
        k: v for k, v in before.items() if k != record
    }
    was, now = (json.loads(files[record][0]) for files in (before, after))
    assert sorted(now) == sorted([*was, "eve"]) and {s: now[s] for s in was} == was
    assert (course / f"feedback/eve/{FIRST}/{FIRST}.html").is_file()


def test_the_import_file_fills_the_lms_columns_with_their_points(term):
    assert import_file_problems(term["lms"], term) == []
