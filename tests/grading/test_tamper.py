"""nngrade.tamper: student code that reaches into the tests' environment is flagged for review,
and honest work, right or wrong, never is."""

from __future__ import annotations

import gradingkit as kit
import nbformat
import pytest
from nngrade.tamper import review, suspicious

MODULES = {"np", "numpy", "nnlib", "layers", "sys", "inspect", "gc", "Parameter"}

FLAGGED = {
    "np.testing.assert_allclose = lambda *a, **k: None": "replaces np.testing.assert_allclose",
    "np.allclose, np.isclose = f, f": "replaces np.allclose",
    "del nnlib.layers.Dense": "deletes nnlib.layers.Dense",
    "layers.Dense.forward = my_forward": "replaces layers.Dense.forward",
    "Parameter.grad = property(lambda self: 0)": "replaces Parameter.grad",
    "setattr(np.testing, 'assert_allclose', print)": "setattr on np.testing",
    "sys.modules['numpy'] = fake": "replaces sys.modules['numpy']",
    "import builtins\nbuiltins.isinstance = lambda *a: True": "imports builtins",
    "__builtins__.abs = abs": "uses __builtins__",
    "frame = sys._getframe(1)": "uses sys._getframe",
    "inspect.currentframe().f_back.f_globals['x'] = 1": "uses inspect.currentframe",
    "f.__code__ = g.__code__": "uses f.__code__",
    "exec('np.all' + 'close = lambda *a: True')": "uses exec",
    "get_ipython().events.register('pre_run_cell', cheat)": "uses get_ipython",
    "gc.get_referrers(np.allclose)": "uses gc.get_referrers",
}

HONEST = [
    "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))",
    "self.weight = Parameter(np.zeros((3, 2)))\nself.weight.grad[...] = 0",
    "p.data -= lr * p.grad\nstate['m'] = 0.9 * state['m'] + g",
    "W, b = np.ones((2, 2)), np.zeros(2)\nW[0, 1] = 3.0",
    "rng = np.random.default_rng(0)\nx = np.stack([a, b])",
    "model.eval()\nout = model(x)\nmodel.train()",
    "%matplotlib inline\nimport numpy as np",
    "def broken(:\n    pass",  # a syntax error is the tests' business, not a flag
]


@pytest.mark.parametrize("source", list(FLAGGED))
def test_reaching_into_the_environment_is_flagged(source):
    found = [what for _, what in suspicious(source, MODULES)]
    assert FLAGGED[source] in found, found


@pytest.mark.parametrize("source", HONEST)
def test_honest_code_is_not_flagged(source):
    assert suspicious(source, MODULES) == []


def test_line_numbers_count_the_magics_too():
    source = "%matplotlib inline\n!ls\nnp.allclose = f"
    assert suspicious(source, MODULES) == [(3, "replaces np.allclose")]


def test_flags_name_the_cell_and_line():
    nb = kit.release_notebook("01_neurons")
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source += "\nimport numpy\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
    line = answer.source.splitlines().index("numpy.testing.assert_allclose = lambda *a, **k: None")
    grade_id = answer.metadata["nbgrader"]["grade_id"]
    assert review(nb) == [
        f"review: {grade_id}, line {line + 1} replaces numpy.testing.assert_allclose"
    ]


def test_cells_added_by_the_student_are_read_but_the_course_cells_are_not():
    nb = kit.release_notebook("01_neurons")
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nsys.settrace(None)"))
    assert review(nb) == [f"review: cell {len(nb.cells)}, line 2 uses sys.settrace"]


@pytest.mark.parametrize("assignment", kit.assignment_names())
def test_no_honest_submission_is_flagged(assignment):
    """The reference solution, the blank release and every typical wrong submission."""
    notebooks = {
        "reference": kit.solved_notebook(assignment),
        "blank": kit.release_notebook(assignment),
    }
    for sub in kit.load_submissions(assignment):
        notebooks[sub.name] = kit.build_submission(assignment, sub)
    flagged = {name: review(nb) for name, nb in notebooks.items() if review(nb)}
    assert flagged == {}
