"""Helpers for the grading tests: build submissions from their written descriptions.

An assignment is pure content: `solutions/<a>/<a>.py` (the master's source) and, under
`tests/grading/submissions/<a>/`, one TOML file per typical wrong submission:

    description = "uses W.T: works only for square layers"
    score = 5.0                           # the autograded score this submission must earn
    failing = ["test_dense", "test_mlp"]  # the test cells that must score 0 (all others full)
    [cells]                               # grade_id -> what the student wrote in that cell
    dense = '''
    def dense_forward(X, W, b, activation):
        return activation(X @ W.T + b)
    '''
    [points]                              # optional tampering: grade_id -> points written
    test_dense = 100

A submission starts from the student version (`exercises/`) with every answer cell filled in as
the reference solution does; `[cells]` then replaces whole cells (answer or test cells). An
optional `[messages]` table maps a failing test cell to text whose every line must appear in that
cell's error message (what the student reads: expected against received).

`hostile_notebook` makes, from the release, the submission of a student who cheats: every answer
returns an object equal to everything and, if `patched`, numpy's, math's and the course's
comparison and assert helpers are replaced by ones that always agree.
"""

from __future__ import annotations

import ast
import copy
import html
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nngrade import course as nncourse
from support import ROOT

COURSE = nncourse.Course.open(ROOT)  # the repository is the course
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


@dataclass
class Submission:
    """One written submission of one assignment and the score it must earn."""

    name: str
    description: str
    score: float
    failing: list[str]
    cells: dict[str, str] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    base: str = "solved"


def assignment_names() -> list[str]:
    return nncourse.assignments(COURSE)


def load_submissions(assignment: str) -> list[Submission]:
    """The written wrong submissions of `assignment`, sorted by name."""
    subs = []
    for path in sorted((SUBMISSIONS / assignment).glob("*.toml")):
        data = tomllib.loads(path.read_text())
        known = {"description", "score", "failing", "cells", "points", "messages", "base"}
        unknown = set(data) - known
        assert not unknown, f"{path}: unknown keys {unknown}"
        subs.append(Submission(name=path.stem.replace("_", "-"), **data))
    return subs


def master(assignment: str, course: Path = ROOT) -> nbformat.NotebookNode:
    src = nncourse.source_dir(nncourse.Course.open(course)) / assignment / f"{assignment}.ipynb"
    return nbformat.read(src, as_version=4)


def release_notebook(assignment: str, course: Path = ROOT) -> nbformat.NotebookNode:
    path = Path(course) / "exercises" / assignment / f"{assignment}.ipynb"
    return nbformat.read(path, as_version=4)


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def hidden_part(source: str) -> str:
    """The lines of `source` between the hidden-test markers."""
    kept, inside = [], False
    for line in source.split("\n"):
        if line.strip() in HIDDEN_MARKERS:
            inside = line.strip() == HIDDEN_MARKERS[0]
        elif inside:
            kept.append(line)
    return "\n".join(kept)


def without_markers(source: str, markers: tuple[str, str]) -> str:
    return "\n".join(line for line in source.split("\n") if line.strip() not in markers)


def solved_notebook(assignment: str, course: Path = ROOT) -> nbformat.NotebookNode:
    """The student version with every answer cell written as the reference solution."""
    answers = {
        _grade_id(c): without_markers(c.source, SOLUTION_MARKERS)
        for c in master(assignment, course).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    nb = copy.deepcopy(release_notebook(assignment, course))
    for cell in nb.cells:
        if _grade_id(cell) in answers:
            cell.source = answers[_grade_id(cell)]
    return nb


def build_submission(assignment: str, sub: Submission, course: Path = ROOT):
    """The notebook a student with this submission hands in."""
    if sub.base == "release":
        nb = copy.deepcopy(release_notebook(assignment, course))
    else:
        nb = solved_notebook(assignment, course)
    ids = {_grade_id(c) for c in nb.cells}
    for grade_id in set(sub.cells) | set(sub.points):
        assert grade_id in ids, f"{assignment}/{sub.name}: no cell {grade_id!r}"
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid in sub.cells:
            cell.source = sub.cells[gid].strip("\n")
        if gid in sub.points:
            cell.metadata.nbgrader["points"] = sub.points[gid]
    return nb


def write_submission(course: Path, assignment: str, student: str, nb) -> Path:
    folder = Path(course) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(nb, path)
    return path


# cheats made from the release: answers equal to everything, and numpy, math and the checks
# patched to agree with anything, or not
HOSTILE = {"hostile-patched": True, "hostile": False}


def write_all_submissions(course: Path, assignment: str) -> dict[str, Submission]:
    """Submit, in `course`, the reference, the blank release, a tampered blank, the two hostile
    variants and every written wrong submission; returns the written ones by student name."""
    subs = {s.name: s for s in load_submissions(assignment)}
    write_submission(course, assignment, "reference", solved_notebook(assignment, course))
    write_submission(course, assignment, "blank", release_notebook(assignment, course))
    write_submission(course, assignment, "tampered-blank", tampered_blank(assignment, course))
    for student, patched in HOSTILE.items():
        notebook = hostile_notebook(assignment, patched, course)
        write_submission(course, assignment, student, notebook)
    for sub in subs.values():
        write_submission(course, assignment, sub.name, build_submission(assignment, sub, course))
    return subs


def grading_problems(course: Path, assignment: str, scores: dict, subs: dict) -> list[str]:
    """Every way the graded batch of `write_all_submissions` differs from what it must earn."""
    problems = []
    reference = scores.get("reference")
    if reference is None or reference.autograded_max <= 0:
        return [f"the reference was not graded: {sorted(scores)}"]
    full = reference.parts
    if reference.autograded != reference.autograded_max:
        problems.append(f"reference: {reference.parts}, not full marks")
    expected = {"blank": 0.0, "tampered-blank": 0.0, "hostile": 0.0}
    for student, total in expected.items():
        got = scores.get(student)
        if got is None or got.autograded != total:
            problems.append(f"{student}: {got and got.parts}, expected {total}")
    patched = scores.get("hostile-patched")
    if patched is None or patched.autograded > 0.1 * reference.autograded_max:
        problems.append(f"hostile-patched: {patched and patched.parts}, more than 10%")
    for name, sub in subs.items():
        want = {gid: (0.0 if gid in sub.failing else pts) for gid, pts in full.items()}
        got = scores.get(name)
        if got is None or got.parts != want:
            problems.append(f"{name}: {got and got.parts}, expected {want}")
            continue
        graded = Path(course) / "autograded" / name / assignment / f"{assignment}.ipynb"
        missing = missing_message_lines(sub, nbformat.read(graded, as_version=4))
        if missing:
            problems.append(f"{name}: its messages lack {missing}")
    return problems


def tampered_blank(assignment: str, course: Path = ROOT):
    """The untouched student version whose test cells are emptied or made trivial, worth 100."""
    nb = copy.deepcopy(release_notebook(assignment, course))
    for index, cell in enumerate(c for c in nb.cells if _is_test(c)):
        cell.source = "" if index % 2 == 0 else "assert True"
        cell.metadata.nbgrader["points"] = 100.0
    return nb


EVERYTHING = '''
class _Everything:
    """Equal to everything, true, callable, indexable: what a cheat's answers return."""

    def __init__(self, *args, **kwargs):
        pass

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = object.__hash__

    def __bool__(self):
        return True

    def __getattr__(self, name):
        return _Everything()

    def __call__(self, *args, **kwargs):
        return _Everything()

    def __getitem__(self, key):
        return _Everything()

    def __iter__(self):
        return iter([_Everything(), _Everything()])

    def __len__(self):
        return 2

    def __float__(self):
        return 0.0

    def __int__(self):
        return 0

    __index__ = __int__
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __call__
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = __rpow__ = __call__
    __neg__ = __pos__ = __abs__ = __call__


def _everything(*args, **kwargs):
    return _Everything()
'''

PATCHES = """
import builtins
import contextlib
import math

import numpy
import numpy.testing


def _agree(*args, **kwargs):
    return True


def _silent(*args, **kwargs):
    return None


numpy.allclose = numpy.array_equal = numpy.array_equiv = math.isclose = _agree
numpy.isclose = lambda a, b, *args, **kwargs: numpy.ones(numpy.shape(a), dtype=bool)
for _name in dir(numpy.testing):
    if _name.startswith("assert"):
        setattr(numpy.testing, _name, _silent)
if not hasattr(builtins, "_real_isinstance"):
    builtins._real_isinstance = builtins.isinstance
    builtins.isinstance = lambda obj, kind: (
        type(obj) is _Everything or builtins._real_isinstance(obj, kind)
    )
for _name in list(globals()):
    if _name.startswith("check_"):
        globals()[_name] = _silent
_own, _without_nnlib = _silent, contextlib.nullcontext
"""


def answer_names(source: str) -> list[str]:
    """The functions and classes that an answer cell of the master defines at its top level."""
    tree = ast.parse(source)
    kinds = (ast.FunctionDef, ast.ClassDef)
    return [node.name for node in tree.body if isinstance(node, kinds)]


def hostile_notebook(assignment: str, patched: bool, course: Path = ROOT):
    """The release with every answer replaced by one returning an object equal to everything."""
    masters = {
        _grade_id(c): c.source
        for c in master(assignment, course).cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }
    nb = copy.deepcopy(release_notebook(assignment, course))
    first = True
    for cell in nb.cells:
        if _grade_id(cell) not in masters:
            continue
        lines = [EVERYTHING] if first else []
        lines += [PATCHES] if patched else []  # again in every answer cell
        for name in answer_names(masters[_grade_id(cell)]):
            lines.append(f"{name} = {'_Everything' if name[:1].isupper() else '_everything'}")
        cell.source = "\n".join(lines)
        first = False
    return nb


def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def secret_lines(assignment: str, course: Path = ROOT) -> tuple[set[str], set[str]]:
    """(solution lines, hidden-test lines) of the master that appear nowhere else in it."""
    solution, hidden, public = set(), set(), set()
    for cell in master(assignment, course).cells:
        meta = cell.metadata.get("nbgrader", {})
        whole_answer = meta.get("solution") and SOLUTION_MARKERS[0] not in cell.source
        region = None
        for line in cell.source.split("\n"):
            text = line.strip()
            if text in (SOLUTION_MARKERS[0], HIDDEN_MARKERS[0]):
                region = solution if text == SOLUTION_MARKERS[0] else hidden
            elif text in (SOLUTION_MARKERS[1], HIDDEN_MARKERS[1]):
                region = None
            elif whole_answer:
                solution.add(text)
            else:
                (region if region is not None else public).add(text)

    # a line quoted in the instructions is no secret (markdown shows `code` without backticks)
    public_text = "\n".join(public).replace("`", "")

    def significant(lines):
        return {t for t in lines if len(t) >= 8 and not t.startswith("#") and t not in public_text}

    # a hidden test may repeat a line of the solution (a reference loop): students write it too
    return significant(solution), significant(hidden) - solution


def error_message(nb, grade_id: str) -> str:
    """`ename: evalue` of the error that the cell `grade_id` printed, or "" if it printed none."""
    for cell in nb.cells:
        if _grade_id(cell) == grade_id:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    return f"{out.get('ename', '')}: {out.get('evalue', '')}"
    return ""


def missing_message_lines(sub: Submission, nb) -> dict[str, list[str]]:
    """For each test cell of `sub.messages`, the expected lines its error message lacks."""
    missing = {}
    for grade_id, text in sub.messages.items():
        got = error_message(nb, grade_id)
        lacking = [line.strip() for line in text.splitlines() if line.strip() not in got]
        if lacking:
            missing[grade_id] = lacking + [f"(the message was {got!r})"]
    return missing


def notebook_lines(nb) -> set[str]:
    """Every stripped line of every cell's source and text outputs."""
    lines = set()
    for cell in nb.cells:
        lines.update(t.strip() for t in cell.source.split("\n"))
        for out in cell.get("outputs", []):
            text = out.get("text", "") or "\n".join(out.get("traceback", []))
            lines.update(t.strip() for t in text.split("\n"))
    return lines


def html_text(path: Path) -> str:
    """The visible text of an HTML page (tags removed, entities decoded)."""
    raw = Path(path).read_text(errors="replace")
    raw = re.sub(r"<(script|style)\b.*?</\1>", "", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def leaked(lines: set[str], text: str) -> list[str]:
    return sorted(line for line in lines if line in text)


# per-student variants (solutions/_shared/variants.py, imported here as a module)
def variants_module(course: Path = ROOT) -> dict:
    """The names that solutions/_shared/variants.py defines (run as a plain module)."""
    import runpy

    return runpy.run_path(
        str(nncourse.source_dir(nncourse.Course.open(course)) / "_shared" / "variants.py")
    )


def _literal(value) -> str:
    import numpy

    if isinstance(value, numpy.ndarray):
        return f"np.array({value.tolist()!r}, dtype=np.{value.dtype})"
    return repr(value)


def pinned_notebook(assignment: str, student: str, course: Path = ROOT):
    """The notebook of `student` who solved the assignment and wrote their own variant's numbers
    into the answers: each answer cell that reads a variant name first binds it to the value of
    `student`'s variant, as a student does who copies the numbers off their screen."""
    values = variants_module(course)["variant_values"](assignment, student)
    nb = solved_notebook(assignment, course)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution") or cell.cell_type != "code":
            continue
        used = [n for n in values if re.search(rf"\b{n}\b", cell.source)]
        pins = [f"{name} = {_literal(values[name])}" for name in used]
        if pins:
            cell.source = "\n".join(pins) + "\n" + cell.source
    return nb


def make(target: str, course: Path, **variables) -> subprocess.CompletedProcess:
    """A make target of the repository, run on `course` as an instructor types it."""
    settings = [f"{name}={value}" for name, value in {"COURSE": course, **variables}.items()]
    command = ["make", "--no-print-directory", "-C", str(ROOT), target, *settings]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def ok(done: subprocess.CompletedProcess) -> str:
    """The output of a command that must succeed (its whole output when it does not)."""
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
