"""What the student edition holds: chapters, released exercises, libraries; nothing secret."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import gradingkit as kit
import nbformat
import pytest
import student_edition
from support import ROOT

pytestmark = pytest.mark.slow

#: Everything the edition's root may hold; tests, benchmarks, CI, npm and build files may not.
ROOT_ENTRIES = {
    ".released",
    "README.md",
    "exercises",
    "jupyter-config",
    "lectures",
    "nnbook",
    "nnlib",
    "pyproject.toml",
    student_edition.LOCK,
}


def _strings(value) -> list[str]:
    """Every string inside a JSON value (notebook sources, outputs and metadata alike)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _text(name: str, data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".ipynb"):  # JSON escapes newlines: look at the decoded strings too
        text += "\n" + "\n".join(_strings(json.loads(text)))
    return text


def _leaks(secrets: set[str], name: str, data: bytes) -> list[str]:
    """Secret lines in a file: whole lines of code and notebooks (where `return theta` would
    otherwise match inside `return theta_new`), anywhere in any other text."""
    text = _text(name, data)
    if name.endswith((".py", ".ipynb")):
        return sorted(secrets & {line.strip() for line in text.split("\n")})
    return kit.leaked(secrets, text)


def _secrets() -> set[str]:
    """Every significant line of a solution or hidden-test region of solutions/, less the lines
    that a chapter or a released exercise shows (`y.backward()` is no secret when chapter 3
    prints it)."""
    secrets = set()
    for assignment in kit.assignment_names():
        solution, hidden = kit.secret_lines(assignment)
        assert solution and hidden, assignment
        secrets |= solution | hidden
    taught = set()
    for chapter in (ROOT / "lectures").glob("*.ipynb"):
        taught |= kit.notebook_lines(nbformat.read(chapter, as_version=4))
    # given code of one exercise (`Z1 = X @ W1 + b1` in 05) may be another's answer; each release
    # holds none of its own secrets (tests/grading), so what one shows is public
    for released in (ROOT / "exercises").glob("*/*.ipynb"):
        taught |= kit.notebook_lines(nbformat.read(released, as_version=4))
    return secrets - taught


def _files(edition: Path) -> dict[str, bytes]:
    return {
        p.relative_to(edition).as_posix(): p.read_bytes() for p in edition.rglob("*") if p.is_file()
    }


def test_edition_has_every_chapter_and_released_exercise(built_edition):
    edition, _ = built_edition
    assert {p.name for p in edition.iterdir()} == ROOT_ENTRIES
    chapters = sorted(p.name for p in (ROOT / "lectures").glob("*.ipynb"))
    assert sorted(p.name for p in (edition / "lectures").glob("*.ipynb")) == chapters
    for released in (ROOT / "exercises").glob("*/*.ipynb"):
        relative = released.relative_to(ROOT)
        assert (edition / relative).read_bytes() == released.read_bytes(), relative
        assert (edition / ".released" / relative.relative_to("exercises")).exists(), relative
    for package in student_edition.PACKAGES:
        for module in (ROOT / package).rglob("*.py"):
            assert (edition / module.relative_to(ROOT)).exists(), module


def test_readme_says_what_the_setup_page_says(built_edition):
    edition, _ = built_edition
    setup = (ROOT / "book" / "setup.md").read_text()
    start = setup.index(student_edition.README_START) + len(student_edition.README_START)
    shared = setup[start : setup.index(student_edition.README_END)].strip()
    assert "## 2. Install" in shared and "nnbook.reset" in shared and "nnbook.upgrade" in shared
    assert shared in (edition / "README.md").read_text()
    assert "<this repository>" not in setup + (ROOT / "README.md").read_text()


def test_no_solution_hidden_test_or_instructor_code_anywhere(built_edition):
    edition, archive = built_edition
    secrets = _secrets()
    # nnlib and nnbook ship as they are in the repository (public, like the site): a line of
    # theirs that a hidden test also has (`finally:`) is no leak; any other line would be.
    library = {
        line.strip()
        for package in student_edition.PACKAGES
        for module in (ROOT / package).rglob("*.py")
        for line in module.read_text().split("\n")
    }
    modules = list((ROOT / "instructor" / "nngrade").glob("*.py"))
    instructor = {p.name for p in modules} - {"__init__.py"}
    instructor_sources = {p.read_bytes() for p in modules}
    with zipfile.ZipFile(archive) as zf:
        zipped = {n.split("/", 1)[1]: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    assert zipped == _files(edition), "the zip holds exactly the edition"
    for name, data in zipped.items():
        parts = set(Path(name).parts)
        assert not parts & {"solutions", "instructor", "nngrade", "tests", "benchmarks", "scripts"}
        assert Path(name).name not in instructor, name
        text = _text(name, data)
        assert not re.search(r"(import|from)\s+nngrade", text), f"{name} imports the instructor's"
        assert data not in instructor_sources, f"{name} is a module of the instructor package"
        found = _leaks(secrets - library if name.endswith(".py") else secrets, name, data)
        assert not found, f"{name}: {found[:3]}"
        if parts & set(student_edition.PACKAGES):
            assert data == (ROOT / name).read_bytes(), f"{name} differs from the repository's"
        for marker in (*kit.SOLUTION_MARKERS, *kit.HIDDEN_MARKERS):
            assert marker not in text, f"{name} holds {marker}"


def test_scan_finds_a_planted_hidden_test(built_edition, tmp_path):
    """The scan above can fail: a released notebook with one hidden-test line is caught."""
    edition, _ = built_edition
    assignment = kit.assignment_names()[0]
    _, hidden = kit.secret_lines(assignment)
    planted = tmp_path / "planted.ipynb"
    nb = nbformat.read(edition / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    nb.cells[-1].metadata["note"] = sorted(hidden)[0]  # in metadata, not even in a cell
    nbformat.write(nb, planted)
    assert _leaks(_secrets(), planted.name, planted.read_bytes())


def test_stale_exercises_are_refused_naming_the_assignment(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    for part in ("nbgrader_config.py", "solutions", "exercises"):
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, course / part)
    stale = sorted(p for p in (course / "exercises").iterdir() if p.is_dir())[-1]
    notebook = stale / f"{stale.name}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source += "\nAn edit made by hand."
    nbformat.write(nb, notebook)
    with pytest.raises(student_edition.EditionError) as refused:
        student_edition.check_releases(course)
    message = str(refused.value)
    assert stale.name in message and "make release" in message
    others = [p.name for p in (course / "exercises").iterdir() if p.is_dir() and p != stale]
    assert not any(f"{name}:" in message for name in others), message
