"""Release and the gradebook: recording an assignment for grading never writes the masters.

On a fresh gradebook, autograde records the assignment's masters first (nbgrader restores the
test cells from that record). That must leave `solutions/` and `exercises/` as they are, even when
a percent source was edited and not released yet.
"""

from __future__ import annotations

from pathlib import Path

import gradingkit as kit
import pytest
from nngrade.course import Course
from nngrade.release import copy_course, ensure_in_gradebook, is_released, release

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
ASSIGNMENT = "01_neurons"


def files_and_times(*folders: Path) -> dict[Path, tuple[bytes, int]]:
    return {
        path: (path.read_bytes(), path.stat().st_mtime_ns)
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_recording_an_assignment_in_a_fresh_gradebook_writes_no_master(tmp_path):
    root = copy_course(kit.COURSE, tmp_path / "course")
    release(Course.open(root), ASSIGNMENT)
    (root / "gradebook.db").unlink()  # a fresh gradebook, as on a grading machine
    source = root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.py"
    source.write_text(source.read_text().replace("# # Assignment 1", "# # Edited Assignment 1", 1))
    before = files_and_times(root / "solutions" / ASSIGNMENT, root / "exercises" / ASSIGNMENT)
    course = Course.open(root)
    assert not is_released(course, ASSIGNMENT)

    ensure_in_gradebook(course, ASSIGNMENT)

    assert is_released(course, ASSIGNMENT)
    after = files_and_times(root / "solutions" / ASSIGNMENT, root / "exercises" / ASSIGNMENT)
    assert after == before
