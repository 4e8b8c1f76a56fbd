"""The sandbox on its own: what the kernel sees, the wall-time limit, the command line."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import nbformat
import pytest
from nngrade.safe_autograde import apply_result
from nngrade.sandbox import execute_job, isolation_problem, sandbox_command
from support.sandboxing import TEST_LIMITS, sandbox_processes


def notebook(*sources: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.writes(nb)


def test_isolation_is_available_here():
    assert isolation_problem() is None


def test_command_drops_privileges_and_namespaces():
    command = sandbox_command("/tmp/copy", 61001, TEST_LIMITS, ["/opt/env"])
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session"):
        assert flag in command
    assert "--reuid=61001" in command and "--no-new-privs" in command
    assert f"--nproc={TEST_LIMITS.max_processes}" in command
    assert command[command.index("/tmp/copy") + 1] == "/submission"  # the only writable bind


@pytest.mark.slow
@pytest.mark.xdist_group("safegrade")
def test_kernel_sees_only_its_copy_as_an_unprivileged_user():
    probe = "import os, json\nprint(json.dumps([os.getuid(), sorted(os.listdir('.'))]))"
    result = execute_job(
        {"notebook": notebook(probe), "files": {"data.txt": b"1"}, "limits": asdict(TEST_LIMITS)}
    )
    assert result["status"] == "ok"
    uid, listing = json.loads(result["cells"][0]["outputs"][0]["text"])
    assert uid >= 61000
    assert "data.txt" in listing and not any(name.endswith(".ipynb") for name in listing)


@pytest.mark.slow
@pytest.mark.xdist_group("safegrade")
def test_whole_notebook_wall_time_stops_the_sandbox():
    limits = replace(TEST_LIMITS, notebook_timeout=20, cell_timeout=5, first_uid=63000)
    sources = ["import time"] + ["time.sleep(1)"] * 60
    result = execute_job({"notebook": notebook(*sources), "limits": asdict(limits)})
    assert result["status"] == "wall_timeout"
    assert len(result["cells"]) < len(sources)  # the rest never ran
    assert sandbox_processes(63000) == []


def test_unexecuted_test_cells_fail_and_carry_the_reason():
    nb = nbformat.v4.new_notebook()
    graded = {"nbgrader": {"grade": True, "solution": False, "points": 1, "grade_id": "t"}}
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("assert x", metadata=graded),
    ]
    result = {"cells": {"0": {"outputs": [], "execution_count": 1}}, "status": "wall_timeout"}
    apply_result(nb, {**result, "reason": "too slow"})
    assert nb.cells[0].cell_type == "markdown" and "too slow" in nb.cells[0].source
    assert nb.cells[2].outputs[0]["output_type"] == "error"
    assert nb.cells[2].outputs[0]["evalue"] == "too slow"
