"""`python -m nnbook.reset` and `python -m nnbook.upgrade`, on editions laid out as the generator
lays them out (exercises/ to work in, .released/ as released)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from conftest import REPO

ASSIGNMENTS = sorted(p.name for p in (REPO / "exercises").iterdir() if p.is_dir())


def _edition(root: Path) -> Path:
    shutil.copytree(REPO / "exercises", root / "exercises")
    shutil.copytree(REPO / "exercises", root / ".released")
    return root


def _run(module: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def _notebook(root: Path, name: str) -> Path:
    return root / "exercises" / name / f"{name}.ipynb"


def _answer(path: Path, text: str) -> str:
    """Write `text` into the first answer cell of the notebook at `path`; returns its grade id."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    cell.source = text
    nbformat.write(nb, path)
    return cell.metadata.nbgrader.grade_id


def test_reset_restores_one_exercise_and_keeps_the_others(tmp_path):
    root = _edition(tmp_path)
    first, second = ASSIGNMENTS[0], ASSIGNMENTS[1]
    _answer(_notebook(root, first), "my answer to the first")
    _answer(_notebook(root, second), "my answer to the second")
    result = _run("nnbook.reset", first, cwd=root)
    assert result.returncode == 0, result.stderr
    assert (
        _notebook(root, first).read_bytes()
        == (REPO / "exercises" / first / f"{first}.ipynb").read_bytes()
    )
    assert "my answer to the second" in _notebook(root, second).read_text()
    kept = _notebook(root, first).with_name(f"{first}.before-reset.ipynb")
    assert "my answer to the first" in kept.read_text()


def test_reset_of_an_unknown_assignment_lists_the_real_ones(tmp_path):
    root = _edition(tmp_path)
    result = _run("nnbook.reset", "04_optimisers", cwd=root)
    assert result.returncode == 2
    assert "no assignment '04_optimisers'" in result.stderr and "Traceback" not in result.stderr
    assert all(name in result.stderr for name in ASSIGNMENTS)


def test_reset_outside_an_edition_says_where_to_run_it(tmp_path):
    result = _run("nnbook.reset", ASSIGNMENTS[0], cwd=tmp_path)
    assert result.returncode == 2 and "student edition" in result.stderr


def test_upgrade_carries_answers_into_the_new_edition(tmp_path):
    old, new = _edition(tmp_path / "old"), _edition(tmp_path / "new")
    name = ASSIGNMENTS[1]
    grade_id = _answer(_notebook(old, name), "def mine():\n    return 42")
    (old / "exercises" / name / "scratch.txt").write_text("my notes")
    # the new edition fixed a typo in the instructions of that exercise
    released = nbformat.read(new / ".released" / name / f"{name}.ipynb", as_version=4)
    released.cells[0].source += "\n\nFixed in the new edition."
    nbformat.write(released, new / ".released" / name / f"{name}.ipynb")
    nbformat.write(released, _notebook(new, name))

    result = _run("nnbook.upgrade", str(old), cwd=new)
    assert result.returncode == 0, result.stderr
    carried = nbformat.read(_notebook(new, name), as_version=4)
    answer = next(
        c for c in carried.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    assert answer.source == "def mine():\n    return 42"
    assert "Fixed in the new edition." in carried.cells[0].source
    assert (new / "exercises" / name / "scratch.txt").read_text() == "my notes"
    untouched = ASSIGNMENTS[0]
    assert (
        _notebook(new, untouched).read_bytes()
        == (REPO / "exercises" / untouched / f"{untouched}.ipynb").read_bytes()
    )
    assert "def mine" in _notebook(old, name).read_text(), "the old edition is only read"


def test_upgrade_never_overwrites_work_started_in_the_new_edition(tmp_path):
    old, new = _edition(tmp_path / "old"), _edition(tmp_path / "new")
    name = ASSIGNMENTS[0]
    _answer(_notebook(old, name), "old work")
    _answer(_notebook(new, name), "new work")
    result = _run("nnbook.upgrade", str(old), cwd=new)
    assert result.returncode == 0 and "kept" in result.stdout
    assert "new work" in _notebook(new, name).read_text()


def test_upgrade_from_a_folder_that_is_no_edition_is_refused(tmp_path):
    new = _edition(tmp_path / "new")
    result = _run("nnbook.upgrade", str(tmp_path / "missing"), cwd=new)
    assert result.returncode == 2 and "is not a student edition" in result.stderr


def _identity(folder: Path) -> str:
    import runpy

    variants = runpy.run_path(str(REPO / "solutions" / "_shared" / "variants.py"))
    return variants["student_identity"](folder.name, folder)[0]


def test_student_id_is_set_once_for_every_exercise_and_carried_by_upgrade(tmp_path):
    old, new = _edition(tmp_path / "old"), _edition(tmp_path / "new")
    exercise = old / "exercises" / ASSIGNMENTS[0]
    assert _identity(exercise) == ""  # the default variant
    done = _run("nnbook.student_id", "s1234567", cwd=old)
    assert done.returncode == 0, done.stderr
    assert all(_identity(old / "exercises" / a) == "s1234567" for a in ASSIGNMENTS)
    assert "s1234567" in _run("nnbook.student_id", cwd=old).stdout
    refused = _run("nnbook.student_id", "../x y", cwd=old)
    assert refused.returncode == 2 and "not a student id" in refused.stderr
    upgraded = _run("nnbook.upgrade", str(old), cwd=new)
    assert upgraded.returncode == 0, upgraded.stderr
    assert _identity(new / "exercises" / ASSIGNMENTS[0]) == "s1234567"
