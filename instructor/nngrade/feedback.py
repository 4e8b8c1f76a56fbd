"""Feedback that students may see: no hidden test, no traceback that quotes one, no other host.

nbgrader's own feedback renders the autograded notebook, in which autograde has restored the
full test cells, hidden tests included (nbgrader issues 917 and 1363). `StripHiddenTests` runs
inside `generate_feedback` (see `nbgrader_config.py`) and, in every cell that had a hidden
region, removes the region from the source and replaces the outputs by one line saying whether
the cell passed, with the error's type and message only (a traceback would print the hidden
line that failed).

:func:`nngrade.feedback_pages.generate` then typesets every page's maths (no script, nothing
loaded from any other host), writes a page for every submission that could not be graded, saying
why, and lays the pages out for upload back to the LMS.
"""

from __future__ import annotations

import nbformat
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from nbgrader.preprocessors import GetGrades
from traitlets import Bool

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def strip_hidden(source: str) -> tuple[str, bool]:
    """`source` without its hidden regions (markers included), and whether it had any."""
    kept, hidden, found = [], False, False
    for line in source.split("\n"):
        if BEGIN in line:
            hidden = found = True
        elif END in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept), found


def outcome(outputs: list) -> nbformat.NotebookNode:
    """One stream output summarising a test cell's outputs without quoting its code."""
    errors = [o for o in outputs if o.get("output_type") == "error"]
    stderr = any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outputs)
    if errors:
        ename, evalue = errors[0].get("ename", "Error"), errors[0].get("evalue", "")
        text = f"Tests failed: {ename}" + (f": {evalue}" if evalue else "") + "\n"
    elif stderr:
        text = "Tests failed: the cell wrote to stderr (a warning or an error message)\n"
    else:
        text = "Tests passed.\n"
    return nbformat.v4.new_output("stream", name="stdout", text=text)


class StripHiddenTests(Preprocessor):
    """Remove hidden tests and their tracebacks from a notebook before it becomes feedback."""

    enabled = Bool(True, help="nbconvert disables preprocessors by default").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        source, had_hidden = strip_hidden(cell.source)
        if had_hidden:
            cell.source = source
            if cell.cell_type == "code":
                cell.outputs = [outcome(cell.outputs)]
        return cell, resources


#: What `generate_feedback` runs, whatever a course's nbgrader_config.py says.
FEEDBACK_PREPROCESSORS = [GetGrades, StripHiddenTests, CSSHTMLHeaderPreprocessor]
