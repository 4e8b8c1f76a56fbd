"""Flag, for the instructor's review, student code that reaches into the tests' environment.

The tests run in the same kernel as the student's code, in nbgrader as here, so no sandbox can
stop an answer cell from replacing ``np.testing.assert_allclose`` or ``builtins.isinstance``
before the hidden tests use them. The trusted side reads the student's cells before execution
and lists the lines that do such things; the instructor's report shows them as "review: ...".
This is a flag, not a proof: code built to hide can still hide (``exec`` of a computed string is
flagged, but not what it runs), and a flagged line can be innocent. Honest answers to this
course's assignments (the reference solutions and the typical wrong submissions) raise no flag.

What is flagged, in the cells a student can edit:

- assigning or deleting an attribute of an imported module or of anything imported from one
  (``np.testing.assert_allclose = ...``, ``del nnlib.layers.Dense``, ``setattr(np, ...)``);
- reaching for the interpreter's machinery: ``builtins``/``__builtins__``, ``sys.modules``,
  ``sys.settrace``/``sys.setprofile``/``sys._getframe``, ``inspect.currentframe``/``stack``,
  ``gc.get_objects``/``get_referrers``, function internals (``__code__``, ``__globals__``,
  ``__closure__``), the IPython shell (``get_ipython``), and ``exec``/``eval``/``compile``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

import nbformat
from nbgrader.utils import is_grade, is_solution

MACHINERY_NAMES = {"builtins", "__builtins__", "get_ipython", "exec", "eval", "compile"}
MACHINERY_ATTRIBUTES = {
    "__code__",
    "__globals__",
    "__closure__",
    "__builtins__",
    "modules",  # sys.modules (checked against the root below)
    "settrace",
    "setprofile",
    "_getframe",
    "currentframe",
    "stack",
    "get_objects",
    "get_referrers",
}
MACHINERY_ROOTS = {"sys", "inspect", "gc"}
#: What the grader does with a flagged submission: list the flags in the instructor's report
#: (the default), or also zero every test cell that runs after the first flagged cell.
TAMPER_ACTIONS = ("report", "zero")


def student_cells(nb: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """(index, name, source) of every code cell the student could write: answers, added cells."""
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        course_cell = meta.get("locked") or (is_grade(cell) and not is_solution(cell))
        if not course_cell:
            cells.append((index, meta.get("grade_id") or f"cell {index + 1}", cell.source))
    return cells


def imported_names(sources: Iterable[str]) -> set[str]:
    """The names that ``import`` statements bind anywhere in ``sources``."""
    names = set()
    for source in sources:
        for node in ast.walk(_parse(source)):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    names.add(alias.asname or alias.name.split(".")[0])
    return names


def _parse(source: str) -> ast.Module:
    # IPython magics (%timeit, !ls) are not Python: blanked, so that line numbers stay true;
    # a cell that does not parse is left out
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 (only used to word a flag)
        return "?"


def suspicious(source: str, modules: set[str]) -> list[tuple[int, str]]:
    """(line, what) for every line of ``source`` that reaches into the environment."""
    found = []
    for node in ast.walk(_parse(source)):
        for target in _written_attributes(node):
            if _root(target) in modules:
                verb = "deletes" if isinstance(node, ast.Delete) else "replaces"
                found.append((node.lineno, f"{verb} {_dotted(target)}"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in {"setattr", "delattr"} and node.args:
                if _root(node.args[0]) in modules:
                    found.append((node.lineno, f"{node.func.id} on {_dotted(node.args[0])}"))
        if isinstance(node, ast.Name) and node.id in MACHINERY_NAMES:
            found.append((node.lineno, f"uses {node.id}"))
        if isinstance(node, ast.Attribute) and node.attr in MACHINERY_ATTRIBUTES:
            if node.attr.startswith("__") or _root(node) in MACHINERY_ROOTS:
                found.append((node.lineno, f"uses {_dotted(node)}"))
        if isinstance(node, ast.alias) and node.name.split(".")[0] == "builtins":
            found.append((getattr(node, "lineno", 0), "imports builtins"))
    return sorted(set(found))


def _written_attributes(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        targets = [t for target in node.targets for t in _unpack(target)]
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = node.targets
    else:
        return []
    return [t for t in targets if isinstance(t, ast.Attribute | ast.Subscript)]


def _unpack(target: ast.AST) -> list[ast.AST]:
    if isinstance(target, ast.Tuple | ast.List):
        return [t for element in target.elts for t in _unpack(element)]
    return [target]


def flagged_cells(nb: nbformat.NotebookNode) -> dict[int, list[str]]:
    """Cell index -> the flags of that cell, worded for the instructor's report."""
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    modules = imported_names(code)
    flags = {}
    for index, name, source in student_cells(nb):
        lines = suspicious(source, modules)
        found = [f"review: {name}, line {line} {what}" for line, what in lines]
        if found:
            flags[index] = found
    return flags


def review(nb: nbformat.NotebookNode) -> list[str]:
    """The flags for one submitted notebook, in notebook order."""
    return [flag for cell in flagged_cells(nb).values() for flag in cell]
