"""Checks on the built site that Sphinx does not make, run by `make book` after the build.

    python scripts/postbuild.py _build/html        # check the site; exit 1 listing every offender
    python scripts/postbuild.py --explain-failure  # after a failed build: which notebook and cell

First it rewrites the pages (scripts/site_pages.py: demo frames into files of their own, text
alternatives for figures, the icon stylesheet instead of the Font Awesome script, accessibility
repairs of the theme's markup). Then it checks them, and trims the theme's style sheet to the
rules the site can use (scripts/trim_css.py). The site must work offline: no page may load
a script, a style sheet, a font, an image or a frame from another host (links to papers are fine:
they are not loaded). The vendored assets must be in place, nothing from solutions/ (nbgrader
solution or hidden-test blocks) may be published, no page may inline its images, and every image
has a text alternative.
"""

from __future__ import annotations

import argparse
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import site_pages  # noqa: E402
import trim_css  # noqa: E402
from vendor_assets import ICONS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "_build" / ".jupyter_cache"
REQUIRED_ASSETS = (
    "_vendor/mathjax/output/chtml/fonts/woff-v2",
    "_vendor/requirejs/require.js",
    "_vendor/html-manager/embed-amd.js",
    "_vendor/html-manager/require-config.js",
    site_pages.SITE_STYLESHEET,
)
# a demo built by an nnbook older than its frame files (its frames inlined in a script)
INLINE_IMAGE = re.compile(r"data:image/(?:png|jpeg|webp);base64,")
# The comment lines nbgrader puts around solutions and hidden tests in instructor notebooks
# (`### BEGIN SOLUTION`); none may reach the site, not even quoted.
SOLUTION_MARKER = re.compile(r"#{2,}\s*(?:BEGIN|END) (?:SOLUTION|HIDDEN TESTS)")
EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.I)
# (tag, attribute) pairs whose URL the browser fetches while loading the page
LOADED = {
    ("script", "src"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("audio", "src"),
    ("video", "src"),
    ("video", "poster"),
    ("input", "src"),
}
LOADED_LINK_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "manifest"}


class ExternalLoads(HTMLParser):
    """Collect the URLs of another host that loading the page would fetch."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if (tag, name) in LOADED and EXTERNAL.match(value):
                self.found.append(f"<{tag} {name}={value}>")
        rels = set(values.get("rel", "").lower().split())
        if tag == "link" and rels & LOADED_LINK_RELS and EXTERNAL.match(values.get("href", "")):
            self.found.append(f"<link rel={values['rel']} href={values['href']}>")
        if "style" in values:
            self.found.extend(
                f"style attribute: {url}" for url in CSS_EXTERNAL.findall(values["style"])
            )
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found.extend(f"<style>: {url}" for url in CSS_EXTERNAL.findall(data))


def external_loads(site: Path) -> list[str]:
    problems = []
    for page in sorted(site.rglob("*.html")):
        parser = ExternalLoads()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        problems.extend(f"{page.relative_to(site)}: {found}" for found in parser.found)
    for sheet in sorted(site.rglob("*.css")):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        problems.extend(f"{sheet.relative_to(site)}: {url}" for url in CSS_EXTERNAL.findall(text))
    return problems


def missing_assets(site: Path) -> list[str]:
    return [
        f"{asset} is missing: run `make assets` (npm ci + scripts/vendor_assets.py)"
        for asset in REQUIRED_ASSETS
        if not (site / asset).exists()
    ]


def published_solutions(site: Path) -> list[str]:
    problems = [
        f"{path.relative_to(site)}: comes from solutions/"
        for path in site.rglob("*")
        if "solutions" in path.relative_to(site).parts
    ]
    for path in sorted(site.rglob("*")):
        if path.suffix not in {".html", ".ipynb", ".md", ".txt", ".py"}:
            continue
        if "_vendor" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        problems.extend(
            f"{path.relative_to(site)}: contains '{marker}'"
            for marker in sorted(set(SOLUTION_MARKER.findall(text)))
        )
    return problems


def inlined_images(site: Path) -> list[str]:
    return [
        f"{page.relative_to(site)}: inlines images (built from a stale execution cache? "
        "`rm -rf _build/.jupyter_cache _build/.doctrees` and `make book` again)"
        for page in site_pages.html_pages(site)
        if INLINE_IMAGE.search(page.read_text(encoding="utf-8", errors="replace"))
    ]


def check_site(site: Path) -> int:
    if not (site / "index.html").is_file():
        print(f"postbuild: {site} has no index.html; did the build run?", file=sys.stderr)
        return 1
    sections = {
        "pages could not be repaired": site_pages.rewrite_site(site, set(ICONS)),
        "pages load something from another host (the site must work offline)": external_loads(site),
        "vendored front-end assets are missing": missing_assets(site),
        "instructor material reached the site": published_solutions(site),
        "pages inline their images instead of loading them when needed": inlined_images(site),
    }
    failed = False
    for title, problems in sections.items():
        if problems:
            failed = True
            print(f"postbuild: FAILED: {title}:", file=sys.stderr)
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
    if failed:
        return 1
    trimmed = trim_css.trim_site(site)
    pages = sum(1 for _ in site.rglob("*.html"))
    frames = len(list((site / site_pages.FRAMES_DIR).glob("*.png")))
    print(
        f"postbuild: OK: {pages} pages, {frames} demo frames in {site_pages.FRAMES_DIR}/, "
        "no external loads, assets vendored, no solutions, every image described"
    )
    for line in trimmed:
        print(f"postbuild: {line}")
    return 0


# ---- after a failed build -----------------------------------------------------------------------

CELL_SOURCE = re.compile(r"executing the following cell:\n-+\n(.*?)\n-+\n", re.DOTALL)


def failing_cell(notebook: Path, traceback: str) -> str:
    """Locate the failing cell of a notebook from nbclient's CellExecutionError text."""
    match = CELL_SOURCE.search(traceback)
    if not match:
        return "cell unknown"
    source = match.group(1).strip()
    try:
        import jupytext

        cells = jupytext.read(notebook).cells
    except Exception as error:  # noqa: BLE001 (an explanation must never crash)
        return f"cell unknown ({error})"
    for index, cell in enumerate(cells, start=1):
        if cell.cell_type == "code" and cell.source.strip() == source:
            return f"cell {index} of {len(cells)}"
    return "cell unknown"


def explain_failure(cache: Path = CACHE) -> int:
    """Print, for every notebook whose last execution failed, the cell and the error line."""
    try:
        from jupyter_cache import get_cache

        records = get_cache(cache).list_project_records() if cache.exists() else []
    except Exception as error:  # noqa: BLE001
        print(f"postbuild: could not read the execution cache {cache}: {error}", file=sys.stderr)
        return 1
    failures = [record for record in records if record.traceback]
    if not failures:
        print(
            "postbuild: the build failed, but no notebook failed to execute: see the warnings above"
        )
        return 1
    for record in failures:
        notebook = Path(record.uri)
        error_lines = [line for line in record.traceback.strip().splitlines() if line.strip()]
        last = re.sub(r"\x1b\[[0-9;]*m", "", error_lines[-1]) if error_lines else "?"
        shown = notebook.relative_to(ROOT) if notebook.is_relative_to(ROOT) else notebook
        where = failing_cell(notebook, record.traceback)
        print(f"postbuild: FAILED notebook {shown}, {where}: {last}")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--explain-failure", action="store_true", help="after a failed build")
    args = parser.parse_args(argv)
    if args.explain_failure:
        return explain_failure()
    return check_site(args.site)


if __name__ == "__main__":
    sys.exit(main())
