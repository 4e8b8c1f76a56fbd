"""Copy the front-end assets the site needs from node_modules/ into _vendor/_vendor/.

`make book` runs `npm ci` (package.json pins the versions) and then this script. `_config.yml`
lists `_vendor` in `html_extra_path`, so Sphinx copies the tree into the site root and the pages
load everything from `_build/html/_vendor/`: nothing is fetched from a CDN. The assets never go into
a `_static/` folder of the sources, because Jupyter Book injects every script found there into every
page.

Usage: python scripts/vendor_assets.py [--node-modules node_modules] [--dest _vendor]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent

# package directory -> files or folders (relative to the package) to copy, and where to put them
ASSETS: dict[str, tuple[str, list[str]]] = {
    "mathjax": (
        "mathjax",
        [
            "LICENSE",
            # the web fonts of the maths that scripts/typeset_math.js typesets at build time
            # (readers' browsers run no MathJax script)
            "es5/output/chtml/fonts/woff-v2",
        ],
    ),
    "requirejs": ("requirejs", ["require.js"]),
    "@jupyter-widgets/html-manager": (
        "html-manager",
        # embed-amd.js plus the font files its bundled CSS refers to (siblings in dist/)
        [
            "dist/embed-amd.js",
            "dist/libembed-amd.js",
            "dist/*.woff2",
            "dist/*.woff",
            "dist/*.ttf",
            "dist/*.eot",
            "dist/*.svg",
            "LICENSE",
        ],
    ),
}


# embed-amd.js derives the URL of its fonts from its require.js module URL; without this mapping
# require.js resolves the module name relative to the page and every font request fails.
REQUIRE_CONFIG = """(function () {
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  require.config({paths: {"@jupyter-widgets/html-manager/dist": here.replace(/\\/$/, "")}});
})();
"""


# The site's own small stylesheet (postbuild.py links it from every page), made of two parts.
# The theme's icons: pydata-sphinx-theme loads all of Font Awesome as a 1.5 MB script that swaps
# every <i class="fa-..."> for an SVG; postbuild.py drops that script, and this stylesheet draws the
# same icons (Font Awesome Free 6.5.2, the theme's version) as CSS masks, in a few kB. postbuild
# fails the build if a page uses an icon missing here: add its name (its file in
# node_modules/@fortawesome/fontawesome-free/svgs/solid/).
ICONS = (
    "angle-left",
    "angle-right",
    "arrow-up",
    "bars",
    "bell",
    "chevron-down",
    "circle-exclamation",
    "circle-info",
    "circle-xmark",
    "circle-half-stroke",
    "compress",
    "download",
    "expand",
    "file",
    "file-pdf",
    "lightbulb",
    "list",
    "magnifying-glass",
    "moon",
    "outdent",
    "pencil",
    "share",
    "sun",
    "triangle-exclamation",
    "xmark",
)
SITE_STYLESHEET = "site/site.css"
ICON_BASE_CSS = """/* Font Awesome Free 6.5.2 icons (CC BY 4.0) drawn as CSS masks */
.fa-solid,.fas,.fa-regular,.far{display:inline-block;width:1em;height:1em;vertical-align:-0.125em;
background-color:currentColor;-webkit-mask:var(--nn-icon) center/contain no-repeat;
mask:var(--nn-icon) center/contain no-repeat}
.fa-lg{vertical-align:-0.2em}
.fa-solid::before,.fas::before,.fa-regular::before,.far::before{content:none!important}
.admonition>.admonition-title::after,div.admonition>.admonition-title::after{content:""!important;
font:inherit!important;width:1em;height:1em;top:50%;transform:translateY(-50%);
background-color:currentColor;-webkit-mask:var(--nn-admonition-icon) center/contain no-repeat;
mask:var(--nn-admonition-icon) center/contain no-repeat}
.bd-sidebar-secondary.hide:not(:hover) .onthispage::after{content:"\\25BE"!important;
font-family:inherit!important}
"""
# Reading first: the browser lays out and paints a chapter's sections (thousands of elements: code
# highlighting, typeset maths) only when they come near the screen; the placeholder height keeps
# the scroll bar roughly right until then. Code cells get the same, inside a section near the
# screen: on a phone the first layout after loading then covers the screenful being read, not
# the whole section (chapter 1's blocking time on Lighthouse's phone: about 220 to 90 ms).
# Figures carry their size (postbuild), scaled to fit.
# Links a shade darker than the theme's #176de8, which has too little contrast (4.3:1) on the light
# grey of outputs and admonitions. Demo controls at least 24 px high: a finger can hit each one.
READING_CSS = """.bd-article > section > section{content-visibility:auto;
contain-intrinsic-size:auto 1500px}
.bd-article div.cell{content-visibility:auto;contain-intrinsic-size:auto 300px}
.bd-article img[width][height]{height:auto}
html[data-theme=light]{--pst-color-link:#1a62c9}
.nnlib-demo input[type=range],.nnlib-demo select{min-height:24px}
"""
# The theme draws each admonition's icon with the Font Awesome web font (156 kB); these masks draw
# the same icons, so that no page needs the font. Classes as in pydata-sphinx-theme's CSS.
ADMONITION_ICONS = {
    "": "bell",
    "note": "circle-info",
    "seealso": "share",
    "tip": "lightbulb",
    "hint": "lightbulb",
    "important": "circle-exclamation",
    "attention": "circle-exclamation",
    "caution": "triangle-exclamation",
    "warning": "triangle-exclamation",
    "danger": "triangle-exclamation",
    "error": "circle-xmark",
    "admonition-todo": "pencil",
}


def site_stylesheet(svg_dir: Path) -> tuple[str, list[str]]:
    """The site's CSS (READING_CSS, ICONS drawn from Font Awesome's SVGs); the icons not found."""
    rules, missing, svgs = [READING_CSS, ICON_BASE_CSS], [], []
    for name in ICONS:
        svg = svg_dir / f"{name}.svg"
        if not svg.is_file():
            missing.append(f"{svg} not found")
            continue
        text = re.sub(r"<!--.*?-->", "", svg.read_text(encoding="utf-8"), flags=re.DOTALL)
        svgs.append(f'--nn-svg-{name}:url("data:image/svg+xml,{quote(text.strip())}")')
        rules.append(f".fa-{name}{{--nn-icon:var(--nn-svg-{name})}}")
    rules.insert(0, ":root{" + ";\n".join(svgs) + "}")
    for kind, name in ADMONITION_ICONS.items():
        selector = f".admonition.{kind}" if kind else ".admonition"
        rules.append(f"{selector}{{--nn-admonition-icon:var(--nn-svg-{name})}}")
    return "\n".join(rules) + "\n", missing


def copy_entry(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)


def vendor(node_modules: Path, dest: Path) -> list[str]:
    """Copy every listed asset; return the problems (missing packages or files)."""
    problems = []
    for package, (name, entries) in ASSETS.items():
        package_dir = node_modules / package
        if not package_dir.is_dir():
            problems.append(f"{package_dir} is missing: run `npm ci` first")
            continue
        for entry in entries:
            matches = sorted(package_dir.glob(entry))
            if not matches and entry != "LICENSE":
                problems.append(f"{package_dir / entry} not found")
            for source in matches:
                relative = source.relative_to(package_dir)
                if relative.parts[0] in ("es5", "dist"):
                    relative = Path(*relative.parts[1:])
                copy_entry(source, dest / name / relative)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    parser.add_argument("--dest", type=Path, default=ROOT / "_vendor")
    args = parser.parse_args(argv)
    site_dir = args.dest / "_vendor"  # html_extra_path copies the contents of --dest to the site
    if site_dir.exists():
        shutil.rmtree(site_dir)
    problems = vendor(args.node_modules, site_dir)
    if not problems:
        (site_dir / "html-manager" / "require-config.js").write_text(REQUIRE_CONFIG)
        svg_dir = args.node_modules / "@fortawesome" / "fontawesome-free" / "svgs" / "solid"
        css, missing = site_stylesheet(svg_dir)
        problems.extend(missing)
        (site_dir / SITE_STYLESHEET).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / SITE_STYLESHEET).write_text(css)
    for problem in problems:
        print(f"vendor_assets: {problem}", file=sys.stderr)
    if problems:
        return 1
    size = sum(f.stat().st_size for f in site_dir.rglob("*") if f.is_file())
    print(f"vendor_assets: {site_dir} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
