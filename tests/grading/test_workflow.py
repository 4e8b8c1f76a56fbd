"""One assignment of a term end to end, through the make targets as the guide prints them.

For each LMS, a download named the way that LMS names things (`lms_downloads`: ada on time, ben
twice, cam late, dee's notebook renamed, eve on the roster with nothing, zed not on the roster,
fay's notebook truncated) goes through `make collect`, `make autograde`, `make feedback` and
`make export` with no ASSIGNMENT given (`all`), on a course whose due date and late penalty are
nbgrader's own settings. Every row of grades.csv is checked exactly. The same flow then runs
against a PostgreSQL server the test starts, followed by hand grading, a regrade, and bad input
that must change nothing.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import gradingkit as kit
import lms_downloads as dl
import nbformat
import pytest
from nbgrader.api import Gradebook
from nngrade import course as nncourse
from nngrade import release as nnrelease
from support import ROOT

ASSIGNMENT = dl.ASSIGNMENT
NOTEBOOK = f"{dl.NOTEBOOK}.ipynb"
PARTIAL = "transposed-weights"  # tests/grading/submissions/01_neurons/transposed_weights.toml
NBGRADER = ROOT / ".venv" / "bin" / "nbgrader"
# one xdist group per flow, so that the two workers of `make test` share the flows
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]
LMS = [pytest.param(lms, marks=pytest.mark.xdist_group(f"workflow-{lms}")) for lms in dl.BUILDERS]
ON_POSTGRESQL = pytest.mark.xdist_group("workflow-postgresql")

UNREADABLE = f"{NOTEBOOK} is not a readable notebook (NotJSONError): scored 0"
#: the assignment's autograded points: cam's full score
TOP = sum(nncourse.test_cell_ids(kit.COURSE, ASSIGNMENT)[dl.NOTEBOOK].values())
LATE = f"submitted 9 h 16 min late: penalty {TOP:g}"  # cam: 2026-10-02 09:15, due 10-01 23:59
#: nbgrader's late penalty setting per flow: all of the score (nbgrader's "zero"), or on Moodle
#: a tenth per started day (nngrade.late), so cam loses a tenth of TOP
PENALTY = {"zero": 'c.LateSubmissionPlugin.penalty_method = "zero"\n'}
PENALTY["moodle"] = (
    'c.AssignLatePenalties.plugin_class = "nngrade.late.PenaltyPerDay"\n'
    "c.PenaltyPerDay.fraction = 0.1\n"
)
#: The reasons grades.csv must give, per LMS, for ben (two attempts), cam (late) and dee (renamed).
NOTES = {
    "canvas": {
        "ben": "renamed: '01_neurons-1.ipynb' collected as 01_neurons.ipynb; not graded: "
        "babbageben_10002_700102_01_neurons.ipynb (superseded: the later "
        "babbageben_10002_700150_01_neurons-1.ipynb counts)",
        "cam": "the LMS marked it LATE",  # Canvas's zip has no time: Canvas's own policy applies
        "dee": "renamed: '01_neurons (1).ipynb' collected as 01_neurons.ipynb",
    },
    "moodle": {
        "ben": "",  # Moodle's zip holds only the latest submission's files
        "cam": f"submitted 9 h 16 min late: penalty {0.1 * TOP:g}",
        "dee": "renamed: '01_neurons(2).ipynb' collected as 01_neurons.ipynb",
    },
    "blackboard": {
        "ben": "not graded: Week_1 Neurons_ben_b_attempt_2026-09-28-09-05-00_01_neurons.ipynb "
        "(superseded: an older attempt; the attempt Week_1 "
        "Neurons_ben_b_attempt_2026-09-30-19-30-00_01_neurons.ipynb of 2026-09-30 18:30:00 UTC "
        "counts)",
        "cam": LATE,
        "dee": "renamed: '01_neurons-Copy1.ipynb' collected as 01_neurons.ipynb",
    },
    "folders": {
        "ben": "",  # a folder holds one hand-in
        "cam": LATE,
        "dee": "renamed: '01_neurons-Copy1.ipynb' collected as 01_neurons.ipynb",
    },
}


make, ok = kit.make, kit.ok


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> Path:
    """A course copy after `make release` (every assignment), copied by each flow below."""
    course = nnrelease.copy_course(kit.COURSE, tmp_path_factory.mktemp("released") / "course")
    out = ok(make("release", course))
    for name in nncourse.assignments(nncourse.Course.open(course)):
        assert f"released exercises/{name}/{name}.ipynb" in out
    return course


def notebooks(course: Path) -> tuple[dict[str, bytes], bytes]:
    """The scenario's hand-ins: ben's partial answer (after a blank first attempt), fay's
    truncated upload, everyone else the reference solution."""
    solved = nbformat.writes(kit.solved_notebook(ASSIGNMENT, course)).encode()
    partial = next(s for s in kit.load_submissions(ASSIGNMENT) if s.name == PARTIAL)
    ben = nbformat.writes(kit.build_submission(ASSIGNMENT, partial, course)).encode()
    blank = nbformat.writes(kit.release_notebook(ASSIGNMENT, course)).encode()
    handed_in = {"ada": solved, "ben": ben, "cam": solved, "dee": solved, "zed": solved}
    return handed_in | {"fay": solved[:300]}, blank


def run_term(released: Path, root: Path, lms: str, db_url: str = "") -> dict:
    """Due date and penalty as nbgrader's settings, then collect, autograde, feedback, export."""
    course = root / "course"
    shutil.copytree(released, course)
    with (course / "nbgrader_config.py").open("a") as config:
        config.write(PENALTY.get(lms, PENALTY["zero"]))
    env = {"PATH": f"{NBGRADER.parent}:/usr/bin:/bin", "NNGRADE_DB_URL": db_url}
    due = f"--duedate={dl.DUE:%Y-%m-%d %H:%M:%S} UTC"
    command = [NBGRADER, "db", "assignment", "add", ASSIGNMENT, due]
    ok(subprocess.run(command, cwd=course, env=env, capture_output=True, text=True))
    handed_in, blank = notebooks(course)
    download = dl.build(lms, root / "download.zip", handed_in, first_attempt=blank)
    options = {"SUBMISSIONS": download.path, "ROSTER": download.roster_csv}
    if db_url:
        options["DB_URL"] = db_url
    out = {"collect": ok(make("collect", course, **options))}
    out["autograde"] = ok(make("autograde", course, WORKERS="2"))  # as the README prints it
    for step in ("feedback", "export"):
        out[step] = ok(make(step, course))
    return {"course": course, "download": download, "out": out, "rows": read_rows(course)}


def read_rows(course: Path, name: str = "grades.csv") -> dict[str, dict]:
    with (course / name).open() as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module", params=LMS)
def term(request, released, tmp_path_factory) -> dict:
    return run_term(released, tmp_path_factory.mktemp(request.param), request.param)


def expected_rows(term: dict, lms: str) -> dict[str, dict]:
    download = term["download"]
    top = TOP
    total = nncourse.total_points(kit.COURSE, ASSIGNMENT)
    partial = next(s for s in kit.load_submissions(ASSIGNMENT) if s.name == PARTIAL).score
    with download.roster_csv.open() as handle:
        roster = {row["student_id"]: row for row in csv.DictReader(handle)}
    late = lms != "canvas"  # only a download with times can be late for nbgrader
    raw = {"ada": top, "ben": partial, "cam": top, "dee": top, "eve": 0.0, "fay": 0.0}
    notes = NOTES[lms] | {"ada": "", "eve": "no submission: scored 0", "fay": UNREADABLE}
    rows = {}
    for sid, person in roster.items():
        placed = download.expected.get(sid)
        share = 0.1 if lms == "moodle" else 1.0
        penalty = share * top if (sid == "cam" and late) else 0.0
        graded = sid in {"ada", "ben", "cam", "dee"}
        rows[sid] = {
            "student_id": sid,
            "name": person["name"],
            "email": person["email"],
            "lms_id": person["lms_id"],
            "assignment": ASSIGNMENT,
            "submitted_at": placed.submitted_at.isoformat()
            if placed and placed.submitted_at
            else "",
            "autograded": str(raw[sid]),
            "autograded_max": str(top),
            "raw_score": str(raw[sid]),
            "late_penalty": str(penalty),
            "score": str(raw[sid] - penalty),
            "max_score": str(total),
            "needs_manual_grade": str(graded),  # the written answer waits for formgrader
            "status": "graded" if graded else {"eve": "missing", "fay": "zero"}[sid],
            "notes": notes[sid],
        }
    return rows


def test_grades_csv_has_every_roster_student_exactly(term, request):
    lms = request.node.callspec.params["term"]
    assert term["rows"] == expected_rows(term, lms)


def test_every_file_of_the_download_is_placed_or_reported(term):
    download, out = term["download"], term["out"]
    report = json.loads((term["course"] / "reports" / f"{ASSIGNMENT}.json").read_text())
    unplaced = report["students"]["(unplaced files)"]["notes"]
    assert len(unplaced) == len(download.unplaced)
    for source, phrase in download.unplaced.items():
        assert any(n.startswith(f"{source}: ") and phrase in n for n in unplaced), (
            source,
            unplaced,
        )
    for sid, placed in download.expected.items():
        assert report["students"][sid]["sources"] == [placed.source]
    assert "zed" not in term["rows"] and not (term["course"] / "submitted" / "zed").exists()
    # `all` skips, saying so, the assignments with nothing to do
    assert "02_backprop: nothing to grade" in out["autograde"]
    assert "02_backprop: no feedback to write" in out["feedback"]
    assert "02_backprop: nothing collected yet, not exported" in out["export"]


def test_feedback_for_every_submitter_self_contained_and_named_for_the_lms(term, request):
    lms, course, download = request.node.callspec.params["term"], term["course"], term["download"]
    pages = {p.parts[-3]: p for p in course.glob(f"feedback/*/{ASSIGNMENT}/*.html")}
    assert sorted(pages) == ["ada", "ben", "cam", "dee", "fay"]
    _, hidden = kit.secret_lines(ASSIGNMENT, course)
    for page in pages.values():
        text = page.read_text()
        assert not kit.leaked(hidden, kit.html_text(page)), page
        assert not re.search(r"<(script|link|img)\b[^>]*(src|href)=[\"']?(https?:)?//", text)
    assert "not a readable notebook" in pages["fay"].read_text()
    assert "tex-svg" not in pages["fay"].read_text()  # no maths, no MathJax
    names = sorted(zipfile.ZipFile(course / "feedback-upload" / f"{ASSIGNMENT}.zip").namelist())
    expected = {sid: download.expected[sid].source for sid in pages}
    if lms in ("canvas", "blackboard"):
        expected = {sid: Path(source).with_suffix(".html").name for sid, source in expected.items()}
    elif lms == "moodle":
        expected = {sid: f"{Path(s).parts[0]}/{Path(s).stem}.html" for sid, s in expected.items()}
    else:
        expected = {sid: f"{sid}/{dl.NOTEBOOK}.html" for sid in pages}
    assert names == sorted(expected.values())


def test_lms_import_file_has_one_row_per_roster_student(term, request):
    lms, course = request.node.callspec.params["term"], term["course"]
    if lms == "folders":
        assert not list(course.glob("grades-*.csv"))  # no LMS to import into
        return
    with (course / f"grades-{lms}.csv").open() as handle:
        table = list(csv.reader(handle))
    header, body = table[0], table[1:]
    assert header[-1] == ASSIGNMENT
    if lms == "canvas":  # Canvas sets the column's points from this row
        total = nncourse.total_points(kit.COURSE, ASSIGNMENT)
        assert body[0] == ["Points Possible", "", "", "", "", f"{total:g}"]
        body = body[1:]
    assert [row[-1] for row in body] == [row["score"] for row in term["rows"].values()]
    identity = {"canvas": "ID", "moodle": "Email address", "blackboard": "Username"}[lms]
    column = {"canvas": "lms_id", "moodle": "email", "blackboard": "lms_id"}[lms]
    assert [r[header.index(identity)] for r in body] == [
        row[column] for row in term["rows"].values()
    ]


# ---------------------------------------------------------------------------------------------
# The same term on PostgreSQL: one setting for every step, hand grading, bad input
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_term(released, tmp_path_factory, postgres_server) -> dict:
    """Canvas's flow with `DB_URL=` given once, to `make collect` only, on a fresh database."""
    url = postgres_server("term")
    return run_term(released, tmp_path_factory.mktemp("pg"), "canvas", db_url=url) | {"url": url}


def gradebook_state(url: str) -> dict:
    """Everything the gradebook holds about the assignment: scores per student and cell."""
    with Gradebook(url, "nn-course") as gb:
        return {
            (sub.student.id, nb.name, grade.name): (grade.auto_score, grade.manual_score)
            for sub in gb.assignment_submissions(ASSIGNMENT)
            for nb in sub.notebooks
            for grade in nb.grades
        }


@ON_POSTGRESQL
def test_postgresql_is_the_one_gradebook_of_every_step(pg_term):
    course, url = pg_term["course"], pg_term["url"]
    assert pg_term["rows"] == expected_rows(pg_term, "canvas")
    assert {key[0] for key in gradebook_state(url)} == {"ada", "ben", "cam", "dee"}
    assert gradebook_state(f"sqlite:///{course / 'gradebook.db'}") == {}  # never written
    assert json.loads((course / "nngrade.json").read_text())["db_url"] == url
    # plain nbgrader (and so formgrader, which loads the same nbgrader_config.py) reads it too
    env = {"PATH": f"{NBGRADER.parent}:/usr/bin:/bin"}
    command = [NBGRADER, "db", "student", "list"]
    listed = ok(subprocess.run(command, cwd=course, env=env, capture_output=True, text=True))
    assert all(sid in listed for sid in ("ada", "ben", "cam", "dee"))


@ON_POSTGRESQL
def test_bad_input_gets_one_message_and_changes_nothing(pg_term, tmp_path):
    course, url, download = pg_term["course"], pg_term["url"], pg_term["download"]
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 this is not a zip")
    duplicate = tmp_path / "roster.csv"
    lines = download.roster_csv.read_text().splitlines()
    duplicate.write_text("\n".join([*lines, lines[1].replace("@", "+2@")]) + "\n")
    cases = [
        ("collect", {"SUBMISSIONS": broken}, "is neither a folder nor a readable zip file"),
        ("collect", {"SUBMISSIONS": download.path, "ROSTER": duplicate}, "duplicate student id"),
        ("collect", {"SUBMISSIONS": download.path, "LMS": "webct"}, "unknown LMS 'webct'"),
        ("autograde", {"ASSIGNMENT": "01_neuron"}, "'01_neuron' is not an assignment"),
    ]
    before = gradebook_state(url), snapshot(course)
    for target, variables, message in cases:
        done = make(target, course, **variables)
        said = [line for line in done.stderr.splitlines() if line.startswith("nngrade")]
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert len(said) == 1 and message in said[0], done.stderr
        assert (gradebook_state(url), snapshot(course)) == before, target
    assert "01_neurons, 02_backprop" in said[0]  # the unknown assignment: the real ones listed


def snapshot(course: Path) -> dict[str, bytes]:
    kept = ("submitted", "autograded", "reports", "nngrade.json", "feedback")
    return {
        str(p.relative_to(course)): p.read_bytes()
        for p in sorted(course.rglob("*"))
        if p.is_file() and p.relative_to(course).parts[0] in kept
    }


@ON_POSTGRESQL
def test_hand_entered_scores_survive_a_regrade(pg_term):
    """As formgrader saves a manual grade; then `make autograde REGRADE=1` and `make export`."""
    course, url = pg_term["course"], pg_term["url"]
    master = kit.master(ASSIGNMENT, course)
    written = [
        c.metadata["nbgrader"]["grade_id"]
        for c in master.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"]["solution"]
    ]
    with Gradebook(url, "nn-course") as gb:
        for grade_id in written:
            gb.find_grade(grade_id, dl.NOTEBOOK, ASSIGNMENT, "ada").manual_score = 1.5
        gb.db.commit()
    ok(make("autograde", course, REGRADE="1"))
    ok(make("export", course))
    ada = read_rows(course)["ada"]
    top = float(ada["autograded"])
    assert float(ada["raw_score"]) == float(ada["score"]) == top + 1.5 * len(written)
    state = gradebook_state(url)
    assert [state[("ada", dl.NOTEBOOK, g)][1] for g in written] == [1.5] * len(written)
