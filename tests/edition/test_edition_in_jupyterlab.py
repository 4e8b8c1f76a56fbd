"""The student edition as a student gets it: unzipped, installed with the two commands its README
prints, opened in JupyterLab, and driven in Debian's chromium.

One install and one JupyterLab server serve every test of this module (about two minutes).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import gradingkit as kit
import nbformat
import pytest
import student_edition

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]

TOKEN = "student-edition-test"
#: MyST that jupyterlab-myst did not render shows up as its source text.
RAW_MYST = re.compile(
    r"\{[a-z:-]+\}`|```|:::|^:[a-z-]+:|\(\w[\w-]*\)=|unknown (directive|role)", re.M | re.I
)
INSTRUCTOR_ONLY = (
    "Formgrader",
    "Manage Assignments",
    "Create Assignment",
    "Assignment List",
    "Course List",
)


def readme_commands(readme: str, heading: str) -> list[str]:
    """The lines of the first ```bash block after `heading` in the README."""
    section = readme[readme.index(heading) :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    return [line for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def student_folder(built_edition, tmp_path_factory) -> Path:
    """The zip unpacked and installed with exactly the README's install commands."""
    _, archive = built_edition
    home = tmp_path_factory.mktemp("student")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(home)
    folder = home / student_edition.NAME
    for path in folder.rglob("*"):  # zipfile drops the permissions that unzip would keep
        if ".released" in path.parts and path.is_file():
            path.chmod(0o444)
    readme = (folder / "README.md").read_text()
    for command in readme_commands(readme, "## 2. Install"):
        subprocess.run(command, shell=True, cwd=folder, check=True, timeout=900)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_log(tmp_path_factory) -> Path:
    """The terminal output of JupyterLab and of its kernels (what the student sees)."""
    return tmp_path_factory.mktemp("lab") / "terminal.log"


@pytest.fixture(scope="module")
def lab(student_folder, lab_log):
    """JupyterLab started as the README says, from the edition's folder; yields its URL."""
    readme = (student_folder / "README.md").read_text()
    (command,) = readme_commands(readme, "## 3. Open JupyterLab")
    port = _free_port()
    flags = [
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}",
    ]
    if os.geteuid() == 0:
        flags.append("--allow-root")  # the tests run as root; students do not
    log = lab_log.open("w")
    server = subprocess.Popen(
        shlex.split(command) + flags,
        cwd=student_folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def open_notebook(page, lab: str, folder: Path, path: str) -> None:
    """Open `path` in a fresh workspace and scroll through it until every cell is rendered
    (JupyterLab attaches the cells of a long notebook as they come into view)."""
    cells = len(nbformat.read(folder / path, as_version=4).cells)
    page.goto(f"{lab}/lab/tree/{path}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_selector(".jp-Notebook .jp-MarkdownCell .myst")
    for _ in range(400):
        attached = page.evaluate(
            """() => {
                const w = document.querySelector('.jp-WindowedPanel-outer');
                w.scrollTop += 600;
                return document.querySelectorAll('.jp-Notebook .jp-Cell').length;
            }"""
        )
        if attached >= cells:
            break
        page.wait_for_timeout(100)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-MarkdownCell')].every(
            cell => cell.querySelector('.jp-MarkdownOutput, .lm-Widget.myst'))""",
        timeout=30_000,
    )


RENDERED_MARKDOWN = """() => [...document.querySelectorAll('.jp-MarkdownCell')].map(cell => {
    const out = cell.querySelector('.jp-MarkdownOutput, .lm-Widget.myst');
    if (!out) return null;
    const copy = out.cloneNode(true);
    copy.querySelectorAll('.katex, mjx-container, script, style').forEach(e => e.remove());
    return copy.textContent;
})"""


@pytest.mark.parametrize(
    "chapter", sorted(p.name for p in (student_edition.REPO / "lectures").glob("*.ipynb"))
)
def test_chapter_reads_as_on_the_site(lab, page, student_folder, chapter):
    """No directive or role shown as text, maths typeset, every answer folded until clicked."""
    open_notebook(page, lab, student_folder, f"lectures/{chapter}")
    source = nbformat.read(student_folder / "lectures" / chapter, as_version=4)
    markdown = [c.source for c in source.cells if c.cell_type == "markdown"]
    rendered = page.evaluate(RENDERED_MARKDOWN)
    assert len(rendered) == len(markdown) and None not in rendered, (
        "a markdown cell is not rendered"
    )
    for text in rendered:
        assert not RAW_MYST.search(text), (
            f"raw MyST in {chapter}: {RAW_MYST.search(text).group(0)!r}"
        )
    dropdowns = sum(m.count("{dropdown}") for m in markdown)
    folded = page.locator(".jp-Notebook details:not([open])")
    assert folded.count() == dropdowns and page.locator(".jp-Notebook details[open]").count() == 0
    if any("$" in m or "{math}" in m for m in markdown):
        assert page.locator(".jp-Notebook .katex, .jp-Notebook mjx-container").count() > 0
    if dropdowns:  # and an answer unfolds when clicked
        folded.first.locator("summary").click()
        assert page.locator(".jp-Notebook details[open]").count() == 1


def _run_all_cells(page, code_cells: int) -> None:
    """Kernel ▸ Restart Kernel and Run All Cells, then wait for the last cell's prompt [N]."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Restart Kernel and Run All")).click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.wait_for_function(
        """(n) => {
            const w = document.querySelector('.jp-WindowedPanel-outer');
            w.scrollTop = w.scrollHeight;  // the last cell attached
            const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return p.length && p[p.length - 1].textContent.trim() === `[${n}]:`;
        }""",
        arg=code_cells,
        timeout=300_000,
        polling=500,
    )


def test_a_chapter_runs_every_cell_and_its_demo_redraws(lab, page, student_folder):
    chapter = "lectures/02_backprop.ipynb"
    open_notebook(page, lab, student_folder, chapter)
    source = nbformat.read(student_folder / chapter, as_version=4)
    _run_all_cells(page, sum(c.cell_type == "code" for c in source.cells))
    page.keyboard.press("Control+s")
    page.wait_for_timeout(2000)
    nb = nbformat.read(student_folder / chapter, as_version=4)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, errors[0]["ename"] + ": " + errors[0]["evalue"]
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")

    demo = page.locator(".widget-vbox", has=page.locator(".widget-hslider")).first
    page.evaluate("() => { document.querySelector('.jp-WindowedPanel-outer').scrollTop = 0; }")
    for _ in range(200):  # scroll down to the first demo (cells attach as they come into view)
        if demo.count():
            break
        page.evaluate(
            "() => { document.querySelector('.jp-WindowedPanel-outer').scrollTop += 500; }"
        )
        page.wait_for_timeout(100)
    demo.scroll_into_view_if_needed()
    picture = demo.locator(".widget-output img").first
    before = picture.evaluate("img => img.src")
    demo.locator(".noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([box, old]) => (box.querySelector('.widget-output img') || {}).src !== old",
        arg=[demo.element_handle(), before],
        timeout=60_000,
    )


def test_validate_button_checks_an_exercise(lab, page, student_folder):
    assignment = kit.assignment_names()[0]
    path = f"exercises/{assignment}/{assignment}.ipynb"
    nbformat.write(kit.solved_notebook(assignment), student_folder / path)  # answers written
    open_notebook(page, lab, student_folder, path)
    page.locator(
        ".jp-Toolbar button, .jp-Toolbar .jp-ToolbarButtonComponent", has_text="Validate"
    ).first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    page.wait_for_function(
        """() => /passes all the tests|FAILED|error/i.test(
            document.querySelector('.jp-Dialog').innerText)""",
        timeout=120_000,
    )
    text = dialog.inner_text()
    assert "Success! Your notebook passes all the tests." in text, text[:2000]
    assert "without encryption" not in text


def test_only_student_features_are_shown(lab, page):
    page.goto(f"{lab}/lab?reset&token={TOKEN}")
    page.wait_for_selector(".lm-MenuBar-itemLabel")
    page.wait_for_timeout(5000)  # the news question would have popped up by now
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert "Nbgrader" not in menus and "File" in menus
    page.keyboard.press("Control+Shift+c")  # the command palette lists every command
    page.wait_for_selector(".lm-CommandPalette-item", state="attached")
    commands = " ".join(page.locator(".lm-CommandPalette-itemLabel").all_text_contents())
    assert "Run All Cells" in commands
    body = page.locator("body").inner_text()
    for feature in INSTRUCTOR_ONLY:
        assert feature.lower() not in (commands + body).lower(), feature
    assert page.locator(".jp-toast-message, .Toastify__toast").count() == 0, (
        "a notification popped up"
    )
    for handler in ("formgrader", "assignments", "courses"):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{lab}/{handler}?token={TOKEN}", timeout=10)
        assert missing.value.code == 404, handler


def test_readme_check_and_reset_commands(student_folder):
    """`nbgrader validate` as printed reports the tests without a warning; reset as printed."""
    readme = (student_folder / "README.md").read_text()
    (validate,) = readme_commands(readme, "## 4. Do an exercise")
    run = subprocess.run(
        validate, shell=True, cwd=student_folder, capture_output=True, text=True, timeout=300
    )
    output = run.stdout + run.stderr
    assert run.returncode == 1, output[-2000:]  # the untouched exercise fails its tests
    assert "test cell(s) FAILED" in run.stdout and "NotImplementedError" in run.stdout
    assert "WARNING" not in output and "without encryption" not in output, output[:2000]

    (reset,) = readme_commands(readme, "## 5. Start an exercise again")
    name = shlex.split(reset)[-1]
    notebook = student_folder / "exercises" / name / f"{name}.ipynb"
    notebook.write_text(json.dumps({"changed": True}))
    run = subprocess.run(
        reset, shell=True, cwd=student_folder, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert (
        notebook.read_bytes() == (student_folder / ".released" / name / notebook.name).read_bytes()
    )


NOTEBOOKS = sorted(
    f"lectures/{p.name}" for p in (student_edition.REPO / "lectures").glob("*.ipynb")
)
NOTEBOOKS += [f"exercises/{a}/{a}.ipynb" for a in kit.assignment_names()]


def api(lab: str, method: str, path: str, body: dict | None = None):
    """A call to the Jupyter server's REST API, as JupyterLab makes it."""
    request = urllib.request.Request(
        f"{lab}/api/{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
    return json.loads(text) if text else None


def shut_down_every_kernel(lab: str) -> None:
    for session in api(lab, "GET", "sessions"):
        api(lab, "DELETE", f"sessions/{session['id']}")


def _menu(page, menu: str, item: str) -> None:
    """Click `menu` in the menu bar, then its item whose label matches the regex `item`."""
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(item)).click()


def test_every_notebook_opens_and_closes_without_a_save_prompt(lab, page, student_folder):
    """Opening a chapter or an exercise starts its kernel, whose kernelspec and language_info
    JupyterLab writes into the notebook: the tab must stay clean and closing it ask nothing."""
    asked = []
    for path in NOTEBOOKS:
        before = (student_folder / path).read_bytes()
        page.goto(f"{lab}/lab/tree/{path}?reset&token={TOKEN}")
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000
        )
        page.wait_for_timeout(2000)  # the kernel's info is in the notebook's model by now
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
        dirty = "jp-mod-dirty" in (tab.get_attribute("class") or "")
        _menu(page, "File", r"^Close Tab$")
        page.wait_for_timeout(1000)
        if page.locator(".jp-Dialog").count():
            asked.append(f"{path}: {page.locator('.jp-Dialog').inner_text()[:200]}")
            page.locator(".jp-Dialog button", has_text="Discard").click()
        elif dirty:
            asked.append(f"{path}: marked as modified")
        assert (student_folder / path).read_bytes() == before, f"{path} was written"
        shut_down_every_kernel(lab)
    assert not asked, asked


WRONG_LINE = re.compile(
    r"^AssertionError: sigmoid\(z\): expected shape \(3,\), received shape \(4,\)$", re.M
)


def _wrong_notebook(assignment: str) -> nbformat.NotebookNode:
    """The reference answers, but `sigmoid` returns one entry too many."""
    nb = kit.solved_notebook(assignment)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    assert "def sigmoid(" in answer.source
    answer.source += "\n\ndef sigmoid(z):\n    return np.zeros(len(z) + 1)\n"
    return nb


def test_a_wrong_answer_reads_the_same_in_validate_the_terminal_and_the_notebook(
    lab, page, student_folder
):
    name = "01_neurons"
    path = f"exercises/{name}/{name}.ipynb"
    nbformat.write(_wrong_notebook(name), student_folder / path)
    open_notebook(page, lab, student_folder, path)

    page.locator(
        ".jp-Toolbar button, .jp-Toolbar .jp-ToolbarButtonComponent", has_text="Validate"
    ).first.click()
    page.wait_for_function(
        "() => /FAILED|error/i.test((document.querySelector('.jp-Dialog') || {}).innerText)",
        timeout=180_000,
    )
    dialog = page.locator(".jp-Dialog").inner_text()
    assert WRONG_LINE.search(dialog), dialog[:3000]
    assert "_make_checks" not in dialog and "z = [-2.,  0.,  3.]" in dialog
    message_top, code_top = page.evaluate(
        """() => {
            const blocks = [...document.querySelectorAll('#validation-message .jp-RenderedText')];
            const top = text => blocks.find(b => b.innerText.includes(text))
                .getBoundingClientRect().top;
            return [top('received shape (4,)'), top('check_array("sigmoid(z)"')];
        }"""
    )
    assert message_top < code_top  # the message first, the test cell's code under it
    page.locator(".jp-Dialog .jp-mod-accept").click()

    readme = (student_folder / "README.md").read_text()
    (validate,) = readme_commands(readme, "## 4. Do an exercise")
    run = subprocess.run(
        validate.replace("02_backprop", name),
        shell=True,
        cwd=student_folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr
    assert WRONG_LINE.search(run.stdout) and "_make_checks" not in run.stdout, run.stdout[:3000]
    assert "WARNING" not in run.stderr, run.stderr

    _menu(page, "Kernel", r"^Restart Kernel and Run All")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    shown = page.wait_for_function(
        """() => {
            const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
            const failed = outputs.find(o => o.innerText.includes('received shape (4,)'));
            if (failed) return failed.innerText;
            const w = document.querySelector('.jp-WindowedPanel-outer');  // attach every cell
            const end = w.scrollTop + w.clientHeight >= w.scrollHeight - 1;
            w.scrollTop = end ? 0 : w.scrollTop + 500;
            return false;
        }""",
        timeout=180_000,
        polling=500,
    ).json_value()
    assert WRONG_LINE.match(shown.strip()), shown[:2000]  # the message comes first
    assert "_make_checks" not in shown and "Traceback" not in shown


def test_reset_refuses_while_the_notebook_is_open_and_resets_only_that_exercise(
    lab, page, student_folder
):
    name, other = "01_neurons", kit.assignment_names()[1]
    path = f"exercises/{name}/{name}.ipynb"
    nbformat.write(_wrong_notebook(name), student_folder / path)
    mine = student_folder / "exercises" / other / f"{other}.ipynb"
    nb = nbformat.read(mine, as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source = "# my answer to the other exercise"
    nbformat.write(nb, mine)
    open_notebook(page, lab, student_folder, path)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)

    readme = (student_folder / "README.md").read_text()
    (reset,) = readme_commands(readme, "## 5. Start an exercise again")
    command = reset.replace(shlex.split(reset)[-1], name)
    refused = subprocess.run(
        command, shell=True, cwd=student_folder, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert path in refused.stderr and "Close its tab first" in refused.stderr
    assert "np.zeros(len(z) + 1)" in (student_folder / path).read_text(), "reset anyway"

    page.goto("about:blank")  # the tab is closed ...
    shut_down_every_kernel(lab)  # ... and its kernel shut down
    done = subprocess.run(
        command, shell=True, cwd=student_folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    released = student_folder / ".released" / name / f"{name}.ipynb"
    assert (student_folder / path).read_bytes() == released.read_bytes()
    assert "# my answer to the other exercise" in mine.read_text(), "another exercise was reset"


def test_upgrade_carries_two_answers_and_an_added_cell_with_exact_counts(lab, student_folder):
    readme = (student_folder / "README.md").read_text()
    (command,) = readme_commands(readme, "## 6. Take a newer version")
    old = (student_folder / shlex.split(command)[-1]).resolve()
    name = kit.assignment_names()[2]
    path = f"exercises/{name}/{name}.ipynb"
    released = student_folder / ".released" / name / f"{name}.ipynb"
    assert (student_folder / path).read_bytes() == released.read_bytes(), "not started here"
    for folder in (".released", "exercises"):  # the old edition: the same release, worked on
        shutil.copytree(student_folder / ".released", old / folder, copy_function=shutil.copyfile)
    nb = nbformat.read(old / path, as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")][:2]
    for number, cell in enumerate(answers):
        cell.source = f"# my answer number {number}"
    own = nbformat.v4.new_code_cell("# a test of my own")
    nb.cells.insert(nb.cells.index(answers[0]) + 1, own)
    nbformat.write(nb, old / path)

    run = subprocess.run(
        command, shell=True, cwd=student_folder, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines() == [f"carried 2 answers and 1 cell of your own into {path}"]
    carried = nbformat.read(student_folder / path, as_version=4)
    sources = [c.source for c in carried.cells]
    at = sources.index("# a test of my own")
    assert sources[at - 1] == "# my answer number 0" and "# my answer number 1" in sources


def test_the_terminal_shows_no_warning_from_kernels_or_notebooks(lab, lab_log):
    """What JupyterLab's terminal shows while notebooks open and kernels start (the tests above
    opened every notebook and validated one): no transport, trust or websocket warning."""
    session = api(
        lab,
        "POST",
        "sessions",
        {"path": NOTEBOOKS[0], "type": "notebook", "name": "", "kernel": {"name": "python3"}},
    )
    api(lab, "GET", f"contents/{NOTEBOOKS[0]}")
    for _ in range(120):
        if api(lab, "GET", f"kernels/{session['kernel']['id']}")["execution_state"] == "idle":
            break
        time.sleep(0.5)
    api(lab, "DELETE", f"sessions/{session['id']}")
    log = lab_log.read_text()
    assert "Kernel started" in log
    for warning in ("without encryption", "is not trusted", "websocket_ping_timeout", "WARNING"):
        assert warning not in log, [line for line in log.splitlines() if warning in line][:3]
    expected = (
        r"404 GET /(formgrader|assignments|courses)\b",  # a test above asks for these handlers
        r"Got events for closed stream",  # jupyter_server, as a kernel is shut down mid-message
    )
    warnings = [
        line
        for line in re.findall(r"^\[W .*", log, re.M)
        if not any(re.search(pattern, line) for pattern in expected)
    ]
    assert not warnings, warnings[:3]
