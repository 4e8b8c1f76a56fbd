"""nbgrader settings for the course: `solutions/` is the source, `exercises/` the release.

Every nngrade command (`python -m nngrade.course ...`, `make release`, ...) loads this file from
the course directory, so a temporary copy of the course behaves exactly like the real one.
"""

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "nn-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
# Files next to the masters that students never receive (authoring sources, caches).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Graded notebooks are tiny: a notebook that runs longer than this is stuck.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Feedback never shows hidden tests nor the tracebacks that quote them (nbgrader issues 917, 1363).
# Students who run `nbgrader validate` here may not have the instructor package: they need no
# feedback settings.
try:
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades
    from nngrade.feedback import StripHiddenTests
except ImportError:
    pass
else:
    c.GenerateFeedback.preprocessors = [GetGrades, StripHiddenTests, CSSHTMLHeaderPreprocessor]
