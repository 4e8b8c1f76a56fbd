"""nngrade: instructor tooling for the course's graded exercises (on top of nbgrader).

- `nngrade.authoring`: build an nbgrader master notebook from its percent-format text source.
- `nngrade.cli`: the `nngrade` command line, one subcommand per step of the term.
- `nngrade.course`: the course object (directory, gradebook URL, roster, LMS) and its assignments.
- `nngrade.roster`, `nngrade.lms`: the roster CSV; reading Canvas, Moodle, Blackboard downloads.
- `nngrade.intake`: collect into `submitted/`, check each submission, the instructor's report.
- `nngrade.safe_autograde`, `nngrade.sandbox`, `nngrade.tamper`: isolated parallel grading.
- `nngrade.grades`: scores from the gradebook, grades.csv and the LMS import file.
- `nngrade.late`: a late penalty per started day, as a plugin of nbgrader's late step.
- `nngrade.feedback`, `nngrade.feedback_pages`: feedback without hidden tests, pages for the LMS.
"""

__all__ = [
    "authoring",
    "cli",
    "course",
    "feedback",
    "feedback_pages",
    "grades",
    "intake",
    "late",
    "lms",
    "roster",
    "safe_autograde",
    "sandbox",
    "tamper",
]
