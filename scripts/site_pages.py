"""What postbuild.py changes in the built pages, so that they open fast and serve every reader.

Jupyter Book writes the pages; this module rewrites each of them once more, in place (running it
again changes nothing):

- demo frames leave the page: ``nnbook.base.Demo.static_html`` keeps every frame in the notebook's
  output as a ``data:`` URL (so a page rebuilt from the execution cache still has them all); here
  each frame becomes a file ``_demos/<sha256>.png`` (content-addressed: the same frame is stored
  once and stays cacheable) and the page keeps only the file names. Frames no page uses any more
  are deleted;
- every figure gets a text alternative: matplotlib outputs carry a description of themselves in
  their PNG (``nnbook.base.describe_figure``), which becomes the ``alt`` of their ``<img>``;
- nothing holds up the first paint that the reader does not need to start reading: the theme's
  1.5 MB Font Awesome script gives way to a stylesheet of the few icons it uses
  (``scripts/vendor_assets.py``); the theme's small scripts in <head> are deferred (Sphinx's
  ``documentation_options.js``, which an inline script needs at once, is inlined instead);
- the maths is typeset here, once, by MathJax in node (``typeset_math.js``): each formula becomes
  MathJax's CommonHTML with hidden MathML for screen readers, each page gets the stylesheet of the
  characters it uses, and the MathJax script is dropped. A reader's browser runs no MathJax (on a
  phone it spent seconds typesetting a chapter, and moved the text as it did); a TeX error fails
  the build, naming the page and the formula;
- no script lays out the whole page: the theme's scan for scrollable code and outputs (which
  reads the size of every one of them when the page loads, forcing the layout of the sections that
  ``content-visibility: auto`` would otherwise skip, about a second of main-thread work on a long
  chapter on a phone) looks at each only as it comes near the screen. Until then each is a tab
  stop (``tabindex="0"``, written here), so that a keyboard reaches every one that scrolls;
- one way to get the course: the header's download button gives the course's zip (what the Setup
  page links to), not the page's lone notebook, which cannot run without the rest of the course;
- accessibility repairs of the theme's markup: a name for the table of contents' expand toggles
  (empty ``<summary>``), accessible names that contain the visible text, the sidebar inside a
  landmark, no empty table header cell, and bibliography entries that are list items.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString

FRAMES_DIR = "_demos"
DATA_URL = re.compile(r"^data:image/png;base64,([A-Za-z0-9+/=]+)$")
SITE_STYLESHEET = "_vendor/site/site.css"
ICON_SCRIPT = re.compile(r"(^|/)fontawesome\.js(\?|$)")
OPTIONS_SCRIPT = re.compile(r"(^|/)documentation_options\.js(\?|$)")
MATHJAX_SCRIPT = re.compile(r"(^|/)mathjax/tex-chtml\.js(\?|$)")
MATHJAX_CONFIG = re.compile(r"^\s*window\.MathJax\s*=")
TYPESETTER = Path(__file__).resolve().parent / "typeset_math.js"
#: Sphinx writes each formula as the only text of a ``.math`` element (a display formula may also
#: hold its equation number): \(inline\) or \[display\].
TEX = re.compile(r"^\s*\\\((?P<inline>.*)\\\)\s*$|^\s*\\\[(?P<display>.*)\\\]\s*$", re.S)
FONT_URL = "_vendor/mathjax/output/chtml/fonts/woff-v2"  # relative to the site root
MATH_STYLE_ID = "MJX-CHTML-styles"
# In a browser MathJax scales each formula to the x-height of the text around it; at build time
# there is no font to measure. The theme's system-ui fonts have x-heights of about 0.50 to 0.56 em
# (Segoe UI, Roboto, San Francisco, DejaVu Sans) against the TeX fonts' 0.442 em, a scale of 113%
# to 127% (MathJax chose 127% in Debian's chromium), so the pages set the maths at 120%.
MATH_SCALE = 'mjx-container[jax="CHTML"] { font-size: 120%; }'
# classes that set an icon's style or size, not which icon it is
ICON_MODIFIERS = {"fa-solid", "fa-regular", "fa-brands", "fa-lg", "fa-fw", "fa-xs", "fa-sm"}
DESCRIPTION_KEY = "Description"  # nnbook.base.DESCRIPTION_KEY
THEME_SCRIPT = "_static/scripts/pydata-sphinx-theme.js"
# pydata-sphinx-theme 0.17's (minified) start of addTabStopsToScrollableElements, now or on load
TAB_STOP_SCAN = re.compile(
    r'"complete"===document\.readyState\?(?P<f>\w+)\(\):'
    r'window\.addEventListener\("load",(?P=f)\)'
)
LAZY_MARKER = "/*nnlib:lazy-tab-stops*/"
SCROLLABLES = (
    "pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon, "
    ".pst-scrollable-table-container"
)
# The same rule as the theme's (a code block or output that scrolls is a tab stop, one that does
# not is none), applied to each element once it is within 300 px of the screen, again when the
# window resizes or the main content changes (widgets render late).
LAZY_TAB_STOPS = (
    LAZY_MARKER + f"(function(){{var q='{SCROLLABLES}',t=null;"
    "if(!('IntersectionObserver' in window))return;"
    "var seen=new IntersectionObserver(function(es){es.forEach(function(e){if(!e.isIntersecting)"
    "return;var el=e.target;el.tabIndex=el.scrollWidth>el.clientWidth||"
    "el.scrollHeight>el.clientHeight?0:-1;});},{rootMargin:'300px 0px'});"
    "function watch(){seen.disconnect();document.querySelectorAll(q).forEach(function(el){"
    "seen.observe(el);});}"
    "function later(){clearTimeout(t);t=setTimeout(watch,300);}"
    "watch();window.addEventListener('resize',later);"
    "var main=document.getElementById('main-content');"
    "if(main)new MutationObserver(later).observe(main,{subtree:true,childList:true});})()"
)
COURSE_ZIP = "nn-course-student.zip"  # student_edition.NAME, built into the site's root
COURSE_BUTTON = "nnlib-course-download"
COURSE_TITLE = "Download the course: every chapter and exercise, with nnlib and the demos (zip)"


def html_pages(site: Path) -> list[Path]:
    """Every HTML page of the site, the vendored and theme assets aside."""
    skipped = {"_vendor", "_static", "_sources", FRAMES_DIR}
    return [
        page
        for page in sorted(site.rglob("*.html"))
        if not skipped & set(page.relative_to(site).parts)
    ]


def _url(site: Path, page: Path, target: str) -> str:
    """The relative URL from a page to a file given relative to the site root."""
    return Path(os.path.relpath(site / target, page.parent)).as_posix()


# ---- demo frames ---------------------------------------------------------------------------------


def move_demo_frames(soup: BeautifulSoup, site: Path, page: Path, used: set[str]) -> int:
    """Write each demo's data: frames to _demos/ and point the page at the files; count frames."""
    moved = 0
    for block in soup.select("script.nnlib-demo-frames"):
        frames = json.loads(block.string or "{}")
        urls = {}
        for key, value in frames.items():
            match = DATA_URL.match(value)
            if not match:  # already a file (postbuild ran before on this page)
                urls[key] = value
                used.add(Path(value).name)
                continue
            png = base64.b64decode(match.group(1))
            name = f"{hashlib.sha256(png).hexdigest()[:20]}.png"
            target = site / FRAMES_DIR / name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(png)
            urls[key] = _url(site, page, f"{FRAMES_DIR}/{name}")
            used.add(name)
            moved += 1
        block.string = json.dumps(urls, separators=(",", ":"))
        demo = block.find_parent(attrs={"data-nnlib-demo": True})
        # the frame shown first: the <img>, and the <source> of its portrait layout (if any)
        for element, attribute in (("img.nnlib-demo-frame", "src"), ("picture source", "srcset")):
            shown = demo.select_one(element) if demo else None
            if shown is not None and DATA_URL.match(shown.get(attribute, "")):
                payload = DATA_URL.match(shown[attribute]).group(1)
                key = next((k for k, v in frames.items() if v.endswith(payload)), None)
                if key is not None:
                    shown[attribute] = urls[key]
    return moved


def delete_unused_frames(site: Path, used: set[str]) -> int:
    folder = site / FRAMES_DIR
    unused = [f for f in folder.glob("*.png") if f.name not in used] if folder.is_dir() else []
    for frame in unused:
        frame.unlink()
    return len(unused)


# ---- figures ------------------------------------------------------------------------------------


def png_description(path: Path) -> str | None:
    """The description nnbook.base stored in a figure's PNG, if any."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return (getattr(image, "text", None) or {}).get(DESCRIPTION_KEY)
    except (OSError, ValueError):
        return None


def describe_images(soup: BeautifulSoup, page: Path) -> list[str]:
    """Give each image without a real alt its figure's description; list those left without."""
    missing = []
    for image in soup.find_all("img"):
        src, alt = image.get("src", ""), (image.get("alt") or "").strip()
        placeholder = not alt or alt == src or alt.endswith((".png", ".svg", ".jpg", ".jpeg"))
        if not placeholder or src.startswith("data:"):
            continue
        description = png_description(page.parent / src) if src.endswith(".png") else None
        if description:
            image["alt"] = description
        else:
            missing.append(src)
    return missing


def lazy_images(soup: BeautifulSoup, page: Path) -> None:
    """Figures load as they come near the screen, with their size known in advance (no shift)."""
    from PIL import Image

    for image in soup.find_all("img"):
        src = image.get("src", "")
        if src.startswith("data:") or image.has_attr("loading"):
            continue
        image["loading"] = "lazy"
        image["decoding"] = "async"
        path = page.parent / src
        if path.suffix == ".png" and path.is_file() and not image.has_attr("width"):
            with Image.open(path) as picture:
                image["width"], image["height"] = (str(n) for n in picture.size)


# ---- weight ------------------------------------------------------------------------------------


def replace_icon_script(soup: BeautifulSoup, site: Path, page: Path) -> None:
    """Drop the theme's Font Awesome script; link the small icon stylesheet instead."""
    scripts = [s for s in soup.find_all("script", src=True) if ICON_SCRIPT.search(s["src"])]
    for script in scripts:
        script.decompose()
    for link in soup.find_all("link", href=True):
        if ICON_SCRIPT.search(link["href"]):
            link.decompose()
    href = _url(site, page, SITE_STYLESHEET)
    if scripts and soup.head and not soup.head.find("link", href=href):
        soup.head.append(soup.new_tag("link", rel="stylesheet", href=href))


def defer_head_scripts(soup: BeautifulSoup, page: Path) -> None:
    """No script in <head> blocks the parser: each waits until the page has been read.

    Sphinx's documentation_options.js defines the object that the next inline script fills in,
    so it is inlined rather than deferred.
    """
    if soup.head is None:
        return
    for script in soup.head.find_all("script", src=True):
        if OPTIONS_SCRIPT.search(script["src"]):
            source = page.parent / script["src"].split("?")[0]
            if source.is_file():
                del script["src"]
                script.string = source.read_text(encoding="utf-8")
                continue
        if not script.has_attr("async") and script.get("type", "text/javascript") in {
            "text/javascript",
            "application/javascript",
        }:
            script["defer"] = ""


def unknown_icons(soup: BeautifulSoup, known: set[str]) -> set[str]:
    names = set()
    for element in soup.find_all(class_=re.compile(r"^fa-")):
        names.update(c for c in element.get("class", []) if c.startswith("fa-"))
    return {n for n in names - ICON_MODIFIERS if n[3:] not in known}


def lazy_tab_stops(site: Path) -> list[str]:
    """Make the theme's scan for scrollable elements lazy (once per site); say if it cannot."""
    script = site / THEME_SCRIPT
    if not script.is_file():
        return []
    text = script.read_text(encoding="utf-8")
    if LAZY_MARKER in text:
        return []
    patched, count = TAB_STOP_SCAN.subn(lambda _match: LAZY_TAB_STOPS, text)
    if count != 1:
        return [
            f"{THEME_SCRIPT}: the theme's scan for scrollable elements was not found "
            "(pydata-sphinx-theme changed?): update site_pages.TAB_STOP_SCAN"
        ]
    script.write_text(patched, encoding="utf-8")
    return []


def scrollables_are_tab_stops(soup: BeautifulSoup) -> None:
    """Every element the theme's scan looks at is a tab stop until the scan has seen it."""
    for element in soup.select(SCROLLABLES):
        if not element.has_attr("tabindex"):
            element["tabindex"] = "0"


# ---- getting the course -------------------------------------------------------------------------


def course_download_button(soup: BeautifulSoup, site: Path, page: Path) -> None:
    """The header's download button gives the course's zip (the theme's gave the page's source)."""
    header = soup.select_one("div.article-header-buttons")
    if header is None or header.select_one(f"a.{COURSE_BUTTON}"):
        return
    button = soup.new_tag(
        "a",
        href=_url(site, page, COURSE_ZIP),
        download="",
        title=COURSE_TITLE,
        attrs={
            "class": f"btn btn-sm pst-navbar-icon {COURSE_BUTTON}",
            "aria-label": COURSE_TITLE,
            "data-bs-toggle": "tooltip",
            "data-bs-placement": "bottom",
        },
    )
    icon = soup.new_tag("span", attrs={"class": "btn__icon-container"})
    icon.append(soup.new_tag("i", attrs={"class": "fas fa-download"}))
    button.append(icon)
    dropdowns = header.select("div.dropdown-download-buttons")
    if dropdowns:  # the theme's button: the page's source
        dropdowns[0].replace_with(button)
        for dropdown in dropdowns[1:]:
            dropdown.decompose()
    else:
        header.insert(0, button)


# ---- accessibility -----------------------------------------------------------------------------


def _visible_text(element) -> str:
    return " ".join(element.get_text(" ").split())


def name_toc_toggles(soup: BeautifulSoup) -> None:
    """An empty <summary> (the table of contents' expand arrow) says what it expands."""
    for summary in soup.find_all("summary"):
        if _visible_text(summary) or summary.get("aria-label"):
            continue
        item = summary.find_parent("li")
        link = item.find("a") if item else None
        section = _visible_text(link) if link else "this section"
        summary["aria-label"] = f"Pages of {section}"


def names_contain_visible_text(soup: BeautifulSoup) -> None:
    """A control's accessible name contains the text it shows (speech input users say that)."""
    for element in soup.find_all(attrs={"aria-label": True}):
        if element.name not in {"button", "a", "summary"}:
            continue
        label, visible = element["aria-label"].strip(), _visible_text(element)
        if not visible or visible.lower() in label.lower():
            continue
        if element.name == "summary":
            # myst-nb's "Show/Hide code cell output": one of two texts shows, and names it
            del element["aria-label"]
            continue
        if label.lower() in visible.lower():
            del element["aria-label"]  # the visible text alone names it, and says more
        else:
            element["aria-label"] = f"{visible}: {label}"


def sidebar_in_landmark(soup: BeautifulSoup) -> None:
    """The primary sidebar (book title, search, chapters) is navigation, a landmark."""
    for sidebar in soup.select("div.bd-sidebar-primary"):
        sidebar["role"] = "navigation"
        sidebar["aria-label"] = "Book"


def no_empty_header_cells(soup: BeautifulSoup) -> None:
    """An empty table header cell heads nothing: it becomes an ordinary (empty) cell."""
    for cell in soup.find_all("th"):
        if not _visible_text(cell) and not cell.find(["img", "svg"]):
            cell.name = "td"


def bibliography_as_list(soup: BeautifulSoup) -> None:
    """Entries of a role="list" citation list are its list items (doc-biblioentry is deprecated)."""
    for citation_list in soup.select('[role="list"]'):
        for entry in citation_list.find_all(attrs={"role": "doc-biblioentry"}, recursive=False):
            entry["role"] = "listitem"


# ---- maths ---------------------------------------------------------------------------------------


def formulas(soup: BeautifulSoup) -> list[tuple[NavigableString, str, bool]]:
    """The formulas still written in TeX: (text node, TeX, display?)."""
    found = []
    for element in soup.select(".math"):
        for text in element.find_all(string=True, recursive=False):
            match = TEX.match(text)
            if match:
                display = match["display"] is not None
                found.append((text, match["display"] if display else match["inline"], display))
    return found


def run_typesetter(pages: list[list[tuple[str, bool]]]) -> list[dict]:
    """typeset_math.js on every page's formulas: per page, HTML and error per formula, and CSS
    whose fonts are at FONT_URL."""
    request = json.dumps(
        {
            "fontURL": FONT_URL,
            "pages": [[{"tex": tex, "display": d} for tex, d in page] for page in pages],
        }
    )
    run = subprocess.run(
        ["node", str(TYPESETTER)], input=request, capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        raise RuntimeError(f"{TYPESETTER.name} failed: {run.stderr.strip()[-2000:]}")
    return json.loads(run.stdout)


def typeset_maths(soups: dict[Path, BeautifulSoup], site: Path) -> list[str]:
    """Replace every page's TeX by typeset HTML and give the page its stylesheet; return the TeX
    errors as problems ("page: TeX error '...' in '<formula>'")."""
    found = {page: formulas(soup) for page, soup in soups.items()}
    pages = [page for page, maths in found.items() if maths]
    if not pages:
        return []
    results = run_typesetter([[(tex, d) for _, tex, d in found[page]] for page in pages])
    problems = []
    for page, result in zip(pages, results, strict=True):
        soup = soups[page]
        for (text, tex, display), html, error in zip(
            found[page], result["html"], result["errors"], strict=True
        ):
            if error:
                problems.append(f"{page.relative_to(site)}: TeX error {error!r} in {tex!r}")
            fragment = BeautifulSoup(html, "html.parser")
            if display:  # a wide formula scrolls sideways: keyboards must reach it (as MathJax's
                fragment.find("mjx-container")["tabindex"] = "0"  # menu makes every formula)
            text.replace_with(fragment)
        fonts = _url(site, page, FONT_URL)
        style = soup.new_tag("style", id=MATH_STYLE_ID)
        style.string = result["css"].replace(f'url("{FONT_URL}/', f'url("{fonts}/') + MATH_SCALE
        if soup.head:  # a typeset page has no TeX left, so it never comes here twice
            soup.head.append(style)
    return problems


def drop_mathjax(soup: BeautifulSoup) -> None:
    """The MathJax script and its configuration: the maths is typeset already."""
    for script in soup.find_all("script"):
        source = script.get("src", "")
        if MATHJAX_SCRIPT.search(source) or MATHJAX_CONFIG.match(script.string or ""):
            script.decompose()


# ---- one page, the whole site ------------------------------------------------------------------


def rewrite_page(
    page: Path, soup: BeautifulSoup, site: Path, used_frames: set[str], icons: set[str]
) -> list[str]:
    """Rewrite one parsed page (its maths typeset already); return what could not be repaired."""
    move_demo_frames(soup, site, page, used_frames)
    problems = [f"{src}: image without a text alternative" for src in describe_images(soup, page)]
    lazy_images(soup, page)
    course_download_button(soup, site, page)
    scrollables_are_tab_stops(soup)
    replace_icon_script(soup, site, page)
    drop_mathjax(soup)
    defer_head_scripts(soup, page)
    problems.extend(
        f"icon fa-{n[3:]} is not in scripts/vendor_assets.py ICONS"
        for n in sorted(unknown_icons(soup, icons))
    )
    name_toc_toggles(soup)
    names_contain_visible_text(soup)
    sidebar_in_landmark(soup)
    no_empty_header_cells(soup)
    bibliography_as_list(soup)
    return problems


def rewrite_site(site: Path, icons: set[str]) -> list[str]:
    """Rewrite every page in place; delete frames no page uses; return the problems, page by
    page. The maths of all pages goes to MathJax in one batch."""
    used: set[str] = set()
    texts = {page: page.read_text(encoding="utf-8") for page in html_pages(site)}
    soups = {page: BeautifulSoup(text, "html.parser") for page, text in texts.items()}
    problems = typeset_maths(soups, site) + lazy_tab_stops(site)
    for page, soup in soups.items():
        found = rewrite_page(page, soup, site, used, icons)
        problems.extend(f"{page.relative_to(site)}: {p}" for p in found)
        rewritten = str(soup)
        if rewritten != texts[page]:
            page.write_text(rewritten, encoding="utf-8")
    delete_unused_frames(site, used)
    return problems
