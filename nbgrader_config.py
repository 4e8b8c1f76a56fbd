"""nbgrader settings for the course: `solutions/` is the source, `exercises/` the release.

Every nngrade command (`nngrade release`, `make release`, ...) loads this file from the course
directory, so a temporary copy of the course behaves exactly like the real one. The gradebook URL
that nngrade was given (`--db-url`, `DB_URL=` in make, or NNGRADE_DB_URL) is saved in
`nngrade.json` beside this file and read back here, so that `nbgrader` itself and JupyterLab's
formgrader open the same gradebook as every nngrade step.
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

# Kernels talk over local sockets: no race for TCP ports between nbgrader runs side by side, and no
# "running over TCP without encryption" warning (nnbook.kernels).
try:
    from nnbook.kernels import use_local_sockets
except ImportError:
    pass
else:
    use_local_sockets(c)

# Feedback never shows hidden tests nor the tracebacks that quote them (nbgrader issues 917, 1363).
# Students who run `nbgrader validate` here may not have the instructor package: they need no
# feedback settings.
try:
    from nngrade.feedback import FEEDBACK_PREPROCESSORS
    from nngrade.settings import apply_settings
except ImportError:
    pass
else:
    c.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
    apply_settings(c, __file__.rpartition("/")[0] or ".")  # noqa: F821 (set by traitlets)
