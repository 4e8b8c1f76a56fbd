"""What every assignment must prove, through nbgrader's Python API on a temporary course.

nbgrader's `validate` and `autograde` exit 0 even when tests fail, so every check here reads the
scores nbgrader wrote into the gradebook.
"""

from __future__ import annotations

import re
from pathlib import Path

import gradingkit as kit
import nbformat
import pytest
from nngrade import course as nncourse
from nngrade import release as nnrelease
from nngrade.authoring import notebook_text
from nngrade.feedback_pages import generate
from support import ROOT

ASSIGNMENTS = kit.assignment_names()
EXERCISE_NOTEBOOKS = sorted((ROOT / "exercises").glob("*/*.ipynb"))
# nbgrader's gradebook code warns (SAWarning, a RuntimeWarning: an error under our settings)
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]


def _on_one_worker(*values):
    """Under pytest-xdist (--dist loadgroup), grade each assignment on one worker only."""
    return pytest.param(*values, marks=pytest.mark.xdist_group(f"grading-{values[0]}"))


GRADED = [_on_one_worker(a) for a in ASSIGNMENTS]
WRITTEN = [_on_one_worker(a, s.name) for a in ASSIGNMENTS for s in kit.load_submissions(a)]


def test_every_chapter_has_an_assignment_in_order():
    """Assignments are numbered like the chapters; the list only grows."""
    assert ASSIGNMENTS, "no assignment found under solutions/"
    assert all(a[:2].isdigit() and a[2] == "_" for a in ASSIGNMENTS), ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_master_is_built_from_its_source(assignment):
    source = ROOT / "solutions" / assignment / f"{assignment}.py"
    master = source.with_suffix(".ipynb")
    assert master.read_text() == notebook_text(source), "run `make release` to rebuild the master"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_are_exactly_what_generate_assignment_makes(course, assignment):
    assert (course / "exercises" / assignment).is_dir()
    assert not nnrelease.release_differences(
        kit.COURSE, nncourse.Course.open(course), assignment
    ), "run `make release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_shape(assignment):
    """Four or more graded parts, visible and hidden tests, locked cells, a part graded by hand."""
    cells = [c.metadata["nbgrader"] for c in kit.master(assignment).cells]
    source = {c.metadata["nbgrader"]["grade_id"]: c.source for c in kit.master(assignment).cells}
    tests = [m for m in cells if m["grade"] and not m["solution"]]
    manual = [m for m in cells if m["grade"] and m["solution"]]
    assert len(tests) >= 4 and manual, "needs >= 4 autograded parts and a manually graded one"
    assert all(m["points"] > 0 for m in tests + manual)
    assert all("### BEGIN HIDDEN TESTS" in source[m["grade_id"]] for m in tests)
    visible = [_outside_hidden(source[m["grade_id"]]) for m in tests]
    assert all("check_" in v for v in visible), "every part needs a visible test (Validate)"
    assert sum(m["locked"] and not m["grade"] for m in cells) >= 2


# What a test cell may not compare with: these read the received object's own `==` or can be
# replaced by an answer cell; the checks of solutions/_shared/checks.py do neither.
UNCAPTURED = (
    "assert ",
    "np.allclose",
    "np.isclose",
    "np.array_equal",
    "np.testing",
    "math.isclose",
)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_check_goes_through_the_shared_checks(assignment):
    """The checks are included in a locked cell before any answer; test cells only call them."""
    cells = kit.master(assignment).cells
    roles = [c.metadata["nbgrader"] for c in cells]
    first_answer = next(i for i, m in enumerate(roles) if m["solution"])
    included = [
        i
        for i, c in enumerate(cells)
        if "def _make_checks():" in c.source and roles[i]["locked"] and not roles[i]["grade"]
    ]
    assert included and included[0] < first_answer, "include checks.py in a locked setup cell"
    for cell, meta in zip(cells, roles, strict=True):
        if meta["grade"] and not meta["solution"]:
            code = cell.source
            found = [word for word in UNCAPTURED if word in code]
            assert not found, f"{meta['grade_id']} compares with {found}: use the check_* helpers"
            assert "check_" in kit.hidden_part(code), (
                f"{meta['grade_id']}: hidden tests use no check"
            )


def _outside_hidden(source: str) -> str:
    from nngrade.feedback import strip_hidden

    return strip_hidden(source)[0]


@pytest.mark.parametrize("assignment", GRADED)
def test_reference_earns_full_and_blank_earns_zero(graded, assignment):
    result = graded(assignment)
    reference, blank = result.scores["reference"], result.scores["blank"]
    assert reference.autograded_max > 0
    assert reference.autograded == reference.autograded_max, reference.parts
    assert blank.autograded == 0, blank.parts
    assert blank.autograded_max == reference.autograded_max
    graded_nb = result.course / "autograded" / "reference" / assignment / f"{assignment}.ipynb"
    for cell in nbformat.read(graded_nb, as_version=4).cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{cell.id}: {out.ename}"
            assert out.get("name") != "stderr", f"{cell.id} writes to stderr: {out.text[:200]}"


@pytest.mark.parametrize("assignment", GRADED)
def test_tampered_tests_are_restored(graded, assignment):
    """Emptied or trivialised test cells worth 100 points are graded with the originals."""
    result = graded(assignment)
    tampered = result.scores["tampered-blank"]
    assert tampered.autograded == 0, tampered.parts
    assert tampered.autograded_max == result.scores["reference"].autograded_max
    assert tampered.max_score == result.scores["reference"].max_score


@pytest.mark.parametrize("assignment", GRADED)
def test_answers_equal_to_everything_earn_nothing(graded, assignment):
    """Even with numpy, math and the checks patched to agree, at most 10% of the points."""
    result = graded(assignment)
    full = result.scores["reference"].autograded_max
    assert result.scores["hostile"].autograded == 0, result.scores["hostile"].parts
    patched = result.scores["hostile-patched"]
    assert patched.autograded <= 0.1 * full, patched.parts


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_at_least_three_written_wrong_submissions(assignment):
    subs = kit.load_submissions(assignment)
    assert len(subs) >= 3
    for sub in subs:
        assert sub.failing and sub.description, sub.name
        assert set(sub.messages) <= set(sub.failing), f"{sub.name}: a message of a passing cell"
    teaching = [text for sub in subs for text in sub.messages.values() if "expected" in text]
    assert any("received" in text for text in teaching), "no message names expected and received"


@pytest.mark.parametrize(("assignment", "student"), WRITTEN)
def test_wrong_submission_earns_its_intended_score(graded, assignment, student):
    result = graded(assignment)
    sub = result.submissions[student]
    got = result.scores[student]
    full = result.scores["reference"].parts
    expected_parts = {gid: (0.0 if gid in sub.failing else pts) for gid, pts in full.items()}
    assert set(sub.failing) <= set(full), f"unknown test cells in failing: {sub.failing}"
    assert sum(expected_parts.values()) == sub.score, "score and failing disagree in the TOML"
    assert got.parts == expected_parts, f"{sub.description}: got {got.parts}"
    assert got.autograded == sub.score
    graded_nb = result.course / "autograded" / student / assignment / f"{assignment}.ipynb"
    assert kit.missing_message_lines(sub, nbformat.read(graded_nb, as_version=4)) == {}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_solution_or_hidden_test_in_exercises(assignment):
    solution, hidden = kit.secret_lines(assignment)
    assert solution and hidden
    for path in (ROOT / "exercises" / assignment).rglob("*"):
        if path.suffix == ".ipynb":
            found = (solution | hidden) & kit.notebook_lines(nbformat.read(path, as_version=4))
            assert not found, f"{path.name} leaks {found}"
        elif path.is_file():
            text = path.read_text(errors="replace")
            assert not kit.leaked(solution | hidden, text), path


@pytest.mark.parametrize("assignment", GRADED)
def test_feedback_never_shows_hidden_tests(graded, assignment):
    result = graded(assignment)
    generate(nncourse.Course.open(result.course), assignment)
    solution, hidden = kit.secret_lines(assignment, result.course)
    pages = sorted((result.course / "feedback").glob(f"*/{assignment}/*.html"))
    assert {p.parts[-3] for p in pages} >= {"reference", "blank", "tampered-blank"}
    for page in pages:
        text = kit.html_text(page)
        assert not kit.leaked(hidden, text), f"{page}: {kit.leaked(hidden, text)[:3]}"
        if page.parts[-3] in {"blank", "tampered-blank"}:  # the others wrote solution lines
            assert not kit.leaked(solution, text), f"{page}: {kit.leaked(solution, text)[:3]}"


@pytest.mark.xdist_group(f"grading-{ASSIGNMENTS[0]}")
def test_nbgrader_own_feedback_would_leak(graded, tmp_path):
    """The check above can fail: nbgrader's default feedback shows the hidden tests."""
    assignment = ASSIGNMENTS[0]
    result = graded(assignment)
    from nbgrader.apps import NbGraderAPI
    from nbgrader.converters import GenerateFeedback

    config = nncourse.Course.open(result.course).config()
    del config.GenerateFeedback["preprocessors"]
    config.CourseDirectory.feedback_directory = str(tmp_path / "raw")
    api = NbGraderAPI(config=config)
    assert GenerateFeedback(config=config).preprocessors, "nbgrader's defaults are in use"
    outcome = api.generate_feedback(assignment, "blank")
    assert outcome["success"], outcome
    page = next(Path(tmp_path / "raw").rglob("*.html"))
    _, hidden = kit.secret_lines(assignment, result.course)
    assert kit.leaked(hidden, kit.html_text(page))


def test_site_never_shows_solutions_or_hidden_tests():
    site = ROOT / "_build" / "html"
    if not site.is_dir():
        pytest.skip("the site is not built (make book); the browser tests build and check it")
    assert not list(site.rglob("solutions/*")), "the site publishes solutions/"
    secrets = set()
    for assignment in ASSIGNMENTS:
        solution, hidden = kit.secret_lines(assignment)
        secrets |= solution | hidden
    # Not a leak: what a chapter itself shows or says (`loss.backward()`), code that a released
    # exercise gives every student (02's `Z1 = X @ W1 + b1` is code that 05 hands out), and a
    # lone keyword argument (`rtol=1e-10)`), which says nothing of a solution.
    given = "\n".join(
        cell.source
        for notebook in [*(ROOT / "lectures").glob("*.ipynb"), *EXERCISE_NOTEBOOKS]
        for cell in nbformat.read(notebook, as_version=4).cells
    )
    secrets = {s for s in secrets if s not in given and not re.fullmatch(r"\w+=[^\s=]*", s)}
    for page in site.rglob("*.html"):
        assert not kit.leaked(secrets, kit.html_text(page)), page
    for notebook in site.rglob("*.ipynb"):
        assert not secrets & kit.notebook_lines(nbformat.read(notebook, as_version=4)), notebook


@pytest.mark.xdist_group(f"grading-{ASSIGNMENTS[0]}")
def test_scores_are_read_per_part_from_the_gradebook(graded):
    result = graded(ASSIGNMENTS[0])
    reference = result.scores["reference"]
    parts = nncourse.test_cell_ids(nncourse.Course.open(result.course), ASSIGNMENTS[0])
    assert set(reference.parts) == set().union(*[set(p) for p in parts.values()])
