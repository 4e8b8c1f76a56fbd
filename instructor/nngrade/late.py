"""A late penalty per started day, as a plugin of nbgrader's own late-submission step.

nbgrader's `LateSubmissionPlugin` knows two penalties: none, or the whole score. Many courses
take a share of the score per day late instead. Set it in `nbgrader_config.py`::

    c.AssignLatePenalties.plugin_class = "nngrade.late.PenaltyPerDay"
    c.PenaltyPerDay.fraction = 0.1      # 10 % of the notebook's score per started day

penalty = score × min(1, fraction × ⌈seconds late / 86 400⌉), so a notebook 1 s late loses one
share, and one more than 1/fraction days late loses everything. nbgrader calls the plugin with
the lateness it computes from the due date in the gradebook and the submission's timestamp.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

DAY = 86_400


class PenaltyPerDay(LateSubmissionPlugin):
    """`fraction` of the score per started day late, never more than the score."""

    fraction = Float(0.1, help="share of the score taken per started day late").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float):
        if total_seconds_late <= 0:
            return None
        days = math.ceil(total_seconds_late / DAY)
        return score * min(1.0, self.fraction * days)
