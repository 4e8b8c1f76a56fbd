"""The similarity report finds copied answers among honest ones, and shows no reference line.

A synthetic class of 40 answers a six-task assignment. Thirty write their own code: each task in
one of several forms (loop or vectorised, a temporary or not, another reduction), in a style of
writing (method or function calls, float literals, keyword or positional axes, a named result),
as different people write a short function. Five pairs are copies: the
second of each pair takes the first's answers, renames every variable, swaps independent
statements and rewrites the comments. The five copied pairs must be the report's top five.
"""

from __future__ import annotations

import random
import re

import nbformat
import pytest
from nngrade import similarity
from nngrade.cli import main
from nngrade.course import Course

ASSIGNMENT = "ps"
SEED = 20261207
STUDENTS = 40
COPIED_PAIRS = 5

# Each task: the function's header, and the forms of its body. A form is a list of statement
# groups; statements within one group are independent of each other (a copier may swap them).
# {a}, {b}, {c} are local names each student chooses.
TASKS = {
    "sigmoid": (
        "def sigmoid(z):",
        [
            [["return 1 / (1 + np.exp(-z))"]],
            [["{a} = np.exp(-z)"], ["return 1.0 / (1.0 + {a})"]],
            [["{a} = np.exp(z)"], ["return {a} / ({a} + 1)"]],
            [["return 0.5 * (1 + np.tanh(z / 2))"]],
            [
                ["{a} = z >= 0", "{b} = np.empty_like(z, dtype=float)"],
                ["{b}[{a}] = 1 / (1 + np.exp(-z[{a}]))"],
                ["{c} = np.exp(z[~{a}])"],
                ["{b}[~{a}] = {c} / (1 + {c})"],
                ["return {b}"],
            ],
            [["return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))"]],
        ],
    ),
    "mse": (
        "def mse(pred, target):",
        [
            [["{a} = pred - target"], ["return np.mean({a} ** 2)"]],
            [["{a} = target - pred"], ["return ({a} * {a}).mean()"]],
            [["return np.sum((pred - target) ** 2) / len(pred)"]],
            [["{a} = np.square(pred - target)"], ["return {a}.sum() / {a}.size"]],
            [
                ["{b} = 0.0"],
                ["for {a}, {c} in zip(pred, target):", "    {b} += ({a} - {c}) ** 2"],
                ["return {b} / len(pred)"],
            ],
            [["return float(np.average(np.power(target - pred, 2)))"]],
        ],
    ),
    "accuracy": (
        "def accuracy(scores, labels):",
        [
            [["return np.mean(np.argmax(scores, axis=1) == labels)"]],
            [["{a} = scores.argmax(axis=1)"], ["return ({a} == labels).mean()"]],
            [
                ["{a} = 0"],
                [
                    "for {b}, {c} in zip(scores, labels):",
                    "    if np.argmax({b}) == {c}:",
                    "        {a} += 1",
                ],
                ["return {a} / len(labels)"],
            ],
            [
                ["{a} = np.argmax(scores, 1)"],
                ["{b} = np.count_nonzero({a} == labels)"],
                ["return {b} / labels.shape[0]"],
            ],
            [["return sum(int(np.argmax(s) == t) for s, t in zip(scores, labels)) / len(labels)"]],
        ],
    ),
    "relu_grad": (
        "def relu_grad(x, upstream):",
        [
            [["return upstream * (x > 0)"]],
            [["{a} = (x > 0).astype(float)"], ["return {a} * upstream"]],
            [["{a} = upstream.copy()"], ["{a}[x <= 0] = 0"], ["return {a}"]],
            [["return np.where(x > 0, upstream, 0.0)"]],
            [
                ["{a} = np.zeros_like(upstream)"],
                ["{b} = x > 0"],
                ["{a}[{b}] = upstream[{b}]"],
                ["return {a}"],
            ],
        ],
    ),
    "fit_line": (
        "def fit_line(x, y, lr, steps):",
        [
            [
                ["{a}, {b} = 0.0, 0.0"],
                [
                    "for _ in range(steps):",
                    "    {c} = {a} * x + {b} - y",
                    "    {a} -= lr * 2 * np.mean({c} * x)",
                    "    {b} -= lr * 2 * np.mean({c})",
                ],
                ["return {a}, {b}"],
            ],
            [
                ["{a} = 0.0", "{b} = 0.0"],
                [
                    "for step in range(steps):",
                    "    {c} = ({a} * x + {b}) - y",
                    "    {a} = {a} - lr * (2 * ({c} * x).mean())",
                    "    {b} = {b} - lr * (2 * {c}.mean())",
                ],
                ["return {a}, {b}"],
            ],
            [
                ["{a} = np.zeros(2)"],
                ["{b} = np.stack([x, np.ones_like(x)], axis=1)"],
                ["for _ in range(steps):", "    {a} -= lr * 2 * {b}.T @ ({b} @ {a} - y) / len(y)"],
                ["return float({a}[0]), float({a}[1])"],
            ],
            [
                ["{a} = {b} = 0.0"],
                ["{c} = len(x)"],
                [
                    "while steps > 0:",
                    "    r = y - ({a} * x + {b})",
                    "    {a} += lr * 2 * np.dot(r, x) / {c}",
                    "    {b} += lr * 2 * r.sum() / {c}",
                    "    steps -= 1",
                ],
                ["return {a}, {b}"],
            ],
        ],
    ),
    "standardize": (
        "def standardize(X):",
        [
            [["{a} = X.mean(axis=0)", "{b} = X.std(axis=0)"], ["return (X - {a}) / {b}"]],
            [["return (X - np.mean(X, axis=0)) / np.std(X, axis=0)"]],
            [["{a} = X - X.mean(0)"], ["return {a} / np.sqrt(({a} ** 2).mean(0))"]],
            [
                ["{a} = np.empty_like(X, dtype=float)"],
                [
                    "for {b} in range(X.shape[1]):",
                    "    {c} = X[:, {b}]",
                    "    {a}[:, {b}] = ({c} - {c}.mean()) / {c}.std()",
                ],
                ["return {a}"],
            ],
            [
                ["{a}, {b} = np.mean(X, 0, keepdims=True), np.std(X, 0, keepdims=True)"],
                ["{c} = (X - {a})"],
                ["return {c} / {b}"],
            ],
        ],
    ),
}
# Habits of writing: each applies to one task's answer, or not, by chance (people are not
# consistent from one function to the next).
STYLE_RULES = [
    (r"np\.mean\((\w+)\)", r"\1.mean()"),
    (r"axis=(\d)", r"\1"),
    (r"\b1 / ", "1.0 / "),
    (r"^(\s+)return (?!float)(.+)$", r"\1result = \2\n\1return result"),
    (r"(\w+) \*\* 2", r"\1 * \1"),
    (r"np\.exp\(-(\w+)\)", r"1 / np.exp(\1)"),
    (r"(\w+) > 0", r"0 < \1"),
    (r"\blen\((\w+)\)", r"\1.shape[0]"),
    (r"(\w+) -= ", r"\1 = \1 - "),
    (r"(\w+) \+= ", r"\1 = \1 + "),
    (r"np\.zeros_like\((\w+)\)", r"np.zeros(\1.shape)"),
    (r"(\w+)\.sum\(\)", r"np.sum(\1)"),
]
NAMES = ["tmp", "val", "out", "res", "acc", "w", "b", "m", "g", "d", "e", "mask", "buf", "result"]
COMMENTS = ["# compute it", "# vectorised", "# as in the lecture", "# TODO tidy", "# step"]


def write_answer(task: str, form: list[list[str]], names: dict, style: list, rng) -> str:
    header, _ = TASKS[task]
    body = [f"    {rng.choice(COMMENTS)}"] if rng.random() < 0.5 else []
    body += ["    " + statement.format(**names) for group in form for statement in group]
    code = "\n".join(body)
    for pattern, replacement in style:
        code = re.sub(pattern, replacement, code, flags=re.MULTILINE)
    return f"{header}\n{code}"


def honest_answers(rng: random.Random) -> dict[str, str]:
    answers = {}
    for task, (_, forms) in TASKS.items():
        names = dict(zip("abc", rng.sample(NAMES, 3), strict=True))
        style = [rule for rule in STYLE_RULES if rng.random() < 0.5]
        answers[task] = write_answer(task, rng.choice(forms), names, style, rng)
    return answers


def copied(answers: dict[str, str], rng: random.Random) -> dict[str, str]:
    """Another student's answers with every local renamed, statements swapped, comments new."""
    result = {}
    for task, code in answers.items():
        code = re.sub(r"\s*#.*", "", code)
        for name in NAMES:
            code = re.sub(rf"\b{name}\b", f"my_{name}_{rng.randint(1, 9)}", code)
        lines = code.splitlines()
        body = [i for i, line in enumerate(lines) if line.startswith("    ") and "=" in line
                and not line.startswith("     ") and "return" not in line]  # fmt: skip
        for first, second in zip(body, body[1:], strict=False):
            assigned = lines[first].split("=")[0].replace(",", " ").split()
            independent = not any(re.search(rf"\b{n}\b", lines[second]) for n in assigned)
            if second == first + 1 and independent and rng.random() < 0.7:
                lines[first], lines[second] = lines[second], lines[first]
                break
        lines.insert(1, f"    {rng.choice(COMMENTS)} (my own)")
        result[task] = "\n".join(lines)
    return result


REFERENCE = {
    "sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))",
    "mse": "def mse(pred, target):\n    return np.mean((pred - target) ** 2)",
    "accuracy": "def accuracy(scores, labels):\n    return np.mean(scores.argmax(1) == labels)",
    "relu_grad": "def relu_grad(x, upstream):\n    return upstream * (x > 0)",
    "fit_line": "def fit_line(x, y, lr, steps):\n    w = b = 0.0\n    for _ in range(steps):\n"
    "        err = w * x + b - y\n        w -= lr * 2 * np.mean(err * x)\n"
    "        b -= lr * 2 * np.mean(err)\n    return w, b",
    "standardize": "def standardize(X):\n    return (X - X.mean(axis=0)) / X.std(axis=0)",
}


def notebook(answers: dict[str, str], master: bool = False) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import numpy as np"))
    for task, code in answers.items():
        body = f"### BEGIN SOLUTION\n{code}\n### END SOLUTION" if master else code
        meta = {"grade_id": f"answer_{task}", "solution": True, "grade": False, "locked": False,
                "schema_version": 3}  # fmt: skip
        nb.cells.append(nbformat.v4.new_code_cell(body, metadata={"nbgrader": meta}))
    return nb


def stub(task: str) -> str:
    return f"{TASKS[task][0]}\n    # YOUR CODE HERE\n    raise NotImplementedError()"


@pytest.fixture(scope="module")
def class_of_forty(tmp_path_factory):
    root = tmp_path_factory.mktemp("similarity")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'sim'\n"
    )
    for folder, nb in (
        (root / "source" / ASSIGNMENT, notebook(REFERENCE, master=True)),
        (root / "release" / ASSIGNMENT, notebook({t: stub(t) for t in TASKS})),
    ):
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
    rng = random.Random(SEED)
    students = [f"s{number:02d}" for number in range(STUDENTS)]
    answers = {student: honest_answers(rng) for student in students}
    planted = set()
    copiers = rng.sample(students, 2 * COPIED_PAIRS)
    for original, copier in zip(copiers[::2], copiers[1::2], strict=True):
        answers[copier] = copied(answers[original], rng)
        planted.add(tuple(sorted((original, copier))))
    answers[students[-1]]["mse"] = REFERENCE["mse"]  # one student hands in the reference
    for student, own in answers.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook(own), folder / f"{ASSIGNMENT}.ipynb")
    return Course.open(root), planted


def test_the_planted_copies_are_the_five_most_similar_pairs(class_of_forty):
    course, planted = class_of_forty
    path, pairs = similarity.write_report(course, ASSIGNMENT)
    top = {(pair.first, pair.second) for pair in pairs[:COPIED_PAIRS]}
    assert top == planted, [(p.first, p.second, round(p.score, 2)) for p in pairs[:8]]
    assert pairs[COPIED_PAIRS - 1].score > pairs[COPIED_PAIRS].score
    page = path.read_text()
    for first, second in planted:
        assert f"{first} and {second}" in page


def test_the_report_holds_no_line_of_the_reference_solution(class_of_forty):
    course, _ = class_of_forty
    path, _ = similarity.write_report(course, ASSIGNMENT, top=STUDENTS * STUDENTS)
    shown = re.sub(r"<[^>]+>", "", path.read_text())
    for code in REFERENCE.values():
        for line in code.splitlines()[1:]:  # the header is the release's, not the answer
            assert line.strip() not in shown, line


def test_given_and_reference_lines_are_masked_before_comparing():
    given = similarity.known_lines(notebook({"mse": REFERENCE["mse"]}, master=True))
    document = similarity.student_document(
        notebook({"mse": "def mse(pred, target):\n    return np.mean((pred - target) ** 2)  # ok"}),
        given,
    )
    assert "np.mean" not in document
    assert document.count(similarity.REFERENCE_LINE) == 2


def test_a_class_with_no_code_in_common_has_no_pairs():
    documents = {
        "ann": "def f(x):\n    return sum(i * i for i in range(x)) + len(str(x)) * 3\n",
        "bob": "class Stack:\n    def __init__(self):\n        self.items = []\n"
        "    def push(self, item):\n        self.items.append(item)\n",
    }
    assert similarity.compare(documents) == []


def test_the_command_writes_the_report_and_names_the_top_pairs(class_of_forty, capsys):
    course, planted = class_of_forty
    assert main(["similarity", ASSIGNMENT, "--course", str(course.root), "--top", "5"]) == 0
    printed = capsys.readouterr().out
    assert f"reports/{ASSIGNMENT}-similarity.html" in printed
    for first, second in planted:
        assert f"{first} and {second}" in printed
