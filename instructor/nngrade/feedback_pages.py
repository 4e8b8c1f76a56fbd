"""Feedback pages for every student who handed something in, ready to go back to the LMS.

- Graded submissions: nbgrader's `generate_feedback` with hidden tests stripped
  (:class:`nngrade.feedback.StripHiddenTests`).
- Submissions that could not be graded (no readable notebook, a notebook missing): a page per
  notebook saying why, with the score 0.
- Every page is self-contained: nbgrader's template loads MathJax 2 from a CDN; it is replaced by
  MathJax 3 (`tex-svg-full.js` from the course's `node_modules/`, gzip-compressed and inlined, so
  a page works offline from an LMS attachment), and any other resource from another host is
  dropped.
- `feedback-upload/<assignment>/` and `feedback-upload/<assignment>.zip` hold the same pages named
  as the LMS download named the submission (`.ipynb` becomes `.html`), which is what Canvas's
  "Re-upload submissions" and Moodle's "Upload multiple feedback files in a zip" match on.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import re
import shutil
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

MATHJAX_FILE = Path("node_modules", "mathjax", "es5", "tex-svg-full.js")
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
MATHJAX_CONFIG = """<script>
window.MathJax = {
  tex: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]],
        displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
        processEscapes: true, processEnvironments: true},
  svg: {fontCache: "global"},
  options: {enableMenu: false}
};
</script>"""
# MathJax 3.2.2 (Apache-2.0), gzip + base64: about 1 MB instead of 2.2 MB per page.
MATHJAX_LOADER = """<script>
(async function () {
  var bytes = Uint8Array.from(atob("%s"), function (c) { return c.charCodeAt(0); });
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  var script = document.createElement("script");
  script.text = await new Response(stream).text();
  document.head.appendChild(script);
})();
</script>"""


@functools.cache
def mathjax_inline(course_root: Path) -> str:
    """The script tags that typeset the page's maths with no request to any server."""
    candidates = [Path(nngrade.__file__).resolve().parents[2], course_root]
    for root in candidates:
        if (root / MATHJAX_FILE).is_file():
            packed = gzip.compress((root / MATHJAX_FILE).read_bytes(), 9, mtime=0)
            return MATHJAX_CONFIG + MATHJAX_LOADER % base64.b64encode(packed).decode()
    raise CourseError(
        f"MathJax for the feedback pages is missing ({MATHJAX_FILE} in {candidates[0]}): "
        "run `make assets` (npm ci) first"
    )


def self_contained(page: str, course_root: Path) -> str:
    """`page` with MathJax inlined and every resource from another host removed."""
    page = NBGRADER_MATHJAX.sub(lambda _: mathjax_inline(course_root), page, count=1)
    page = EXTERNAL_RESOURCE.sub("", page)
    return EXTERNAL_IMAGE.sub(r"\1", page)


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


def write_rejected_pages(course: Course, assignment: str) -> list[Path]:
    """A page for each notebook of a collected submission that was not graded, with the reasons."""
    pages = []
    for sid, entry in load_report(course, assignment).items():
        if sid == UNPLACED or entry.status == MISSING:
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


def generate(course: Course, assignment: str) -> list[Path] | None:
    """Every feedback page of `assignment`; None when nothing was collected or graded."""
    graded = sorted(p.parent.name for p in course.directory("autograded").glob(f"*/{assignment}"))
    report = {s: e for s, e in load_report(course, assignment).items() if s != UNPLACED}
    if not graded and not report:
        return None
    if graded:
        with quiet_nbgrader():
            check(course.api().generate_feedback(assignment), f"feedback for {assignment}")
    write_rejected_pages(course, assignment)
    pages = sorted(course.directory("feedback").glob(f"*/{assignment}/*.html"))
    for page in pages:
        page.write_text(self_contained(page.read_text(), course.root))
    write_upload(course, assignment)
    return pages
