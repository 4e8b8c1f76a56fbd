"""What a student earns by copying the course's own code, per assignment (reported, not timed).

    .venv/bin/python benchmarks/copying.py [ASSIGNMENT ...]

For every assignment, builds from the release the submissions of a student who fills each
answer cell with code the student edition hands out and nothing else (the reviewed map
`benchmarks/copying_map.py`: nnlib and nnbook, the chapters' code cells, both together), and
of one who calls nnlib on their own variant's numbers (`CALCULATOR` there), grades them with the
reference in one batch of nngrade's isolated grader, and prints a Markdown table: the autograded
points, what each copy earns and in which test cells, and what it earns on the variant tasks.
Then it lists the reference solution's lines that nnlib, nnbook or a chapter holds word for word.
About half a minute per assignment on two cores (4 minutes for all seven).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import re
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "grading"), str(ROOT / "benchmarks")]

import copying_map  # noqa: E402
import gradingkit as kit  # noqa: E402
from nngrade import course as nncourse  # noqa: E402
from nngrade import release as nnrelease  # noqa: E402
from nngrade.grades import read_scores  # noqa: E402
from nngrade.safe_autograde import grade_assignment  # noqa: E402

SOURCES = {"nnlib": ("nnlib",), "chapters": ("chapters",), "together": ("nnlib", "chapters")}
VARIANT_TASKS = kit.variants_module()["VARIANT_TASKS"]


def pasted(reference: str) -> str:
    """The source of `module:name` as a student copies it, from today's nnlib or nnbook."""
    module, name = reference.split(":")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise LookupError(f"{reference} is gone: update benchmarks/copying_map.py") from error
    return textwrap.dedent(inspect.getsource(found))


def cell_text(entry: copying_map.Copy) -> str:
    """An answer cell's text: the pasted functions, then the entry's own plain code."""
    parts = [pasted(reference) for reference in entry.paste] + [entry.code.strip("\n")]
    text = "\n\n".join(part for part in parts if part)
    # pasted signatures name nnlib's types: leave annotations unevaluated, as nnlib does
    return "from __future__ import annotations\n\n" + text if entry.paste else text


def chosen(assignment: str, sources: tuple[str, ...], entries=None) -> dict[str, copying_map.Copy]:
    """Answer cell -> its entry; where several sources fill a cell, the first of `sources`."""
    picked: dict[str, copying_map.Copy] = {}
    for source in sources:
        for entry in copying_map.COPIES if entries is None else entries:
            if entry.assignment == assignment and entry.source == source:
                picked.setdefault(entry.cell, entry)
    return picked


def shared_numbers(assignment: str) -> str:
    """The default variant's names as literals: the numbers everyone without an id sees."""
    values = kit.variants_module()["variant_values"](assignment, "")
    return "\n".join(f"{name} = {kit._literal(value)}" for name, value in values.items()) + "\n"


def closest_student(assignment: str, roster: int = 2000) -> str | None:
    """Of the ids s0000, s0001, ..., the one whose variant is closest to the numbers that
    handed-out code assumes (`ASSUMED`), or None when the map names none."""
    assumed = copying_map.ASSUMED.get(assignment)
    if not assumed:
        return None
    values = kit.variants_module()["variant_values"]

    def distance(student: str) -> float:
        drawn = values(assignment, student)
        return sum(float(np.abs(np.subtract(drawn[n], x)).sum()) for n, x in assumed.items())

    return min((f"s{i:04d}" for i in range(roster)), key=distance)


def copied_cells(assignment: str, sources: tuple[str, ...]) -> dict[str, str]:
    """Answer cell -> the text a copying student hands in: the map's copies and, for the
    variant tasks, nnlib's computation (`CALCULATOR`) on the shared numbers."""
    cells = {cell: cell_text(entry) for cell, entry in chosen(assignment, sources).items()}
    if "nnlib" in sources:
        shared = shared_numbers(assignment)
        calculator = chosen(assignment, ("nnlib",), copying_map.CALCULATOR)
        for cell, entry in calculator.items():
            cells.setdefault(cell, shared + cell_text(entry))
    return cells


def own_numbers_cells(assignment: str) -> dict[str, str]:
    """Answer cell -> nnlib's computation on the student's own numbers (`CALCULATOR`)."""
    calculator = chosen(assignment, ("nnlib",), copying_map.CALCULATOR)
    return {cell: cell_text(entry) for cell, entry in calculator.items()}


def copying_notebook(assignment: str, cells: dict[str, str], course: Path = ROOT):
    """The release with the given answer cells (cell id -> text) filled in, the rest untouched."""
    submission = kit.Submission(
        name="copying",
        description="answers copied from the student edition",
        score=0.0,
        failing=[],
        cells=cells,
        base="release",
    )
    return kit.build_submission(assignment, submission, course)


def write_batch(course: Path, assignment: str) -> None:
    """The reference, the three copies, the copy handed in by the student whose numbers are
    closest to those the copied code assumes, and nnlib on the student's own numbers."""
    kit.write_submission(course, assignment, "reference", kit.solved_notebook(assignment, course))
    for student, sources in SOURCES.items():
        notebook = copying_notebook(assignment, copied_cells(assignment, sources), course)
        kit.write_submission(course, assignment, student, notebook)
    closest = closest_student(assignment)
    if closest:
        notebook = copying_notebook(assignment, copied_cells(assignment, SOURCES["together"]))
        kit.write_submission(course, assignment, closest, notebook)
    if own_numbers_cells(assignment):
        notebook = copying_notebook(assignment, own_numbers_cells(assignment), course)
        kit.write_submission(course, assignment, "calculator", notebook)


def graded_batch(assignment: str, folder: Path) -> dict:
    """Student -> Score for the batch of `write_batch`, graded by nngrade's isolated grader."""
    course = nnrelease.copy_course(kit.COURSE, folder)
    nnrelease.release(nncourse.Course.open(course), assignment)
    write_batch(course, assignment)
    grade_assignment(course, assignment, workers=2)
    return read_scores(nncourse.Course.open(course), assignment)


def earned(score) -> dict[str, float]:
    """The test cells that scored, with their points."""
    return {cell: points for cell, points in score.parts.items() if points > 0}


def variant_points(score, assignment: str) -> float:
    return sum(score.parts.get(task, 0.0) for task in VARIANT_TASKS.get(assignment, {}))


# ---- the reference lines that the student edition holds --------------------------------------


def _code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def edition_texts() -> dict[str, str]:
    """Where a student can read code: nnlib's and nnbook's modules, the chapters' code cells."""
    texts = {}
    for package in ("nnlib", "nnbook"):
        for path in sorted((ROOT / package).rglob("*.py")):
            texts[path.relative_to(ROOT).as_posix()] = path.read_text()
    for path in sorted((ROOT / "lectures").glob("*.ipynb")):
        texts[path.relative_to(ROOT).as_posix()] = "\n".join(_code_cells(path))
    return texts


# lines that any Python code holds: a bare return, an empty list, a counted loop, an open call
IDIOM = re.compile(r"return \w+|\w+ = \[\]|for _ in range\(\w+\):|.*\(")


def handed_out_lines(assignments: list[str]) -> dict[str, list[tuple[str, list[str]]]]:
    """Assignment -> [(reference line, files holding it)]: the master's solution lines (those
    that `secret_lines` guards: 8 characters or more, no comment, not quoted in the
    instructions), idioms left out, that are, stripped, a whole line of nnlib, nnbook or a
    chapter's code."""
    where: dict[str, set[str]] = {}
    for name, text in edition_texts().items():
        for line in text.split("\n"):
            where.setdefault(line.strip(), set()).add(name)
    found = {}
    for assignment in assignments:
        solution, _ = kit.secret_lines(assignment)
        shared = sorted(line for line in solution & set(where) if not IDIOM.fullmatch(line))
        found[assignment] = [(line, sorted(where[line])) for line in shared]
    return found


# ---- the report --------------------------------------------------------------------------------


def _cells(score) -> str:
    return ", ".join(f"`{cell}`" for cell in earned(score)) or "none"


def table_rows(assignment: str, scores: dict) -> list[str]:
    full = scores["reference"]
    if full.autograded != full.autograded_max:
        raise RuntimeError(f"{assignment}: the reference earned {full.parts}, not full marks")
    total = full.autograded_max
    rows = [f"| {assignment} | {total:g}"]
    for student in SOURCES:
        score = scores[student]
        rows.append(f"{score.autograded:g} ({_cells(score)})")
    copies = [*SOURCES, closest_student(assignment)]
    variant = max(variant_points(scores[s], assignment) for s in copies if s)
    tasks = VARIANT_TASKS.get(assignment, {})
    rows.append(f"{variant:g} of {sum(full.parts[t] for t in tasks):g}")
    calc = scores.get("calculator")
    rows.append("-" if calc is None else f"{variant_points(calc, assignment):g}")
    return [" | ".join(rows) + " |"]


HEADER = [
    "| assignment | autograded | copying nnlib, nnbook | copying the chapters | both together "
    "| variant tasks, by copying | variant tasks, nnlib on own numbers |",
    "|---|---|---|---|---|---|---|",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", default=kit.assignment_names())
    args = parser.parse_args()
    warnings.filterwarnings("ignore", module="nbgrader")  # its gradebook's SAWarnings
    rows = list(HEADER)
    with tempfile.TemporaryDirectory(prefix="copying-") as folder:
        for assignment in args.assignments:
            scores = graded_batch(assignment, Path(folder) / assignment)
            rows += table_rows(assignment, scores)
            print(f"graded {assignment}", file=sys.stderr)
    print("\n".join(rows))
    lines = handed_out_lines(args.assignments)
    distinct = {line for found in lines.values() for line, _ in found}
    print(f"\nReference solution lines that the student edition holds ({len(distinct)} distinct):")
    for assignment, found in lines.items():
        for line, files in found:
            print(f"- {assignment}: `{line}` ({', '.join(files)})")


if __name__ == "__main__":
    main()
