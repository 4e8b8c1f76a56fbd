"""The instructor workflow end to end, as a new user runs it: the commands behind the make targets.

release -> collect an LMS zip and a folder -> autograde -> feedback -> export, on a temporary copy
of the course, with three made-up students (right, partial, blank) and every kind of bad input.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import gradingkit as kit
import nbformat
import pytest
from nngrade import course as nncourse

ASSIGNMENT = "01_neurons"
PARTIAL = "transposed-weights"  # tests/grading/submissions/01_neurons/transposed_weights.toml
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("workflow")]


def run(course: Path, *args: str) -> str:
    """`python -m nngrade.course ...` as the make targets run it; fails the test on exit != 0."""
    command = [sys.executable, "-m", "nngrade.course", args[0], "--course", str(course), *args[1:]]
    return _checked(command)


def autograde(course: Path) -> str:
    """`make autograde`'s command: the isolated grader, two submissions at a time."""
    nngrade = Path(sys.executable).parent / "nngrade"
    return _checked(
        [nngrade, "autograde", "--course", course, "--assignment", ASSIGNMENT, "--workers", "2"]
    )


def _checked(command: list) -> str:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _partial() -> kit.Submission:
    return next(s for s in kit.load_submissions(ASSIGNMENT) if s.name == PARTIAL)


def _notebook_json(nb) -> str:
    return nbformat.writes(nb)


def _lms_zip(course: Path, path: Path) -> Path:
    """A zip as an LMS exports it: `<student_id>_<notebook>.ipynb` plus what students get wrong."""
    right = kit.solved_notebook(ASSIGNMENT, course)
    partial = kit.build_submission(ASSIGNMENT, _partial(), course)
    files = {
        f"alice_{ASSIGNMENT}.ipynb": _notebook_json(right),
        f"bob_{ASSIGNMENT}.ipynb": _notebook_json(partial),
        f"carol_{ASSIGNMENT}.ipynb": _notebook_json(kit.release_notebook(ASSIGNMENT, course)),
        f"dave_{ASSIGNMENT}.ipynb": _notebook_json(right)[:500],  # truncated upload
        "erin_neurons.ipynb": _notebook_json(right),  # renamed notebook
        f"frank_{ASSIGNMENT}.ipynb": nbformat.writes(nbformat.convert(right, 3)),  # nbformat 3
        "README.txt": "not a submission",
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(f"submissions/{name}", text)
    return path


def _folder(course: Path, path: Path) -> Path:
    """A folder of per-student subfolders: one empty, one with extra files beside the notebook."""
    (path / "gina").mkdir(parents=True)
    henry = path / "henry"
    henry.mkdir()
    nbformat.write(kit.solved_notebook(ASSIGNMENT, course), henry / f"{ASSIGNMENT}.ipynb")
    (henry / "notes.txt").write_text("my notes")
    (henry / "numpy.py").write_text("raise SystemExit('shadowed numpy')\n")
    kate = kit.solved_notebook(ASSIGNMENT, course)  # right, then kills her kernel at the end
    kate.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(3)"))
    (path / "kate").mkdir()
    nbformat.write(kate, path / "kate" / f"{ASSIGNMENT}.ipynb")
    lena = kit.solved_notebook(ASSIGNMENT, course)  # right, but silences a test helper
    lena.cells.append(nbformat.v4.new_code_cell("np.testing.assert_allclose = print"))
    (path / "lena").mkdir()
    nbformat.write(lena, path / "lena" / f"{ASSIGNMENT}.ipynb")
    return path


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    root = tmp_path_factory.mktemp("workflow")
    course = nncourse.copy_course(kit.REPO, root / "course")
    outputs = {"release": run(course, "release", "--assignment", ASSIGNMENT)}
    archive = _lms_zip(course, root / "lms.zip")
    outputs["collect_zip"] = run(course, "collect", "--assignment", ASSIGNMENT, "--from", archive)
    folder = _folder(course, root / "folder")
    outputs["collect_folder"] = run(course, "collect", "--assignment", ASSIGNMENT, "--from", folder)
    outputs["autograde"] = autograde(course)
    outputs["feedback"] = run(course, "feedback", "--assignment", ASSIGNMENT)
    outputs["export"] = run(course, "export", "--to", str(root / "grades.csv"))
    with (root / "grades.csv").open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return course, outputs, rows


def test_released_exercise_matches_the_repository(workflow):
    course, outputs, _ = workflow
    assert f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb" in outputs["release"]
    fresh = course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    ours = kit.REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert fresh.read_bytes() == ours.read_bytes()


def test_csv_has_the_exact_scores(workflow):
    _, _, rows = workflow
    top = sum(nncourse.test_cell_ids(kit.REPO, ASSIGNMENT)[ASSIGNMENT].values())
    partial = _partial()
    expected = {
        "alice": top,
        "bob": partial.score,
        "carol": 0.0,
        "dave": 0.0,
        "erin": 0.0,
        "frank": top,
        "henry": top,
        "kate": top,
        "lena": top,
    }
    got = {sid: float(row["autograded"]) for sid, row in rows.items() if row["autograded"] != ""}
    assert got == expected
    assert all(float(rows[s]["autograded_max"]) == top for s in expected)
    total = nncourse.total_points(kit.REPO, ASSIGNMENT)
    assert total > top and all(float(rows[s]["max_score"]) == total for s in expected)
    assert rows["gina"]["status"] == "skipped" and rows["gina"]["autograded"] == ""


def test_bad_input_gets_a_clear_reason(workflow):
    _, outputs, rows = workflow
    reasons = {
        "dave": r"not a readable notebook",
        "erin": r"missing notebook 01_neurons\.ipynb \(found neurons\.ipynb: renamed\?",
        "frank": r"nbformat 3\.0: upgraded",
        "gina": r"empty submission folder",
        "henry": r"extra file notes\.txt ignored.*extra file numpy\.py ignored"
        r"|extra file numpy\.py ignored.*extra file notes\.txt ignored",
        "kate": r"grading: the kernel died",
        "lena": r"grading: review: cell \d+, line 1 replaces np\.testing\.assert_allclose",
    }
    for student, pattern in reasons.items():
        assert re.search(pattern, rows[student]["notes"]), (student, rows[student]["notes"])
    assert rows["dave"]["status"] == "zero" and rows["erin"]["status"] == "zero"
    assert rows["alice"]["notes"] == "" and rows["alice"]["status"] == "graded"
    assert "README.txt does not match" in outputs["collect_zip"]
    for student in reasons:
        assert student in outputs["autograde"]


def test_feedback_for_every_graded_student_without_hidden_tests(workflow):
    course, outputs, _ = workflow
    _, hidden = kit.secret_lines(ASSIGNMENT, course)
    pages = sorted(course.glob(f"feedback/*/{ASSIGNMENT}/*.html"))
    graded = {"alice", "bob", "carol", "frank", "henry", "kate", "lena"}
    assert {p.parts[-3] for p in pages} == graded
    for page in pages:
        assert not kit.leaked(hidden, kit.html_text(page)), page


def test_make_targets_run_these_commands():
    """The Makefile's instructor targets are the commands this test ran."""
    makefile = (kit.REPO / "Makefile").read_text()
    for verb in ("release", "collect", "feedback", "export"):
        recipe = re.search(rf"^{verb}:.*\n\t(.+)$", makefile, flags=re.M)
        assert recipe and f"-m nngrade.course {verb}" in recipe.group(1), verb
    recipe = re.search(r"^autograde:.*\n\t(.+)$", makefile, flags=re.M)
    assert recipe and "/bin/nngrade autograde" in recipe.group(1)
    assert "--workers $(WORKERS)" in recipe.group(1)


def test_a_resubmission_touches_no_other_grade(workflow, tmp_path):
    """Bob re-uploads a broken notebook and Ivan arrives late: only their rows change.

    Runs last: it changes the module's course.
    """
    course, _, before = workflow
    folder = tmp_path / "late"
    (folder / "bob").mkdir(parents=True)
    (folder / "bob" / f"{ASSIGNMENT}.ipynb").write_text("{ not json")
    (folder / "ivan").mkdir()
    nbformat.write(kit.solved_notebook(ASSIGNMENT, course), folder / "ivan" / f"{ASSIGNMENT}.ipynb")
    run(course, "collect", "--assignment", ASSIGNMENT, "--from", str(folder))
    autograde(course)
    run(course, "export", "--to", str(tmp_path / "again.csv"))
    with (tmp_path / "again.csv").open() as handle:
        after = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert after["bob"]["autograded"] == "0.0" and after["bob"]["status"] == "zero"
    assert after["ivan"]["autograded"] == after["alice"]["autograded"] != "0.0"
    others = [s for s in before if s != "bob"]
    assert {s: after[s] for s in others} == {s: before[s] for s in others}
