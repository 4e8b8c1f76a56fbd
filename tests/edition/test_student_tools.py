"""`python -m nnbook.reset`, `python -m nnbook.upgrade` and `python -m nnbook.validate`, on
editions laid out as the generator lays them out (exercises/ to work in, .released/ as released).

A running JupyterLab is stood in for by a small HTTP server on 127.0.0.1 that answers
`/api/sessions` as Jupyter server does, with a token (the real one is driven in
test_edition_in_jupyterlab.py).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import gradingkit as kit
import nbformat
import pytest
from support import ROOT

from nnbook import reset, running, upgrade

ASSIGNMENTS = sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir())


def _edition(root: Path) -> Path:
    shutil.copytree(ROOT / "exercises", root / "exercises")
    shutil.copytree(ROOT / "exercises", root / ".released")
    return root


def _run(module: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def _notebook(root: Path, name: str) -> Path:
    return root / "exercises" / name / f"{name}.ipynb"


def _answer(path: Path, text: str, which: int = 0) -> str:
    """Write `text` into answer cell number `which` of the notebook at `path`; returns its grade
    id."""
    nb = nbformat.read(path, as_version=4)
    cell = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")][which]
    cell.source = text
    nbformat.write(nb, path)
    return cell.metadata.nbgrader.grade_id


@pytest.fixture
def lab(monkeypatch):
    """A stand-in for a running JupyterLab: `lab(root, [paths open], token=...)` makes it serve
    those sessions (paths relative to `root`) to requests carrying the token "secret"."""
    servers = []

    def start(root: Path, open_paths: list[str], token: str = "secret"):
        class Sessions(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if (
                    self.path != "/api/sessions"
                    or self.headers["Authorization"] != f"token {token}"
                ):
                    self.send_error(403)
                    return
                body = json.dumps([{"path": p, "type": "notebook"} for p in open_paths]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Sessions)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        port = server.server_address[1]
        info = {"url": f"http://localhost:{port}/", "port": port, "base_url": "/"}
        info.update(token="secret", root_dir=str(root))
        monkeypatch.setattr(running, "_servers", lambda: [info])
        monkeypatch.chdir(root)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_reset_restores_one_exercise_and_keeps_the_others(tmp_path):
    root = _edition(tmp_path)
    first, second = ASSIGNMENTS[0], ASSIGNMENTS[1]
    _answer(_notebook(root, first), "my answer to the first")
    _answer(_notebook(root, second), "my answer to the second")
    result = _run("nnbook.reset", first, cwd=root)
    assert result.returncode == 0, result.stderr
    assert (
        _notebook(root, first).read_bytes()
        == (ROOT / "exercises" / first / f"{first}.ipynb").read_bytes()
    )
    assert "my answer to the second" in _notebook(root, second).read_text()
    kept = _notebook(root, first).with_name(f"{first}.before-reset.ipynb")
    assert "my answer to the first" in kept.read_text()


def test_reset_of_an_unknown_assignment_lists_the_real_ones(tmp_path):
    root = _edition(tmp_path)
    result = _run("nnbook.reset", "04_optimisers", cwd=root)
    assert result.returncode == 2
    assert "no assignment '04_optimisers'" in result.stderr and "Traceback" not in result.stderr
    assert all(name in result.stderr for name in ASSIGNMENTS)


def test_reset_outside_an_edition_says_where_to_run_it(tmp_path):
    result = _run("nnbook.reset", ASSIGNMENTS[0], cwd=tmp_path)
    assert result.returncode == 2 and "student edition" in result.stderr


def test_upgrade_carries_answers_into_the_new_edition(tmp_path):
    old, new = _edition(tmp_path / "old"), _edition(tmp_path / "new")
    name = ASSIGNMENTS[1]
    grade_id = _answer(_notebook(old, name), "def mine():\n    return 42")
    (old / "exercises" / name / "scratch.txt").write_text("my notes")
    # the new edition fixed a typo in the instructions of that exercise
    released = nbformat.read(new / ".released" / name / f"{name}.ipynb", as_version=4)
    released.cells[0].source += "\n\nFixed in the new edition."
    nbformat.write(released, new / ".released" / name / f"{name}.ipynb")
    nbformat.write(released, _notebook(new, name))

    result = _run("nnbook.upgrade", str(old), cwd=new)
    assert result.returncode == 0, result.stderr
    carried = nbformat.read(_notebook(new, name), as_version=4)
    answer = next(
        c for c in carried.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    assert answer.source == "def mine():\n    return 42"
    assert "Fixed in the new edition." in carried.cells[0].source
    assert (new / "exercises" / name / "scratch.txt").read_text() == "my notes"
    untouched = ASSIGNMENTS[0]
    assert (
        _notebook(new, untouched).read_bytes()
        == (ROOT / "exercises" / untouched / f"{untouched}.ipynb").read_bytes()
    )
    assert "def mine" in _notebook(old, name).read_text(), "the old edition is only read"


def test_upgrade_never_overwrites_work_started_in_the_new_edition(tmp_path):
    old, new = _edition(tmp_path / "old"), _edition(tmp_path / "new")
    name = ASSIGNMENTS[0]
    _answer(_notebook(old, name), "old work")
    _answer(_notebook(new, name), "new work")
    result = _run("nnbook.upgrade", str(old), cwd=new)
    assert result.returncode == 0 and "kept" in result.stdout
    assert "new work" in _notebook(new, name).read_text()


def test_upgrade_from_a_folder_that_is_no_edition_is_refused(tmp_path):
    new = _edition(tmp_path / "new")
    result = _run("nnbook.upgrade", str(tmp_path / "missing"), cwd=new)
    assert result.returncode == 2 and "is not a student edition" in result.stderr


def test_reset_refuses_while_the_notebook_is_open_in_jupyterlab(tmp_path, lab, capsys):
    root = _edition(tmp_path)
    first, second = ASSIGNMENTS[0], ASSIGNMENTS[1]
    _answer(_notebook(root, first), "my answer to the first")
    _answer(_notebook(root, second), "my answer to the second")
    lab(root, [f"exercises/{first}/{first}.ipynb"])
    assert reset.main([first]) == 2
    error = capsys.readouterr().err
    assert f"exercises/{first}/{first}.ipynb" in error and "Close its tab first" in error
    assert "my answer to the first" in _notebook(root, first).read_text(), "nothing was reset"
    assert not list(root.rglob("*.before-reset.ipynb"))
    assert reset.main([second]) == 0, "another exercise, not open, is reset"
    assert "my answer to the second" not in _notebook(root, second).read_text()


def test_reset_refuses_when_a_running_jupyterlab_does_not_answer_unless_forced(
    tmp_path, lab, capsys
):
    root = _edition(tmp_path)
    name = ASSIGNMENTS[0]
    _answer(_notebook(root, name), "mine")
    lab(root, [], token="another")  # a server the token it published does not open
    assert reset.main([name]) == 2
    assert "--force" in capsys.readouterr().err
    assert "mine" in _notebook(root, name).read_text()
    assert reset.main([name, "--force"]) == 0
    assert "mine" not in _notebook(root, name).read_text()


def _source(nb, grade_id):
    return next(
        c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def test_upgrade_carries_answers_and_added_cells_in_place_with_exact_counts(tmp_path):
    old, new = _edition(tmp_path / "old"), _edition(tmp_path / "new")
    name = ASSIGNMENTS[1]
    first = _answer(_notebook(old, name), "def first():\n    return 1", which=0)
    second = _answer(_notebook(old, name), "def second():\n    return 2", which=1)
    nb = nbformat.read(_notebook(old, name), as_version=4)
    after = next(
        i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == first
    )
    mine = nbformat.v4.new_code_cell("assert first() == 1  # my own test")
    nb.cells.insert(after + 1, mine)
    nbformat.write(nb, _notebook(old, name))
    shutil.copyfile(
        ROOT / "exercises" / name / f"{name}.ipynb",
        old / "exercises" / name / f"{name}.before-reset.ipynb",
    )
    # the new edition fixed the instructions of that exercise
    released = nbformat.read(new / ".released" / name / f"{name}.ipynb", as_version=4)
    released.cells[0].source += "\n\nFixed in the new edition."
    nbformat.write(released, new / ".released" / name / f"{name}.ipynb")
    nbformat.write(released, _notebook(new, name))

    result = _run("nnbook.upgrade", str(old), cwd=new)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"carried 2 answers and 1 cell of your own into exercises/{name}/{name}.ipynb"
    ]
    carried = nbformat.read(_notebook(new, name), as_version=4)
    assert _source(carried, first) == "def first():\n    return 1"
    assert _source(carried, second) == "def second():\n    return 2"
    index = next(i for i, c in enumerate(carried.cells) if c.source == mine.source)
    assert carried.cells[index - 1].metadata.nbgrader.grade_id == first, "not in place"
    assert len(carried.cells) == len(released.cells) + 1
    assert "Fixed in the new edition." in carried.cells[0].source
    assert not list(new.rglob("*.before-reset.ipynb")), "a backup was carried"
    nbformat.validate(carried)


def test_upgrade_refuses_while_a_notebook_it_would_rewrite_is_open(tmp_path, lab, capsys):
    old, new = _edition(tmp_path / "old"), _edition(tmp_path / "new")
    name = ASSIGNMENTS[0]
    _answer(_notebook(old, name), "old work")
    lab(new, [f"exercises/{name}/{name}.ipynb"])
    assert upgrade.main([str(old)]) == 2
    assert "Close its tab first" in capsys.readouterr().err
    assert (
        _notebook(new, name).read_bytes()
        == (ROOT / "exercises" / name / f"{name}.ipynb").read_bytes()
    )


def test_validate_exits_1_with_the_whole_message_and_0_when_every_test_passes(tmp_path):
    root = _edition(tmp_path)
    name = ASSIGNMENTS[0]
    solved = kit.solved_notebook(name)
    nbformat.write(solved, _notebook(root, name))
    passed = _run("nnbook.validate", f"exercises/{name}/{name}.ipynb", cwd=root)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    answer = next(c for c in solved.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source += "\n\ndef sigmoid(z):\n    return np.zeros(len(z) + 1)\n"
    nbformat.write(solved, _notebook(root, name))
    failed = _run("nnbook.validate", f"exercises/{name}/{name}.ipynb", cwd=root)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    out = failed.stdout
    assert re.match(rf"exercises/{name}/{name}.ipynb: \d+ test cell\(s\) FAILED", out), out[:500]
    assert re.search(
        r"^AssertionError: sigmoid\(z\): expected shape \(3,\), received shape \(4,\)$", out, re.M
    ), out
    assert "z = [-2.,  0.,  3.]" in out and "_make_checks" not in out
    assert "\x1b[" not in out, "colours written to a pipe"


def _identity(folder: Path) -> str:
    import runpy

    variants = runpy.run_path(str(ROOT / "solutions" / "_shared" / "variants.py"))
    return variants["student_identity"](folder.name, folder)[0]


def test_student_id_is_set_once_for_every_exercise_and_carried_by_upgrade(tmp_path):
    old, new = _edition(tmp_path / "old"), _edition(tmp_path / "new")
    exercise = old / "exercises" / ASSIGNMENTS[0]
    assert _identity(exercise) == ""  # the default variant
    done = _run("nnbook.student_id", "s1234567", cwd=old)
    assert done.returncode == 0, done.stderr
    assert all(_identity(old / "exercises" / a) == "s1234567" for a in ASSIGNMENTS)
    assert "s1234567" in _run("nnbook.student_id", cwd=old).stdout
    refused = _run("nnbook.student_id", "../x y", cwd=old)
    assert refused.returncode == 2 and "not a student id" in refused.stderr
    upgraded = _run("nnbook.upgrade", str(old), cwd=new)
    assert upgraded.returncode == 0, upgraded.stderr
    assert _identity(new / "exercises" / ASSIGNMENTS[0]) == "s1234567"
