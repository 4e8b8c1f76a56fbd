"""scripts/postbuild.py catches what it promises to catch (on tiny synthetic sites)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("postbuild", ROOT / "scripts" / "postbuild.py")
postbuild = importlib.util.module_from_spec(spec)
spec.loader.exec_module(postbuild)


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
    (site / "_vendor" / "mathjax" / "tex-chtml.js").unlink()
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
