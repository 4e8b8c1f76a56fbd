"""The built site in a real browser: every page of the table of contents loads from 127.0.0.1
alone, with its maths typeset, its images and widgets rendered, its demos responding to their
controls, nothing failing (no failed request, no request to another host, no console error), and
no serious or critical finding of axe-core (the engine of browsers' accessibility audits). A demo
also works from file://, and fetches its frames only when it comes into view.

Needs `make book` first (`make test` does it). One browser visit per page gathers every fact
(`PageReport`); the tests below each assert one kind of fact, so a failure names what broke.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from support import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PAGE_TIMEOUT_MS = 30_000
# After the demos have been moved, the page must go quiet: no request in flight for QUIET_MS.
# Our own count of requests, not Playwright's "networkidle" (which Playwright discourages, and
# which once timed out in CI with nothing to say about which request it was waiting for).
QUIET_MS = 500
QUIET_TIMEOUT_MS = 30_000


def toc_docnames(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every document the table of contents lists, globs expanded over the sources present."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    sources = sorted(
        p.relative_to(ROOT).with_suffix("").as_posix()
        for pattern in ("exercises/**/*.ipynb", "lectures/*.ipynb", "book/*.md", "book/*.ipynb")
        for p in ROOT.glob(pattern)
    )
    docnames = [toc["root"]]

    def walk(entries: list[dict] | None) -> None:
        for entry in entries or []:
            if "file" in entry:
                docnames.append(Path(entry["file"]).with_suffix("").as_posix())
            elif "glob" in entry:
                docnames.extend(d for d in sources if fnmatch.fnmatch(d, entry["glob"]))
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return docnames


DOCNAMES = toc_docnames()


@dataclasses.dataclass
class DemoReport:
    demo_id: str
    controls: int
    unchanged: list[str]  # parameters whose control did not change the frame or the shown value


@dataclasses.dataclass
class PageReport:
    status: int | None
    external: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)
    console_errors: list[str] = dataclasses.field(default_factory=list)
    math_elements: int = 0
    untypeset_math: int = 0
    raw_dollars: bool = False
    math_fonts_loaded: int = 0
    math_font_errors: list[str] = dataclasses.field(default_factory=list)
    broken_images: list[str] = dataclasses.field(default_factory=list)
    widget_views: int = 0
    rendered_widgets: int = 0
    demos: list[DemoReport] = dataclasses.field(default_factory=list)
    # requests still unanswered QUIET_TIMEOUT_MS after the demos were exercised
    pending: list[str] = dataclasses.field(default_factory=list)
    # axe-core's critical and serious findings: "rule (impact): where"
    accessibility: list[str] = dataclasses.field(default_factory=list)
    requested: list[str] = dataclasses.field(default_factory=list)


def record_requests(context, page, report: PageReport) -> None:
    def route(route, request):
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            report.external.append(request.url)
            route.abort()

    context.route("**/*", route)
    page.on(
        "requestfailed",
        lambda r: (
            urlparse(r.url).hostname in LOCAL_HOSTS
            and report.failed.append(f"{r.url} ({r.failure})")
        ),
    )
    page.on("response", lambda r: r.status >= 400 and report.failed.append(f"{r.url} ({r.status})"))
    page.on("request", lambda r: report.requested.append(r.url))
    page.on("console", lambda m: m.type == "error" and report.console_errors.append(m.text))
    page.on("pageerror", lambda e: report.console_errors.append(f"uncaught: {e}"))


class InFlight:
    """The page's requests that have started and neither finished nor failed."""

    def __init__(self, page) -> None:
        self.requests: dict[int, str] = {}
        page.on("request", lambda r: self.requests.__setitem__(id(r), r.url))
        page.on("requestfinished", lambda r: self.requests.pop(id(r), None))
        page.on("requestfailed", lambda r: self.requests.pop(id(r), None))

    def wait_until_quiet(self, page) -> list[str]:
        """Wait until nothing has been in flight for QUIET_MS; return what is still pending."""
        quiet_for = waited = 0
        step = 100
        while quiet_for < QUIET_MS and waited < QUIET_TIMEOUT_MS:
            page.wait_for_timeout(step)
            waited += step
            quiet_for = quiet_for + step if not self.requests else 0
        return [] if quiet_for >= QUIET_MS else sorted(set(self.requests.values()))


# The maths arrives typeset (scripts/typeset_math.js at build time); its fonts load as used.
MATH_FACTS = """async () => {
  await document.fonts.ready;
  const maths = [...document.querySelectorAll('.math')];
  const main = document.querySelector('main') || document.body;
  const fonts = [...document.fonts].filter(f => f.family.startsWith('MJX'));
  return {
    total: maths.length,
    untypeset: maths.filter(m => !m.querySelector('mjx-container')).length,
    rawDollars: main.innerText.includes('$$'),
    fontsLoaded: fonts.filter(f => f.status === 'loaded').length,
    fontErrors: fonts.filter(f => f.status === 'error').map(f => f.family),
  };
}"""

BROKEN_IMAGES = """async () => {
  const images = [...document.images];
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return images.filter(img => !(img.complete && img.naturalWidth > 0))
               .map(img => img.currentSrc || img.src || img.outerHTML.slice(0, 80));
}"""


def check_widgets(page, report: PageReport) -> None:
    report.widget_views = page.locator(
        'script[type="application/vnd.jupyter.widget-view+json"]'
    ).count()
    if report.widget_views:
        try:
            page.wait_for_selector(".jupyter-widgets", timeout=15_000)
        except Exception:  # noqa: BLE001 (the count below reports it)
            pass
        report.rendered_widgets = page.locator(".jupyter-widgets").count()


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe-core's default rules (WCAG 2.x A and AA, best practices), plus this experimental one that
# Lighthouse also runs: a control's accessible name must contain the text it shows. No preload:
# axe would fetch the style sheets again and resolve their @imports against the page (a 404).
RUN_AXE = """async () => {
  const results = await axe.run(document, {
    resultTypes: ['violations'],
    preload: false,
    rules: {'label-content-name-mismatch': {enabled: true}},
  });
  return results.violations
    .filter(v => v.impact === 'critical' || v.impact === 'serious')
    .map(v => `${v.id} (${v.impact}): ` +
         v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; '));
}"""


def audit_accessibility(page, report: PageReport) -> None:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make book does)", pytrace=False)
    page.add_script_tag(path=str(AXE))
    report.accessibility = page.evaluate(RUN_AXE)


SHOWN_VALUE = """c => c.tagName === 'SELECT' ? c.options[c.selectedIndex].text
  : [c.getAttribute('aria-valuetext'), document.querySelector(`output[for="${c.id}"]`).textContent]
    .join('|')"""


def move_control(control) -> None:
    tag = control.evaluate("c => c.tagName.toLowerCase()")
    options = control.evaluate("c => c.tagName === 'SELECT' ? c.options.length : (+c.max + 1)")
    current = int(control.input_value())
    target = str(options - 1 if current != options - 1 else 0)
    if tag == "select":
        control.select_option(value=target)
    else:
        control.fill(target)


def exercise_demos(page, report: PageReport) -> None:
    for demo in page.locator("[data-nnlib-demo]").all():
        demo_id = demo.get_attribute("data-nnlib-demo")
        image = demo.locator("img").first
        controls = demo.locator("[data-nnlib-param]").all()
        unchanged = []
        for control in controls:
            name = control.get_attribute("data-nnlib-param")
            before = (image.get_attribute("src"), control.evaluate(SHOWN_VALUE))
            move_control(control)
            after = (image.get_attribute("src"), control.evaluate(SHOWN_VALUE))
            if before[0] == after[0] or before[1] == after[1]:
                unchanged.append(name)
        report.demos.append(DemoReport(demo_id, len(controls), unchanged))


def visit(browser, url: str) -> PageReport:
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    report = PageReport(status=None)
    record_requests(context, page, report)
    in_flight = InFlight(page)
    try:
        response = page.goto(url, wait_until="load")
        report.status = response.status if response else None
        facts = page.evaluate(MATH_FACTS)
        report.math_elements = facts["total"]
        report.untypeset_math = facts["untypeset"]
        report.raw_dollars = facts["rawDollars"]
        report.math_fonts_loaded = facts["fontsLoaded"]
        report.math_font_errors = facts["fontErrors"]
        check_widgets(page, report)
        report.broken_images = page.evaluate(BROKEN_IMAGES)
        audit_accessibility(page, report)
        exercise_demos(page, report)
        report.pending = [url[:120] for url in in_flight.wait_until_quiet(page)]
    finally:
        context.close()
    return report


_reports: dict[str, PageReport] = {}


@pytest.fixture
def report(request, browser, site_url) -> PageReport:
    docname = request.node.callspec.params["docname"]
    if docname not in _reports:
        _reports[docname] = visit(browser, f"{site_url}/{docname}.html")
    return _reports[docname]


pages = pytest.mark.parametrize("docname", DOCNAMES)


def test_toc_lists_the_front_and_back_matter():
    for docname in ("book/intro", "book/setup", "book/notation", "book/errata"):
        assert docname in DOCNAMES


@pages
def test_page_loads(report, docname):
    assert report.status == 200, f"{docname}.html answered {report.status}"


@pages
def test_no_request_leaves_localhost(report, docname):
    assert report.external == [], f"{docname} requested other hosts: {report.external}"


@pages
def test_no_request_fails(report, docname):
    assert report.failed == [], f"{docname}: failed requests {report.failed}"


@pages
def test_no_request_hangs(report, docname):
    assert report.pending == [], f"{docname}: requests never answered {report.pending}"


@pages
def test_no_console_errors(report, docname):
    assert report.console_errors == [], f"{docname}: console errors {report.console_errors}"


@pages
def test_maths_is_typeset(report, docname):
    assert report.untypeset_math == 0, (
        f"{docname}: {report.untypeset_math} of {report.math_elements} maths not typeset"
    )
    assert not report.raw_dollars, f"{docname}: raw $$ left in the text"
    assert report.math_font_errors == [], f"{docname}: maths fonts failed {report.math_font_errors}"
    if report.math_elements:
        assert report.math_fonts_loaded > 0, f"{docname}: maths shown without MathJax's fonts"


@pages
def test_no_page_runs_mathjax(report, docname):
    """The maths is typeset when the site is built: a reader's browser downloads no MathJax."""
    loaded = [url for url in report.requested if "mathjax" in url and not url.endswith(".woff")]
    assert loaded == [], f"{docname} loads MathJax: {loaded}"


@pages
def test_images_load(report, docname):
    assert report.broken_images == [], f"{docname}: images not loaded {report.broken_images}"


@pages
def test_widgets_render(report, docname):
    assert report.rendered_widgets >= min(report.widget_views, 1), (
        f"{docname}: {report.widget_views} widget views, none rendered (widget manager missing?)"
    )


@pages
def test_every_demo_responds_to_every_control(report, docname):
    for demo in report.demos:
        assert demo.controls >= 1, f"{docname}: demo {demo.demo_id} has no control"
        assert demo.unchanged == [], (
            f"{docname}: demo {demo.demo_id} did not respond to {demo.unchanged}"
        )


@pages
def test_no_page_loads_font_awesome(report, docname):
    """The theme's 1.5 MB icon script and 156 kB icon font are replaced by _vendor/site/site.css."""
    loaded = [url for url in report.requested if "fontawesome" in url or "fa-solid" in url]
    assert loaded == [], f"{docname} loads Font Awesome: {loaded}"


@pages
def test_no_serious_accessibility_finding(report, docname):
    assert report.accessibility == [], f"{docname}: axe-core found {report.accessibility}"


def test_site_has_maths_and_demos(browser, site_url):
    """The checks above are not vacuous: the notation page has maths, how-to-use a demo."""
    notation = _reports.get("book/notation") or visit(browser, f"{site_url}/book/notation.html")
    how_to = _reports.get("book/how-to-use") or visit(browser, f"{site_url}/book/how-to-use.html")
    assert notation.math_elements > 0
    assert len(how_to.demos) >= 1


def test_search_works_offline(browser, site_url):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{site_url}/search.html?q=notation", wait_until="load")
        page.wait_for_selector("#search-results li", timeout=PAGE_TIMEOUT_MS)
        assert page.locator("#search-results li").count() >= 1
    finally:
        context.close()


def test_setup_page_downloads_the_student_edition_from_this_site(browser, site_url):
    """The Setup page links the zip relatively, and the site itself serves it."""
    import io
    import zipfile

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{site_url}/book/setup.html", wait_until="load")
        link = page.locator("a[href$='nn-course-student.zip']").first
        assert not urlparse(link.get_attribute("href")).netloc, "the link must be relative"
        with page.expect_download(timeout=PAGE_TIMEOUT_MS) as download:
            link.click()
        assert download.value.url.startswith(site_url)
        data = Path(download.value.path()).read_bytes()
    finally:
        context.close()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "nn-course-student/README.md" in names
    assert not any("solutions/" in name or "instructor/" in name for name in names)


def test_solutions_are_not_published(site_dir):
    assert not (site_dir / "solutions").exists()
    assert not (site_dir / "_sources" / "solutions").exists()


def test_a_hanging_request_is_reported(browser, monkeypatch):
    """The quiet-page check can fail: a fetch the server never answers is named as pending."""
    import http.server
    import threading

    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            if self.path == "/hang":
                release.wait(10)
            body = b"<html><body><script>fetch('/hang')</script></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(globals(), "QUIET_TIMEOUT_MS", 1_000)
    try:
        report = visit(browser, f"http://127.0.0.1:{server.server_address[1]}/page")
    finally:
        release.set()
        server.shutdown()
        server.server_close()
    assert report.status == 200
    assert any(url.endswith("/hang") for url in report.pending), report.pending


def test_browser_tests_share_one_worker(request):
    """Under `make test` (xdist, `--dist loadgroup`) every browser test runs in one worker, so each
    page is visited once by one Chromium. pytest 9.2 silently broke this grouping
    (pytest-xdist issue 1386): the lock holds pytest 9.1.1 until xdist is fixed."""
    if request.config.getoption("dist", "no") == "loadgroup":
        assert request.node.nodeid.endswith("@browser"), request.node.nodeid
    else:
        assert request.config.getoption("numprocesses", None) in (None, 0)


def demo_frame_urls(page, demo, portrait: bool = False) -> list[str]:
    """The absolute URLs of every frame of a demo in one layout (side by side, or portrait: keys
    "p..."), from the page's own list of them."""
    return page.evaluate(
        """([demo, portrait]) => Object.entries(JSON.parse(demo.querySelector(
             'script.nnlib-demo-frames').textContent))
             .filter(([key]) => key.startsWith('p') === portrait)
             .map(([, u]) => new URL(u, document.baseURI).href)""",
        [demo.element_handle(), portrait],
    )


def test_demo_frames_are_fetched_when_the_demo_comes_into_view(browser, site_url, site_dir):
    """Frames are files, not in the HTML; none is fetched before its demo nears the screen."""
    html = (site_dir / "lectures" / "04_optimizers.html").read_text(encoding="utf-8")
    assert "data:image" not in html
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: "/_demos/" in r.url and fetched.append(r.url))
    try:
        page.goto(f"{site_url}/lectures/04_optimizers.html", wait_until="load")
        page.wait_for_timeout(500)
        last_demo = page.locator("[data-nnlib-demo]").last
        frames = demo_frame_urls(page, last_demo)
        assert len(frames) > 1
        assert not set(frames) & set(fetched), "frames of a demo far below were fetched at load"
        last_demo.scroll_into_view_if_needed()
        page.wait_for_function(
            "n => performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('/_demos/')).length >= n",
            arg=len(frames),
            timeout=PAGE_TIMEOUT_MS,
        )
        assert set(frames) <= set(fetched), "scrolled into view, the demo fetched all its frames"
        portrait = demo_frame_urls(page, last_demo, portrait=True)
        assert portrait and not set(portrait) & set(fetched), "not those of a phone's layout"
    finally:
        context.close()


def test_a_demo_works_from_file_urls(browser, site_dir):
    """Opened from disk (file://, where fetch() fails), a demo still swaps and shows its frames."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto((site_dir / "lectures" / "04_optimizers.html").resolve().as_uri())
        demo = page.locator("[data-nnlib-demo]").first
        demo.scroll_into_view_if_needed()
        image = demo.locator("img.nnlib-demo-frame")
        control = demo.locator("[data-nnlib-param]").first
        before = image.get_attribute("src")
        move_control(control)
        assert image.get_attribute("src") != before
        assert image.evaluate(
            "img => img.decode().then(() => img.naturalWidth > 0, () => false)"
        ), "the new frame loads from file://"
    finally:
        context.close()


PHONE = {"width": 390, "height": 844}
MIN_TEXT_PX = 11


def test_demo_labels_are_readable_on_a_phone(browser, site_url, site_dir, tmp_path):
    """On a 390 px screen a two-panel demo shows its portrait frame (panels stacked), and the
    smallest text of that frame is at least 11 CSS px once the browser has scaled it to the
    column; the side-by-side frame, squeezed to the same column, would not be."""
    from PIL import Image

    from nnbook.base import SMALLEST_TEXT_KEY

    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{site_url}/lectures/04_optimizers.html", wait_until="load")
        demo = page.locator("[data-nnlib-demo]").first  # the optimizer race: two panels
        demo.scroll_into_view_if_needed()
        image = demo.locator("img.nnlib-demo-frame")
        image.evaluate("img => img.decode()")
        shown = image.evaluate(
            "img => ({src: img.currentSrc, width: img.getBoundingClientRect().width})"
        )
        wide_src = image.evaluate("img => new URL(img.getAttribute('src'), img.baseURI).href")
        demo.screenshot(path=tmp_path / "demo-on-a-phone.png")
        control = demo.locator("[data-nnlib-param]").first
        move_control(control)
        after = image.evaluate("img => img.decode().then(() => img.currentSrc)")
    finally:
        context.close()
    assert shown["width"] <= PHONE["width"]
    assert "/_demos/" in shown["src"], "a frame of the demo"
    assert shown["src"] != wide_src, "the phone shows the portrait layout"
    assert after != shown["src"] and "/_demos/" in after, "a control swaps the portrait frame"

    def on_screen(url: str) -> float:
        with Image.open(site_dir / urlparse(url).path.lstrip("/")) as frame:
            return float(frame.text[SMALLEST_TEXT_KEY]) * shown["width"] / frame.width

    assert on_screen(shown["src"]) >= MIN_TEXT_PX, on_screen(shown["src"])
    assert on_screen(wide_src) < MIN_TEXT_PX, "the side-by-side frame would be unreadable here"
    with Image.open(tmp_path / "demo-on-a-phone.png") as screenshot:
        assert screenshot.width <= PHONE["width"] * 2, "the demo fits the phone's width"


def test_every_page_downloads_the_course_not_its_notebook(site_dir):
    """The header's download button is the course's zip, which the site serves; no page offers
    its own notebook, which cannot run without the rest of the course."""
    from bs4 import BeautifulSoup

    pages = [site_dir / f"{docname}.html" for docname in DOCNAMES]
    assert (site_dir / "nn-course-student.zip").is_file()
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        header = soup.select_one("div.article-header-buttons")
        assert header is not None, page
        links = [a["href"] for a in header.find_all("a", href=True)]
        assert (
            len(links) == 1
            and (page.parent / links[0]).resolve() == (site_dir / "nn-course-student.zip").resolve()
        ), (page, links)
        assert not soup.select("a[href$='.ipynb'][href*='_sources']"), page


def test_code_that_does_not_scroll_stops_being_a_tab_stop_when_it_comes_near(browser, site_url):
    """Every code block is a tab stop when the page loads (so a keyboard reaches each one that
    scrolls sideways); the theme's scan, made lazy, takes the tab stop off one that does not
    scroll only once it comes near the screen, never at load."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{site_url}/lectures/05_regularization.html", wait_until="load")
        page.wait_for_timeout(500)
        blocks = page.locator("div.cell_input pre")
        assert blocks.evaluate_all("els => els.every(el => el.tabIndex === 0)")
        narrow = page.evaluate_handle(
            """() => [...document.querySelectorAll('div.cell_input pre')]
                 .filter(el => el.scrollWidth <= el.clientWidth).pop()"""
        )
        assert narrow.evaluate("el => el.tabIndex") == 0, "not scanned before it comes near"
        narrow.evaluate("el => el.scrollIntoView()")
        page.wait_for_function("el => el.tabIndex === -1", arg=narrow, timeout=5_000)
    finally:
        context.close()
