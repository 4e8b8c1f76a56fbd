"""Feedback pages load nothing from another host and are named as the LMS named the files."""

from __future__ import annotations

import pytest
from nngrade.feedback_pages import self_contained, upload_name

NBGRADER_PAGE = """<html><head>
<!-- Load mathjax -->
<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js"> </script>
<!-- End of mathjax configuration -->
<script src="//cdn.example.com/require.js"></script>
<link rel="stylesheet" href="https://fonts.example.com/a.css">
<style>@import url("https://fonts.example.com/b.css");</style>
</head><body><p>$\\sigma(z)$ <a href="https://example.edu/help">help</a></p>
<img alt="plot" src="https://example.com/plot.png"><img alt="own" src="data:image/png;base64,AA">
</body></html>"""


@pytest.fixture
def mathjax(tmp_path):
    """A course with a stand-in MathJax (used where the repository has no node_modules/)."""
    fake = tmp_path / "node_modules" / "mathjax" / "es5"
    fake.mkdir(parents=True)
    (fake / "tex-svg-full.js").write_text("window.typeset = true;")
    return tmp_path


def test_a_page_loads_nothing_from_another_host(mathjax):
    page = self_contained(NBGRADER_PAGE, mathjax)
    for host in ("cdnjs.cloudflare.com", "cdn.example.com", "fonts.example.com", "example.com/"):
        assert host not in page, host
    assert 'href="https://example.edu/help"' in page  # a link is not a request
    assert 'src="data:image/png;base64,AA"' in page
    assert "DecompressionStream" in page and "window.MathJax" in page


CANVAS = "kim_LATE_12345_678901_01_neurons (1)"
MOODLE = "Peter Pan_4711_assignsubmission_file_"
BLACKBOARD = "Neurons_kim_attempt_2026-10-01-14-03-22_01_neurons"


@pytest.mark.parametrize(
    "lms, sources, name",
    [
        ("canvas", [f"{CANVAS}.ipynb"], f"{CANVAS}.html"),
        ("moodle", [f"{MOODLE}/v2/01_neurons.ipynb"], f"{MOODLE}/01_neurons.html"),
        ("blackboard", [f"{BLACKBOARD}.ipynb"], f"{BLACKBOARD}.html"),
        ("folders", ["Kim Jae/01_neurons.ipynb"], "kim/01_neurons.html"),
        ("canvas", [], "kim/01_neurons.html"),
    ],
)
def test_pages_are_named_for_the_lms(lms, sources, name):
    assert upload_name(lms, "kim", "01_neurons", sources) == name
