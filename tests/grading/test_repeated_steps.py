"""A term is repetition: the same download collected twice, hand grading between the steps, a
resubmission after it, and a late student graded alone, on an nbgrader course of its own layout
(`two_notebooks`: assignment `ps1` of notebooks `p1` and `p2`, `source/` and `release/`).

The term, through `nngrade`'s command line, four students on the roster:
1. ada (all right), ben (`mul` wrong) and cam (no `p2`) hand in; dee does not. Collect,
   autograde, feedback, export.
2. The instructor grades the written answers by hand (as formgrader saves them).
3. The same download is collected again, autograde and export run again.
4. A second download: ada the same, ben fixes `mul` (his written answer unchanged), cam hands
   in `p2` and rewrites his written answer.
5. dee hands in late: collected, graded and given feedback alone.
Every row of grades.csv is checked exactly after steps 1, 3, 4 and 5.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import two_notebooks as two
from nbgrader.api import Gradebook
from nngrade import cli

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
    pytest.mark.xdist_group("repeated-steps"),
]
A = two.ASSIGNMENT
RIGHT = {
    "p1": {"answer_add": two.ADD, "why": "Because + is commutative."},
    "p2": {"answer_mul": two.MUL},
}
HAND = {"ada": (2.0, "clear"), "ben": (1.0, "half of it"), "cam": (1.5, "fine")}
AGAIN = "handed in again: replaces the graded submission"


def nngrade(capsys, course: Path, *args: str) -> str:
    capsys.readouterr()
    code = cli.main([*args, "--course", str(course)])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    return out.out


def files(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder`: its bytes and modification time (ns)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def rows(course: Path) -> dict[str, dict]:
    with (course / "grades.csv").open() as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def row(sid, when, auto, by_hand, status, notes, needs) -> dict:
    """A grades.csv row of this course: `auto` autograded points, `by_hand` points graded."""
    name, email, lms_id = two.ROSTER[sid]
    top = sum(sum(t.values()) for t in two.TESTS.values())
    return {
        "student_id": sid,
        "name": name,
        "email": email,
        "lms_id": lms_id,
        "assignment": A,
        "submitted_at": f"{when}+00:00".replace(" ", "T") if when else "",
        "autograded": str(auto),
        "autograded_max": str(top),
        "raw_score": str(auto + by_hand),
        "late_penalty": "0.0",
        "score": str(auto + by_hand),
        "max_score": str(two.TOTAL),
        "needs_manual_grade": str(needs),
        "status": status,
        "notes": notes,
    }


def hand_grades(course: Path) -> dict[str, tuple]:
    """What the gradebook holds for the written answer: (manual score, comment, needs grading)."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "two-notebooks") as gb:
        found = {}
        for sub in gb.assignment_submissions(A):
            grade = gb.find_grade("why", "p1", A, sub.student.id)
            comment = gb.find_comment("why", "p1", A, sub.student.id)
            found[sub.student.id] = (
                grade.manual_score,
                comment.manual_comment,
                grade.needs_manual_grade,
            )
        return found


def test_a_term_of_repeated_steps(tmp_path, capsys):
    root = tmp_path
    course = two.make_course(root / "course")
    roster = two.write_roster(root / "roster.csv")
    out = nngrade(capsys, course, "release", "--roster", str(roster))
    assert f"released release/{A}/p1.ipynb" in out and f"released release/{A}/p2.ipynb" in out

    # 1. the first download
    first = root / "week1"
    mul_wrong = {"p1": RIGHT["p1"], "p2": {"answer_mul": two.WRONG_MUL}}
    two.hand_in(first, course, "ada", RIGHT, "2026-10-01 10:00:00")
    two.hand_in(first, course, "ben", mul_wrong, "2026-10-01 11:00:00")
    two.hand_in(first, course, "cam", {"p1": RIGHT["p1"]}, "2026-10-01 12:00:00")
    out = nngrade(capsys, course, "collect", "--from", str(first))
    assert f"{A}: 3 new or changed submission(s) collected, 0 unchanged" in out
    out = nngrade(capsys, course, "autograde", "--workers", "2", "--no-progress")
    for line in ("ada\t3/5 (2 points to grade by hand)", "ben\t1/5 (2 points to grade by hand)"):
        assert line in out, out
    assert "cam\t1/5 (2 points to grade by hand)" in out
    nngrade(capsys, course, "feedback")
    nngrade(capsys, course, "export")
    missing_p2 = "missing notebook p2.ipynb: scored 0"
    assert rows(course) == {
        "ada": row("ada", "2026-10-01 10:00:00", 3.0, 0.0, "graded", "", True),
        "ben": row("ben", "2026-10-01 11:00:00", 1.0, 0.0, "graded", "", True),
        "cam": row("cam", "2026-10-01 12:00:00", 1.0, 0.0, "graded", missing_p2, True),
        "dee": row("dee", "", 0.0, 0.0, "missing", "no submission: scored 0", False),
    }
    # formgrader shows the roster's names
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "two-notebooks") as gb:
        ada = gb.find_student("ada")
        assert (ada.first_name, ada.last_name, ada.email) == ("Ada", "Lovelace", "ada@example.edu")

    # 2. hand grading, as formgrader saves it
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "two-notebooks") as gb:
        for sid, (points, text) in HAND.items():
            grade = gb.find_grade("why", "p1", A, sid)
            grade.manual_score, grade.needs_manual_grade = points, False
            gb.find_comment("why", "p1", A, sid).manual_comment = text
        gb.db.commit()
    graded_by_hand = {sid: (points, text, False) for sid, (points, text) in HAND.items()}
    assert hand_grades(course) == graded_by_hand

    # 3. the same download again: nothing rewritten, nothing regraded, hand grades kept
    before = {kind: files(course / kind) for kind in ("submitted", "autograded", "reports")}
    out = nngrade(capsys, course, "collect", "--from", str(first))
    assert f"{A}: 0 new or changed submission(s) collected, 3 unchanged" in out
    assert {kind: files(course / kind) for kind in before} == before
    out = nngrade(capsys, course, "autograde", "--workers", "2", "--no-progress")
    assert f"{A}: nothing to grade" in out
    del before["reports"]  # autograde says who is unchanged now
    assert {kind: files(course / kind) for kind in before} == before
    assert hand_grades(course) == graded_by_hand
    nngrade(capsys, course, "export")
    assert rows(course) == {
        "ada": row("ada", "2026-10-01 10:00:00", 3.0, 2.0, "unchanged", "", False),
        "ben": row("ben", "2026-10-01 11:00:00", 1.0, 1.0, "unchanged", "", False),
        "cam": row("cam", "2026-10-01 12:00:00", 1.0, 1.5, "unchanged", missing_p2, False),
        "dee": row("dee", "", 0.0, 0.0, "missing", "no submission: scored 0", False),
    }
    out = nngrade(capsys, course, "report")
    assert "ada                  unchanged 5/5" in out
    assert "cam                  unchanged 2.5/5" in out

    # 4. a second download: ben and cam hand in again after hand grading
    second = root / "week2"
    rewritten = {"p1": RIGHT["p1"] | {"why": "Order does not matter."}, "p2": RIGHT["p2"]}
    two.hand_in(second, course, "ada", RIGHT, "2026-10-01 10:00:00")
    two.hand_in(second, course, "ben", RIGHT, "2026-10-02 09:00:00")
    two.hand_in(second, course, "cam", rewritten, "2026-10-02 10:00:00")
    ada_before = {kind: files(course / kind / "ada") for kind in ("submitted", "autograded")}
    out = nngrade(capsys, course, "collect", "--from", str(second))
    assert f"{A}: 2 new or changed submission(s) collected, 1 unchanged" in out
    out = nngrade(capsys, course, "autograde", "--workers", "2", "--no-progress")
    graded_now = out.split(f"{A}: graded now\n")[1].split("Assignment")[0]
    assert [line.split("\t")[0].strip() for line in graded_now.splitlines()] == ["ben", "cam"]
    assert "cam\t3/5 (2 points to grade by hand)" in graded_now
    assert "ben\t4/5\t" in graded_now or graded_now.splitlines()[0].endswith("ben\t4/5")
    assert {kind: files(course / kind / "ada") for kind in ada_before} == ada_before
    assert hand_grades(course) == {
        "ada": (2.0, "clear", False),
        "ben": (1.0, "half of it", False),  # his written answer did not change
        "cam": (None, None, True),  # he rewrote it: to grade again
    }
    nngrade(capsys, course, "export")
    assert rows(course) == {
        "ada": row("ada", "2026-10-01 10:00:00", 3.0, 2.0, "unchanged", "", False),
        "ben": row("ben", "2026-10-02 09:00:00", 3.0, 1.0, "graded", AGAIN, False),
        "cam": row("cam", "2026-10-02 10:00:00", 3.0, 0.0, "graded", AGAIN, True),
        "dee": row("dee", "", 0.0, 0.0, "missing", "no submission: scored 0", False),
    }

    # 5. dee hands in late: collected, graded and given feedback alone
    late = root / "late"
    shutil.copytree(second, late)
    two.hand_in(late, course, "dee", RIGHT, "2026-10-03 08:00:00")
    others = {
        kind: {s: files(course / kind / s) for s in ("ada", "ben", "cam")}
        for kind in ("submitted", "autograded", "feedback")
    }
    out = nngrade(capsys, course, "collect", "--from", str(late), "--student", "dee")
    assert f"{A}: 1 new or changed submission(s) collected, 0 unchanged" in out
    assert "ada" not in out and "dee" in out
    out = nngrade(capsys, course, "autograde", "--student", "dee", "--no-progress")
    assert "dee\t3/5 (2 points to grade by hand)" in out and "ben\t" not in out
    out = nngrade(capsys, course, "feedback", "--student", "dee")
    assert sorted(line for line in out.splitlines() if line.startswith("feedback ")) == [
        f"feedback feedback/dee/{A}/p1.html",
        f"feedback feedback/dee/{A}/p2.html",
    ]
    assert {
        kind: {s: files(course / kind / s) for s in ("ada", "ben", "cam")} for kind in others
    } == others
    nngrade(capsys, course, "export")
    assert rows(course) == {
        "ada": row("ada", "2026-10-01 10:00:00", 3.0, 2.0, "unchanged", "", False),
        "ben": row("ben", "2026-10-02 09:00:00", 3.0, 1.0, "unchanged", AGAIN, False),
        "cam": row("cam", "2026-10-02 10:00:00", 3.0, 0.0, "unchanged", AGAIN, True),
        "dee": row("dee", "2026-10-03 08:00:00", 3.0, 0.0, "graded", "", True),
    }
    page = (course / "feedback" / "dee" / A / "p1.html").read_text()
    assert "<mjx-container" in page and "<script" not in page  # $a + b = b + a$, typeset
