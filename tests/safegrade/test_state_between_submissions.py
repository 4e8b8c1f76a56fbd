"""Warm kernels (nngrade.zygote): nothing one submission does reaches the next on the same
worker, each kernel draws its own random numbers, and the cold path still runs when asked."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict

import nbformat
import pytest
from nbgrader.api import Gradebook
from nngrade import sandbox
from nngrade.safe_autograde import grade_assignment
from support.sandboxing import TEST_LIMITS
from tiny_course import ASSIGNMENT, make_course, student_notebook, submit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("safegrade"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]

# Changes every kind of state a process has: a module attribute, sys.modules, a file beside the
# notebook and one in the system's temporary folder, an environment variable, a thread and
# child processes that keep planting, and one that kills every process of its user it can.
POLLUTER = """import json, os, subprocess, sys, threading, time, types
json.planted = True
sys.modules["planted_module"] = types.ModuleType("planted_module")
open("planted.txt", "w").write("x")
open("/tmp/planted.txt", "w").write("x")
os.environ["PLANTED"] = "1"

def plant():
    while True:
        open("/tmp/from_thread", "w").write("x")
        time.sleep(0.05)

threading.Thread(target=plant, name="planted", daemon=False).start()
subprocess.Popen(["sh", "-c", "while true; do touch /tmp/from_child; sleep 0.05; done"],
                 start_new_session=True)
subprocess.Popen(["sh", "-c", "sleep 1; while true; do kill -9 -1; sleep 0.1; done"],
                 start_new_session=True)

def add(a, b):
    return a + b"""

# Earns its points only in a process that none of the above reached.
CLEAN = """import json, os, sys, threading

def clean():
    return not (
        hasattr(json, "planted")
        or "planted_module" in sys.modules
        or "PLANTED" in os.environ
        or any(os.path.exists(p) for p in
               ("planted.txt", "/tmp/planted.txt", "/tmp/from_thread", "/tmp/from_child"))
        or any(t.name == "planted" for t in threading.enumerate())
    )
"""
HONEST_ADD = CLEAN + "\ndef add(a, b):\n    return a + b if clean() else 0"
HONEST_MUL = "import time\ntime.sleep(0.5)\n\ndef mul(a, b):\n    return a * b if clean() else 0"


def cell_grades(root) -> dict[tuple[str, str], float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "tiny") as gb:
        return {
            (s.student.id, g.name): g.auto_score
            for s in gb.assignment_submissions(ASSIGNMENT)
            for n in s.notebooks
            for g in n.grades
        }


def test_a_polluting_submission_does_not_reach_the_next_one_on_the_worker(tmp_path):
    honest = student_notebook(make_course(tmp_path / "alone"), HONEST_ADD, HONEST_MUL)
    submit(tmp_path / "alone", "b_honest", honest)
    grade_assignment(tmp_path / "alone", ASSIGNMENT, workers=1, limits=TEST_LIMITS)
    alone = cell_grades(tmp_path / "alone")

    root = make_course(tmp_path / "after")
    submit(root, "a_polluter", student_notebook(root, POLLUTER, "def mul(a, b):\n    return a*b"))
    submit(root, "b_honest", honest)
    # one worker: the polluter is graded first, the honest one right after, on the same zygote
    outcomes = grade_assignment(root, ASSIGNMENT, workers=1, limits=TEST_LIMITS)
    after = cell_grades(root)
    assert alone == {("b_honest", "test_add"): 1.0, ("b_honest", "test_mul"): 2.0}
    assert {k: v for k, v in after.items() if k[0] == "b_honest"} == alone
    assert [o.student for o in outcomes] == ["a_polluter", "b_honest"]
    assert outcomes[0].review  # the polluter was flagged (sys.modules), and still graded


def notebook(*sources: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.writes(nb)


RANDOM = "import json, random, numpy\nprint(json.dumps([random.random(), numpy.random.rand()]))"


def draws(warm: bool) -> list:
    job = {"notebook": notebook(RANDOM), "limits": asdict(TEST_LIMITS), "warm": warm}
    result = sandbox.execute_job(job)
    assert result["status"] == "ok" and result["path"] == ("warm" if warm else "cold")
    return json.loads(result["cells"][0]["outputs"][0]["text"])


def test_each_warm_kernel_draws_its_own_random_numbers_as_a_new_one_does():
    warm = [draws(warm=True) for _ in range(3)]
    assert all(a != b for i, a in enumerate(warm) for b in warm[i + 1 :])
    assert draws(warm=False) not in warm


def test_the_cold_path_runs_and_says_so_where_the_warm_one_cannot(monkeypatch, caplog):
    from nngrade import zygote

    def broken(environment):
        raise RuntimeError("no zygote here")

    monkeypatch.setattr(zygote.Zygote, "shared", broken)
    monkeypatch.setenv("NNGRADE_WARM", "1")
    job = {"notebook": notebook("print(6 * 7)"), "limits": asdict(TEST_LIMITS)}
    with caplog.at_level(logging.WARNING, logger="nngrade"):
        result = sandbox.execute_job(job)
    assert result["status"] == "ok" and result["path"] == "cold"
    assert result["cells"][0]["outputs"][0]["text"] == "42\n"
    assert "cold path" in caplog.text and "no zygote here" in caplog.text


# Looks through its own process's writable memory for a line of a later cell (the halves are
# never written side by side here): a warm kernel must not hold the notebook it is part of,
# nor any earlier submission's, which the zygote never receives.
MEMORY_SCAN = """import re
first, second = b"SECRET_MARK", b"ER_4711"
found = 0
with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
    for line in maps:
        fields = line.split()
        if fields[1] != "rw-p" or (len(fields) > 5 and fields[5].startswith("[v")):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        try:
            mem.seek(start)
            data = mem.read(end - start)
        except (OSError, OverflowError, ValueError):
            continue
        for match in re.finditer(re.escape(first), data):
            found += data[match.end() : match.end() + len(second)] == second
print(found)"""


def test_no_kernel_holds_a_notebook_in_its_memory():
    later = "# " + "SECRET_MARK" + "ER_4711 (a hidden test)"
    for _ in range(2):  # the second kernel comes from a zygote that served the first
        job = {"notebook": notebook(MEMORY_SCAN, later), "limits": asdict(TEST_LIMITS)}
        result = sandbox.execute_job(job)
        assert result["status"] == "ok" and result["path"] == "warm"
        assert result["cells"][0]["outputs"][0]["text"] == "0\n"
    # the scan does find the line once the kernel has run it
    job = {"notebook": notebook(later, MEMORY_SCAN), "limits": asdict(TEST_LIMITS)}
    result = sandbox.execute_job(job)
    assert int(result["cells"][1]["outputs"][0]["text"]) > 0
