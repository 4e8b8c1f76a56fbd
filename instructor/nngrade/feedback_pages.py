"""Feedback pages for every student who handed something in, ready to go back to the LMS.

- Graded submissions: nbgrader's `generate_feedback` with hidden tests stripped
  (:class:`nngrade.feedback.StripHiddenTests`).
- Submissions that could not be graded (no readable notebook, a notebook missing): a page per
  notebook saying why, with the score 0.
- Every page is self-contained and light: nbgrader's template loads MathJax 2 from a CDN; instead
  the maths is typeset when the page is written, by the site's own typesetter
  (`scripts/typeset_math.js`, MathJax 3 in node): CommonHTML with hidden MathML, the page's
  stylesheet of the characters it uses, the fonts it needs cut down to those characters (fontTools)
  and inlined, no script. Pages with the same formulas are typeset once. The 117 kB of
  Bootstrap that nbgrader's template inlines give way to a few rules, syntax-highlighting spans
  that style nothing are unwrapped, and any resource from another host is dropped.
- `feedback-upload/<assignment>/` and `feedback-upload/<assignment>.zip` hold the same pages named
  as the LMS download named the submission (`.ipynb` becomes `.html`), which is what Canvas's
  "Re-upload submissions" and Moodle's "Upload multiple feedback files in a zip" match on.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import nngrade
from nngrade.course import (
    Course,
    CourseError,
    check,
    master_notebooks,
    quiet_nbgrader,
    total_points,
)
from nngrade.intake import MISSING, UNPLACED, load_report

TYPESETTER = Path("scripts", "typeset_math.js")  # the site's, in the repository nngrade is in
FONTS = Path("node_modules", "mathjax", "es5", "output", "chtml", "fonts", "woff-v2")
FONT_URL = "mathjax-fonts"  # a placeholder, replaced by each font's data: URL
NBGRADER_MATHJAX = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S
)
EXTERNAL_RESOURCE = re.compile(
    r"""<script\b[^>]*\bsrc=["']?(?:https?:)?//[^>]*>\s*</script>"""
    r"""|<link\b[^>]*\bhref=["']?(?:https?:)?//[^>]*>"""
    r"""|@import\s+url\(["']?(?:https?:)?//[^)]*\);?""",
    re.I,
)
EXTERNAL_IMAGE = re.compile(r"""(<img\b[^>]*?)\bsrc=["']?(?:https?:)?//[^"'\s>]*["']?""", re.I)
#: TeX in the text of a rendered markdown cell, as Jupyter reads it: $$..$$, \[..\], \(..\), $..$
TEX = re.compile(
    r"\$\$(?P<d1>.+?)\$\$|\\\[(?P<d2>.+?)\\\]|\\\((?P<i2>.+?)\\\)|(?<![\\$])\$(?P<i1>[^$]+?)(?<!\\)\$",
    re.S,
)
#: nbgrader's feedback template inlines all of Bootstrap 3 (117 kB) for a page that uses a dozen
#: of its classes: these rules replace it.
PAGE_STYLE = """<style>
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #222; margin: 0; padding: 1em 0; }
.container { max-width: 980px; margin: 0 auto; padding: 0 15px; }
.container .container { max-width: none; padding: 0; }
.panel { border: 1px solid #ddd; border-radius: 4px; margin-bottom: 1.2em; background: #fff; }
.panel-heading { padding: 8px 15px; border-bottom: 1px solid #ddd; background: #f5f5f5; }
.panel-primary { border-color: #337ab7; }
.panel-primary > .panel-heading { background: #337ab7; color: #fff; border-color: #337ab7; }
.panel-body { padding: 15px; }
.pull-right { float: right; }
h1, h2, h3, h4 { line-height: 1.2; margin: 0.8em 0 0.5em; }
h4 { font-size: 18px; }
a { color: #23527c; }
pre, code { font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
pre { white-space: pre-wrap; word-wrap: break-word; margin: 0; padding: 6px; }
code { background: #f4f4f4; padding: 1px 3px; border-radius: 3px; }
.input_area { background: #f7f7f7; border: 1px solid #cfcfcf; border-radius: 2px; }
.prompt { display: none; }
.cell { margin: 0.6em 0; }
.output_area pre { background: #fff; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; }
</style>"""
#: the maths at 120%, as the site sets it (scripts/site_pages.py MATH_SCALE explains why)
MATH_SCALE = 'mjx-container[jax="CHTML"] { font-size: 120%; }'
PLAIN_SPAN = re.compile(r'<span class="(?:n|p)">([^<]*)</span>')


def _repository() -> Path:
    return Path(nngrade.__file__).resolve().parents[2]


def typeset(pages: dict[Path, str]) -> dict[Path, str]:
    """Every page with its TeX typeset by the site's typesetter (`scripts/typeset_math.js`,
    MathJax 3 in node, one run for all pages): CommonHTML with hidden MathML, the page's own
    stylesheet, the fonts it uses inlined, and no MathJax script. A page without maths only loses
    MathJax. The rest of the page is left byte for byte."""
    found = {page: list(_formulas(text)) for page, text in pages.items()}
    asked = {page: tuple((tex, display) for _, _, tex, display in found[page]) for page in pages}
    unique = sorted({formulas for formulas in asked.values() if formulas})  # most pages share
    typeset_once = dict(zip(unique, _run_typesetter([list(u) for u in unique]), strict=True))
    results = {page: typeset_once[asked[page]] for page in pages if asked[page]}
    out = {}
    for page, text in pages.items():
        style = ""
        if page in results:
            pieces, at = [], 0
            for (start, end, _, _), typeset_html in zip(
                found[page], results[page]["html"], strict=True
            ):
                pieces += [text[at:start], typeset_html]
                at = end
            text = "".join(pieces) + text[at:]
            css = _inline_fonts(results[page]["css"])
            style = f'<style id="MJX-CHTML-styles">{css}{MATH_SCALE}</style>'
        out[page] = NBGRADER_MATHJAX.sub(lambda _, style=style: style, text, count=1)
    return out


TAG = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][\w-]*)([^>]*)>", re.S)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
VERBATIM = {"code", "pre", "script", "style", "textarea"}


def _formulas(page: str):
    """(start, end, TeX, display?) of every formula in the text of the page's rendered markdown
    (elements of class `rendered_html`), outside code: HTML entities in the TeX decoded, as a
    browser's MathJax would read it. A small scan of the tags, not a parser: nbconvert's HTML."""
    open_tags: list[tuple[str, bool]] = []  # (name, is rendered markdown)
    at = 0
    for tag in TAG.finditer(page):
        inside = any(markdown for _, markdown in open_tags)
        if inside and tag.start() > at and not any(n in VERBATIM for n, _ in open_tags):
            yield from _formulas_in(page, at, tag.start())
        at = tag.end()
        closing, name = tag[1], (tag[2] or "").lower()
        if not name or name in VOID or (tag[3] or "").rstrip().endswith("/"):
            continue
        if closing:
            while open_tags and open_tags.pop()[0] != name:
                pass
        else:
            open_tags.append((name, "rendered_html" in (tag[3] or "")))


def _formulas_in(page: str, start: int, end: int):
    for match in TEX.finditer(page, start, end):
        display = match["d1"] is not None or match["d2"] is not None
        tex = next(g for g in (match["d1"], match["d2"], match["i2"], match["i1"]) if g)
        yield match.start(), match.end(), html.unescape(tex), display


def _run_typesetter(pages: list[list[tuple[str, bool]]]) -> list[dict]:
    if not pages:
        return []
    script = _repository() / TYPESETTER
    if not script.is_file() or not (_repository() / FONTS).is_dir():
        raise CourseError(
            f"the typesetter for the feedback pages' maths is missing ({script} and MathJax in "
            f"{_repository() / 'node_modules'}): run `make assets` (npm ci) first"
        )
    request = json.dumps(
        {"fontURL": FONT_URL, "pages": [[{"tex": t, "display": d} for t, d in p] for p in pages]}
    )
    try:
        run = subprocess.run(
            ["node", str(script)], input=request, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise CourseError("node is not installed: it typesets the feedback pages' maths") from None
    if run.returncode != 0:
        raise CourseError(f"{script.name} failed: {run.stderr.strip()[-2000:]}")
    return json.loads(run.stdout)


@functools.lru_cache(maxsize=64)
def _inline_fonts(css: str) -> str:
    """The stylesheet with each font the page's formulas use, cut down to the characters they
    use (fontTools, matplotlib's dependency), as a data: URL: a page works as an attachment and
    stays light. Fonts no character uses lose their @font-face rule."""
    family_of = {
        selector.strip(): family.split(",")[-1].strip()
        for selector, family in re.findall(r"(\.TEX-[A-Z0-9]+)\s*\{\s*font-family:\s*([^;]+);", css)
    }
    stretchy = re.search(r"mjx-stretchy-v mjx-c[^{]*\{\s*font-family:\s*([^;!]+)", css)
    characters: dict[str, set[str]] = {"MJXZERO": set()}
    for font_class, content in re.findall(
        r"mjx-c\.mjx-c[0-9A-F]+(\.TEX-[A-Z0-9]+)?::before\s*\{[^}]*?content:\s*\"([^\"]*)\"", css
    ):
        families = [family_of.get(font_class, "MJXTEX")] if font_class else ["MJXTEX"]
        if stretchy and not font_class:
            families += [f.strip() for f in stretchy[1].split(",")]
        for family in families:
            characters.setdefault(family, set()).update(_css_text(content))

    def face(match: re.Match) -> str:
        family, name = match[1], match[2]
        if family not in characters:
            return ""
        font = (_repository() / FONTS / name).read_bytes()
        if family != "MJXZERO":
            font = _subset(font, characters[family])
        data = base64.b64encode(font).decode()
        return f'@font-face {{ font-family: {family}; src: url("data:font/woff;base64,{data}"); }}'

    return re.sub(
        r"@font-face\s*(?:/\*[^*]*\*/)?\s*\{\s*font-family:\s*([\w-]+);\s*src:\s*url\(\""
        + FONT_URL
        + r"/([\w.-]+\.woff)\"\)[^}]*\}",
        face,
        css,
    )


def _css_text(content: str) -> str:
    """A CSS string's characters (`\\2212` is U+2212)."""
    unescaped = re.sub(r"\\([0-9A-Fa-f]{1,6}) ?", lambda m: chr(int(m[1], 16)), content)
    return re.sub(r"\\(.)", r"\1", unescaped)


def _subset(font: bytes, characters: set[str]) -> bytes:
    import io
    import logging

    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # "FFTM NOT subset": a timestamp

    options = subset.Options()
    options.flavor = "woff"
    loaded = subset.load_font(io.BytesIO(font), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in characters])
    subsetter.subset(loaded)
    out = io.BytesIO()
    subset.save_font(loaded, out, options)
    return out.getvalue()


def self_contained(page: str) -> str:
    """`page` with nothing from another host, and lighter: Bootstrap replaced by PAGE_STYLE,
    syntax-highlighting spans that style nothing (names, punctuation) unwrapped. The MathJax
    block must be gone already (`typeset`)."""
    page = NBGRADER_MATHJAX.sub("", page, count=1)
    page = EXTERNAL_RESOURCE.sub("", page)
    page = EXTERNAL_IMAGE.sub(r"\1", page)
    page = re.sub(
        r"<style[^>]*>\s*/\*!\s*\*\s*Bootstrap.*?</style>", PAGE_STYLE, page, count=1, flags=re.S
    )
    return PLAIN_SPAN.sub(r"\1", page)


REJECTED_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8" /><title>{notebook}: not graded</title>
<style>body {{ font-family: sans-serif; max-width: 40em; margin: 2em auto; }}</style></head>
<body>
<h1>{assignment}: {notebook}</h1>
<p><strong>Score: 0 / {max_score:g}.</strong> This notebook could not be graded:</p>
<ul>{reasons}</ul>
<p>Ask your instructor if you think this is wrong.</p>
</body></html>
"""


def _ungraded_notebooks(course: Course, student: str, assignment: str) -> list[str]:
    graded = course.directory("autograded") / student / assignment
    notebooks = master_notebooks(course, assignment)
    return [nb for nb in notebooks if not (graded / f"{nb}.ipynb").exists()]


def write_rejected_pages(course: Course, assignment: str, student: str | None = None) -> list[Path]:
    """A page for each notebook of a collected submission that was not graded, with the reasons
    (`student`'s only, if given)."""
    pages = []
    for sid, entry in load_report(course, assignment).items():
        if sid == UNPLACED or entry.status == MISSING or student not in (None, sid):
            continue
        for notebook in _ungraded_notebooks(course, sid, assignment):
            reasons = [n for n in entry.notes if not n.startswith("grading: review")]
            text = REJECTED_PAGE.format(
                assignment=html.escape(assignment),
                notebook=html.escape(notebook),
                max_score=total_points(course, assignment),
                reasons="".join(f"<li>{html.escape(r)}</li>" for r in reasons or ["not graded"]),
            )
            page = course.directory("feedback") / sid / assignment / f"{notebook}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(text)
            pages.append(page)
    return pages


def upload_name(lms: str | None, student: str, notebook: str, sources: list[str]) -> str:
    """The page's name for the LMS: the download's name of that notebook, `.ipynb` -> `.html`
    (Canvas and Blackboard: flat files; Moodle: in the participant's folder, or flat when the
    download was; Moodle's importer, `mod/assign/feedback/file/importziplib.php`, reads the
    participant id of this assignment from `<name>_<id>_<plugintype>_<plugin>` in either layout);
    otherwise `<student>/<notebook>.html`."""
    paths = [PurePosixPath(s) for s in sources]
    match = [p for p in paths if notebook.lower() in p.name.lower()] or paths
    if lms not in ("canvas", "moodle", "blackboard") or not match:
        return f"{student}/{notebook}.html"
    page = match[0].with_suffix(".html")
    if lms == "moodle" and len(page.parts) > 1:  # "in folders": the participant's folder
        return f"{page.parts[0]}/{page.name}"
    return page.name  # flat (Moodle without folders keeps its `<name>_<id>_assignsubmission_file_`)


def write_upload(course: Course, assignment: str) -> Path:
    """`feedback-upload/<assignment>/` and its zip: every page named for the LMS."""
    report = load_report(course, assignment)
    folder = course.root / "feedback-upload" / assignment
    shutil.rmtree(folder, ignore_errors=True)
    for page in sorted(course.directory("feedback").glob(f"*/{assignment}/*.html")):
        student = page.parent.parent.name
        sources = report[student].sources if student in report else []
        target = folder / upload_name(course.downloads_lms, student, page.stem, sources)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(page, target)
    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*.html")):
            zf.write(path, path.relative_to(folder).as_posix())
    return archive


def generate(course: Course, assignment: str, student: str | None = None) -> list[Path] | None:
    """Every feedback page of `assignment` (or `student`'s alone; the upload zip is remade with
    everyone's); None when nothing was collected or graded."""
    who = student or "*"
    graded = sorted(
        p.parent.name for p in course.directory("autograded").glob(f"{who}/{assignment}")
    )
    report = {s: e for s, e in load_report(course, assignment).items() if s != UNPLACED}
    if student is not None:
        report = {s: e for s, e in report.items() if s == student}
    if not graded and not report:
        return None
    if graded:
        with quiet_nbgrader():
            made = course.api().generate_feedback(assignment, student_id=student)
        check(made, f"feedback for {assignment}")
    write_rejected_pages(course, assignment, student)
    pages = sorted(course.directory("feedback").glob(f"{who}/{assignment}/*.html"))
    texts = typeset(
        {page: page.read_text() for page in pages if NBGRADER_MATHJAX.search(page.read_text())}
    )
    for page, text in texts.items():
        page.write_text(self_contained(text))
    write_upload(course, assignment)
    return pages
