"""scripts/postbuild.py catches what it promises to catch (on tiny synthetic sites)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import ROOT

spec = importlib.util.spec_from_file_location("postbuild", ROOT / "scripts" / "postbuild.py")
postbuild = importlib.util.module_from_spec(spec)
spec.loader.exec_module(postbuild)
trim_css = postbuild.trim_css


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text(
        '<html><head><link rel="stylesheet" href="_static/a.css"><script src="_static/a.js">'
        '</script></head><body><a href="https://doi.org/10.1/x">a paper</a></body></html>'
    )
    for asset in postbuild.REQUIRED_ASSETS:
        path = tmp_path / asset
        path.parent.mkdir(parents=True, exist_ok=True)
        if asset.endswith("woff-v2"):
            path.mkdir()
        else:
            path.write_text("//")
    return tmp_path


def test_clean_site_passes(site: Path):
    assert postbuild.check_site(site) == 0


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.example.org/x.js"></script>',
        '<link rel="stylesheet" href="//fonts.example.com/css">',
        '<img src="http://example.org/a.png">',
        "<style>@import 'https://fonts.example.com/font.css';</style>",
        '<div style="background: url(https://example.org/bg.png)"></div>',
    ],
)
def test_external_loads_fail(site: Path, html: str, capsys):
    (site / "page.html").write_text(f"<html><body>{html}</body></html>")
    assert postbuild.check_site(site) == 1
    assert "page.html" in capsys.readouterr().err


def test_external_css_url_fails(site: Path):
    (site / "theme.css").write_text("@font-face { src: url('https://fonts.example.com/f.woff2') }")
    assert postbuild.external_loads(site) == ["theme.css: https://fonts.example.com/f.woff2"]


def test_missing_assets_fail(site: Path):
    (site / "_vendor" / "site" / "site.css").unlink()
    assert postbuild.check_site(site) == 1


def test_solution_markers_fail(site: Path):
    (site / "_sources").mkdir()
    (site / "_sources" / "ex.ipynb").write_text('{"source": ["### BEGIN SOLUTION\\n", "x = 1"]}')
    assert postbuild.published_solutions(site) == [
        "_sources/ex.ipynb: contains '### BEGIN SOLUTION'"
    ]
    (site / "solutions").mkdir()
    assert any("solutions/" in p for p in postbuild.published_solutions(site))


def test_failing_cell_is_located(tmp_path: Path):
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# t"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('boom')"),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook, path)
    traceback = (
        "An error occurred while executing the following cell:\n------------------\n"
        "raise ValueError('boom')\n------------------\n\nValueError: boom"
    )
    assert postbuild.failing_cell(path, traceback) == "cell 3 of 3"


# ---- the pages' rewrite (scripts/site_pages.py) ------------------------------------------------


def sine(frequency=1.0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot(np.sin(frequency * np.linspace(0, 6, 50)))
    return fig


@pytest.fixture
def demo_page(site: Path) -> Path:
    from nnbook.base import Demo

    demo = Demo(sine, {"frequency": [1.0, 2.0, 3.0]}, title="A sine", defaults={"frequency": 2.0})
    (site / "lectures").mkdir()
    page = site / "lectures" / "chapter.html"
    page.write_text(f"<html><head></head><body><main>{demo.static_html()}</main></body></html>")
    return page


def frame_urls(page: Path) -> dict[str, str]:
    soup = BeautifulSoup(page.read_text(), "html.parser")
    return json.loads(soup.select_one("script.nnlib-demo-frames").string)


def test_demo_frames_move_into_files_the_page_names(site: Path, demo_page: Path):
    inline_size = demo_page.stat().st_size
    assert postbuild.check_site(site) == 0
    html = demo_page.read_text()
    assert "data:image" not in html
    assert demo_page.stat().st_size < inline_size / 3
    urls = frame_urls(demo_page)
    assert sorted(urls) == ["0", "1", "2", "p0", "p1", "p2"], "both layouts of every frame"
    files = [(demo_page.parent / url).resolve() for url in urls.values()]
    assert all(f.is_file() and f.parent == (site / "_demos").resolve() for f in files)
    assert len({f.read_bytes() for f in files}) == 6
    soup = BeautifulSoup(html, "html.parser")
    image = soup.select_one("img.nnlib-demo-frame")
    assert image["src"] == urls["1"], "the starting frame is the default's, from its file"
    assert soup.select_one("picture source")["srcset"] == urls["p1"], "and its portrait layout"


def test_rewrite_is_idempotent_and_drops_unused_frames(site: Path, demo_page: Path):
    assert postbuild.check_site(site) == 0
    once = demo_page.read_text()
    stale = site / "_demos" / "0123456789abcdef0123.png"
    stale.write_bytes(b"old frame")
    assert postbuild.check_site(site) == 0
    assert demo_page.read_text() == once
    assert not stale.exists()
    assert len(list((site / "_demos").glob("*.png"))) == 6


def test_stale_inline_demo_fails(site: Path, capsys):
    (site / "old.html").write_text(
        "<html><body><script>var frames={'0':'iV'};img.src='data:image/png;base64,'+frames[0]"
        "</script></body></html>"
    )
    assert postbuild.check_site(site) == 1
    assert "jupyter_cache" in capsys.readouterr().err


def write_figure(path: Path, description: str | None) -> None:
    import io

    from nnbook.base import compact_png

    fig = sine()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(compact_png(buffer.getvalue(), description))


def test_figures_get_their_description_as_alt(site: Path):
    write_figure(site / "_images" / "abc.png", "Figure: 'loss' (loss against epoch)")
    page = site / "page.html"
    page.write_text(
        '<html><body><img alt="../_images/abc.png" src="_images/abc.png"></body></html>'
    )
    assert postbuild.check_site(site) == 0
    image = BeautifulSoup(page.read_text(), "html.parser").img
    assert image["alt"] == "Figure: 'loss' (loss against epoch)"


def test_figure_without_description_fails(site: Path, capsys):
    write_figure(site / "_images" / "abc.png", None)
    (site / "page.html").write_text('<html><body><img alt="_images/abc.png" src="_images/abc.png">')
    assert postbuild.check_site(site) == 1
    assert "without a text alternative" in capsys.readouterr().err


THEME_PAGE = """<html><head><script defer src="_static/scripts/fontawesome.js?digest=1"></script>
<script src="_static/documentation_options.js?v=1"></script>
<script>DOCUMENTATION_OPTIONS.pagename = 'page';</script>
<script>window.MathJax = {"options": {"processHtmlClass": "math"}}</script>
<script defer="defer" src="_static/../_vendor/mathjax/tex-chtml.js?v=2"></script>
<script src="_static/searchtools.js"></script><script src="searchindex.js"></script></head><body>
<div class="bd-sidebar-primary"><a href="intro.html">Title</a></div>
<ul><li><a href="ex.html">Exercises</a><details><summary><span><i class="fa-solid fa-chevron-down">
</i></span></summary></details></li></ul>
<button aria-label="Search"><i class="fa-solid fa-magnifying-glass"></i> Search <kbd>Ctrl</kbd>
</button><a aria-label="Download source file" href="x.ipynb">.ipynb</a>
<details class="hide below-input"><summary aria-label="Toggle hidden content">
<p class="collapsed">Show code cell output</p><p class="expanded">Hide code cell output</p>
</summary></details>
<table><thead><tr><th class="head"></th><th class="head">symbol</th></tr></thead></table>
<div role="list" class="citation-list"><div class="citation" role="doc-biblioentry">[1] A.</div>
</div></body></html>"""


def test_theme_markup_is_repaired(site: Path):
    page = site / "page.html"
    page.write_text(THEME_PAGE)
    (site / "_static").mkdir()
    (site / "_static" / "documentation_options.js").write_text("const DOCUMENTATION_OPTIONS = {};")
    assert postbuild.check_site(site) == 0
    soup = BeautifulSoup(page.read_text(), "html.parser")
    assert not soup.find("script", src=lambda s: s and "fontawesome" in s)
    assert soup.head.find("link", rel="stylesheet", href="_vendor/site/site.css")
    scripts = soup.head.find_all("script")
    assert all(s.has_attr("defer") for s in soup.find_all("script", src=True)), "nothing blocks"
    assert scripts[0].string == "const DOCUMENTATION_OPTIONS = {};", "inlined before its user"
    assert "pagename" in scripts[1].string
    assert not soup.find("script", src=lambda s: s and "mathjax" in s)
    assert not any("MathJax" in (s.string or "") for s in scripts), "no MathJax in the browser"
    assert soup.select_one("div.bd-sidebar-primary")["role"] == "navigation"
    assert soup.summary["aria-label"] == "Pages of Exercises"
    assert not soup.select_one("details.hide summary").has_attr("aria-label"), "its text names it"
    assert not soup.button.has_attr("aria-label"), "its visible text names it"
    assert soup.find("a", href="x.ipynb")["aria-label"] == ".ipynb: Download source file"
    assert [c.name for c in soup.tr.find_all(["th", "td"])] == ["td", "th"]
    assert soup.select_one(".citation")["role"] == "listitem"


def test_icon_missing_from_the_stylesheet_fails(site: Path, capsys):
    (site / "page.html").write_text('<html><body><i class="fa-solid fa-rocket"></i></body></html>')
    assert postbuild.check_site(site) == 1
    assert "fa-rocket" in capsys.readouterr().err


MATHS_PAGE = """<html><head><script>window.MathJax = {}</script>
<script defer src="../_static/../_vendor/mathjax/tex-chtml.js"></script></head><body><main>
<p>The rate <span class="math notranslate nohighlight">\\(\\eta &lt; 1\\)</span> and</p>
<div class="math notranslate nohighlight" id="equation-ch2-chain">
<span class="eqno">(2.1)<a class="headerlink" href="#equation-ch2-chain">#</a></span>
\\[\\frac{d}{dt} f(x(t)) = \\boldsymbol{W}\\,\\frac{dx}{dt}.\\]</div></main></body></html>"""


def test_maths_is_typeset_at_build_time(site: Path):
    page = site / "lectures" / "ch.html"
    page.parent.mkdir()
    page.write_text(MATHS_PAGE)
    assert postbuild.check_site(site) == 0
    soup = BeautifulSoup(page.read_text(), "html.parser")
    inline, display = soup.select(".math")
    assert inline.find("mjx-container") and "\\(" not in inline.get_text()
    assert inline.find("math").find("mo").string == "<", "hidden MathML for screen readers"
    assert display.find("mjx-container", display="true", tabindex="0"), "a keyboard can scroll it"
    assert display.select_one(".eqno").get_text() == "(2.1)#", "the equation number stays"
    assert not soup.find("script"), "the MathJax script and its settings are gone"
    style = soup.head.find("style", id="MJX-CHTML-styles").string
    assert 'url("../_vendor/mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff")' in style
    assert ".mjx-c1D702" in style, "the page's stylesheet has its characters (eta)"
    text = page.read_text()
    assert postbuild.check_site(site) == 0
    assert page.read_text() == text, "running it again changes nothing"


def test_tex_error_fails_naming_page_and_formula(site: Path, capsys):
    (site / "page.html").write_text(
        '<html><head></head><body><span class="math">\\(x \\mathbbb{R}\\)</span></body></html>'
    )
    assert postbuild.check_site(site) == 1
    err = capsys.readouterr().err
    assert "page.html: TeX error" in err and "\\mathbbb" in err and "x \\\\mathbbb{R}" in err


HEADER_PAGE = """<html><head></head><body><div class="article-header-buttons">
<div class="dropdown dropdown-download-buttons"><button aria-label="Download this page"></button>
<ul><li><a href="../_sources/lectures/ch.ipynb">.ipynb</a></li></ul></div>
<button class="btn-fullscreen-button"></button></div><main>text</main></body></html>"""


def test_code_and_outputs_are_tab_stops_until_scanned(site: Path):
    page = site / "page.html"
    page.write_text(
        '<html><body><main><pre id="a">x = 1</pre><pre id="b" tabindex="-1">y</pre>'
        '<div class="cell_output"><div class="output">out</div></div><p>text</p></main>'
        "</body></html>"
    )
    assert postbuild.check_site(site) == 0
    soup = BeautifulSoup(page.read_text(), "html.parser")
    assert soup.select_one("#a")["tabindex"] == "0"
    assert soup.select_one("#b")["tabindex"] == "-1", "a tab index already set stays"
    assert soup.select_one(".output")["tabindex"] == "0"
    assert not soup.p.has_attr("tabindex")


def test_download_button_gives_the_course(site: Path):
    """The header's download button is the course's zip (relative), never the page's notebook."""
    (site / "lectures").mkdir()
    page = site / "lectures" / "ch.html"
    page.write_text(HEADER_PAGE)
    assert postbuild.check_site(site) == 0
    once = page.read_text()
    header = BeautifulSoup(once, "html.parser").select_one("div.article-header-buttons")
    links = header.find_all("a")
    assert [a["href"] for a in links] == ["../nn-course-student.zip"]
    assert links[0].has_attr("download") and "course" in links[0]["aria-label"]
    assert header.find(class_="btn-fullscreen-button"), "the other buttons stay"
    assert postbuild.check_site(site) == 0
    assert page.read_text() == once, "one button, however often postbuild runs"


# pydata-sphinx-theme 0.17's minified tail: the scan for scrollable elements at load
THEME_SCRIPT_TAIL = (
    'function I(){document.querySelectorAll("pre").forEach(e=>{e.tabIndex=0})}'
    '"complete"===document.readyState?I():window.addEventListener("load",I)'
)


def test_theme_scan_for_scrollable_elements_becomes_lazy(site: Path):
    script = site / "_static" / "scripts" / "pydata-sphinx-theme.js"
    script.parent.mkdir(parents=True)
    script.write_text(THEME_SCRIPT_TAIL)
    assert postbuild.check_site(site) == 0
    patched = script.read_text()
    assert 'window.addEventListener("load",I)' not in patched
    assert "IntersectionObserver" in patched
    assert postbuild.check_site(site) == 0
    assert script.read_text() == patched, "patched once"


def test_theme_script_without_the_scan_fails(site: Path, capsys):
    script = site / "_static" / "scripts" / "pydata-sphinx-theme.js"
    script.parent.mkdir(parents=True)
    script.write_text('window.addEventListener("load",somethingElse)')
    assert postbuild.check_site(site) == 1
    assert "TAB_STOP_SCAN" in capsys.readouterr().err


def test_theme_sheet_keeps_only_rules_that_can_apply(site: Path):
    sheet = site / trim_css.SHEETS[0]
    sheet.parent.mkdir(parents=True, exist_ok=True)
    sheet.write_text(
        "@font-face{font-family:x;src:url(x.woff2)}\n:root{--gap:1rem}\n"
        ".kept{color:red}\n.absent{color:blue}\n#absent-id{color:blue}\n"
        "[data-absent]{color:blue}\nsection[data-kind] .kept{color:green}\n"
        "a:hover .kept::before,.absent{content:'>'}\ndiv:not(.absent){margin:0}\n"
        ".shown{opacity:1}\n.bs-tip-auto{top:0}\n.bs-tip-sideways{top:1px}\n"
        "@media (min-width:40em){.absent{color:blue}.kept{color:teal}}\n"
        "@media print{.absent{display:none}}\n"
    )
    (site / "index.html").write_text(
        '<html><body><section data-kind="x"><div class="kept"><a href="#">a</a></div></section>'
        '<script src="_static/a.js"></script></body></html>'
    )
    (site / "_static" / "a.js").write_text(
        'el.classList.add("shown"); tip.classList.add(`bs-${name}-auto`); const name = "tip";'
    )
    trim_css.trim_site(site)
    trimmed = sheet.read_text()
    for kept in (
        "@font-face",
        "--gap",
        ".kept{color:red}",
        "section[data-kind] .kept",
        "a:hover .kept::before",
        "div:not(.absent)",
        ".shown",
        ".bs-tip-auto",
        "@media (min-width:40em)",
        "color:teal",
    ):
        assert kept in trimmed, kept
    for dropped in (
        ".absent{color:blue}",
        "#absent-id",
        "[data-absent]",
        ".bs-tip-sideways",
        "@media print",
    ):
        assert dropped not in trimmed, dropped
    trim_css.trim_site(site)
    assert sheet.read_text() == trimmed  # trimming again changes nothing
