"""What JupyterLab's formgrader shows, fixed from the course's `nbgrader_config.py`."""

from __future__ import annotations

import sys
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from .course import is_assignment


def adapt_formgrader() -> None:
    """What formgrader shows, fixed from the course's `nbgrader_config.py` (which formgrader
    loads, and which calls this through `nngrade.settings.apply_settings`):

    - nbgrader's `NbGraderAPI.get_source_assignments` lists every folder of the source directory
      as an assignment, `_shared` included: only real ones (`is_assignment`) are listed;
    - a submission's page loads MathJax 2 from a CDN, so offline its maths stays `$...$`: it is
      typeset on the server as the feedback pages are (`nngrade.feedback_pages.typeset`).
    """
    if not getattr(NbGraderAPI.get_source_assignments, "nngrade", False):
        original = NbGraderAPI.get_source_assignments

        def get_source_assignments(self):
            root = Path(self.coursedir.root, self.coursedir.source_directory)
            return {name for name in original(self) if is_assignment(root / name)}

        get_source_assignments.nngrade = True
        NbGraderAPI.get_source_assignments = get_source_assignments
    handlers = sys.modules.get("nbgrader.server_extensions.formgrader.handlers")
    if handlers is not None and not getattr(handlers.SubmissionHandler, "nngrade", False):
        handlers.SubmissionHandler.exporter = property(
            lambda handler: TypesetPages(handler.settings["nbgrader_exporter"])
        )
        handlers.SubmissionHandler.nngrade = True


class TypesetPages:
    """An nbconvert exporter whose pages come out with their maths typeset (formgrader's)."""

    def __init__(self, exporter) -> None:
        self.exporter = exporter

    def from_filename(self, filename, resources=None, **kw):
        from .feedback_pages import typeset

        page, resources = self.exporter.from_filename(filename, resources=resources, **kw)
        return typeset({Path(filename): page})[Path(filename)], resources

    def __getattr__(self, name):
        return getattr(self.exporter, name)
