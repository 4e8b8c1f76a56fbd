"""Feedback pages load nothing from another host, carry their maths typeset (no MathJax script,
the fonts they use inlined), and are named as the LMS named the files."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from nngrade.feedback_pages import self_contained, typeset, upload_name

NBGRADER_PAGE = """<html><head>
<!-- Load mathjax -->
<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js"> </script>
<!-- End of mathjax configuration -->
<script src="//cdn.example.com/require.js"></script>
<link rel="stylesheet" href="https://fonts.example.com/a.css">
<style>@import url("https://fonts.example.com/b.css");</style>
</head><body><div class="rendered_html"><p>$\\sigma(z)$ and $$\\sum_i w_i x_i$$ but not
<code>$HOME$</code>, <a href="https://example.edu/help">help</a></p></div>
<img alt="plot" src="https://example.com/plot.png"><img alt="own" src="data:image/png;base64,AA">
</body></html>"""


def test_a_page_loads_nothing_from_another_host_and_runs_no_script():
    page = self_contained(typeset({Path("p.html"): NBGRADER_PAGE})[Path("p.html")])
    for host in ("cdnjs.cloudflare.com", "cdn.example.com", "fonts.example.com", "example.com/"):
        assert host not in page, host
    assert 'href="https://example.edu/help"' in page  # a link is not a request
    assert 'src="data:image/png;base64,AA"' in page
    assert "<script" not in page and "mathjax" not in page.split("<body>")[0].lower()
    assert page.count("<mjx-container") == 2 and 'display="true"' in page
    assert "<math" in page  # hidden MathML for screen readers
    assert "$\\sigma" not in page and "<code>$HOME$</code>" in page
    assert not re.search(r"url\((?!\"data:)", page)  # every font travels with the page


def test_the_fonts_inlined_hold_the_characters_used_and_little_more():
    page = typeset({Path("p.html"): NBGRADER_PAGE})[Path("p.html")]
    fonts = {}
    for family, data in re.findall(
        r"font-family: ([\w-]+); src: url\(\"data:font/woff;base64,([^\"]+)", page
    ):
        fonts[family] = TTFont(io.BytesIO(base64.b64decode(data)))
    assert "MJXTEX-I" in fonts and "MJXTEX-AMS" not in fonts  # only fonts the formulas use
    italic = set(fonts["MJXTEX-I"].getBestCmap())
    assert {ord("w"), ord("x"), ord("z"), ord("i")} <= italic and len(italic) < 12


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
