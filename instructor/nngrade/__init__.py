"""nngrade: instructor tooling for the course's graded exercises (on top of nbgrader).

- `nngrade.authoring`: build an nbgrader master notebook from its percent-format text source.
- `nngrade.course`: release, collect, autograde, feedback and export for a course directory.
- `nngrade.feedback`: feedback that never shows hidden tests nor the tracebacks that quote them.
"""

__all__ = ["authoring", "course", "feedback"]
