"""The per-day late penalty plugs into nbgrader's own late-submission step."""

from __future__ import annotations

import pytest
from nbgrader.preprocessors import AssignLatePenalties
from nngrade.late import PenaltyPerDay
from traitlets.config import Config


@pytest.mark.parametrize(
    "seconds_late, penalty",
    [(0, None), (1, 1.0), (86_400, 1.0), (86_401, 2.0), (9 * 86_400, 9.0), (30 * 86_400, 10.0)],
)
def test_a_tenth_of_the_score_per_started_day(seconds_late, penalty):
    assert PenaltyPerDay().late_submission_penalty("ada", 10.0, seconds_late) == penalty


def test_nbgrader_config_selects_it_by_name():
    config = Config()
    config.AssignLatePenalties.plugin_class = "nngrade.late.PenaltyPerDay"
    config.PenaltyPerDay.fraction = 0.25
    step = AssignLatePenalties(config=config)
    step.init_plugin()
    assert isinstance(step.plugin_inst, PenaltyPerDay)
    assert step.plugin_inst.late_submission_penalty("ada", 8.0, 3600) == 2.0
