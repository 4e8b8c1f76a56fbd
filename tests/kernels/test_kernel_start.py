"""Kernels started side by side never race for a port (nnbook.kernels).

Two processes start twenty kernels each at the same time, as two test workers, two nbgrader runs
or two grading workers without a sandbox do; every kernel must answer. Over TCP this failed at
random (``Address already in use``, then "Kernel died before replying to kernel_info").
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from nnbook.kernels import has_local_sockets, use_local_sockets

pytestmark = pytest.mark.slow

KERNELS_PER_PROCESS = 20

# One process: start kernels one after another with the course's configuration, each asked to
# run a line, and print what each kernel printed and where its sockets were.
STARTER = textwrap.dedent(
    """
    import sys
    from jupyter_client.manager import KernelManager
    from nnbook.kernels import use_local_sockets

    for number in range(int(sys.argv[1])):
        manager = KernelManager(config=use_local_sockets())
        manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            reply = client.execute_interactive(
                "print(6 * 7)",
                timeout=60,
                output_hook=lambda msg: print(msg["content"].get("text", ""), end=""),
            )
            status = reply["content"]["status"]
            print(f"kernel {number}: {status} {manager.transport} {manager.ip}", flush=True)
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    """
)


def test_local_sockets_are_what_every_kernel_start_uses():
    config = use_local_sockets()
    assert has_local_sockets()
    assert config.KernelManager.transport == "ipc"
    assert use_local_sockets().KernelManager.ip != config.KernelManager.ip


def test_forty_kernels_from_two_processes_at_once_all_answer():
    command = [sys.executable, "-c", STARTER, str(KERNELS_PER_PROCESS)]
    starters = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [starter.communicate(timeout=600) for starter in starters]
    for starter, (out, err) in zip(starters, results, strict=True):
        assert starter.returncode == 0, err[-3000:]
        answered = [line for line in out.splitlines() if line.startswith("kernel ")]
        assert len(answered) == KERNELS_PER_PROCESS, out
        assert all(" ok ipc /" in line for line in answered), out
        assert out.splitlines().count("42") == KERNELS_PER_PROCESS, out
        assert "Address already in use" not in err
        assert "without encryption" not in err, err[-2000:]
    folders = {
        line.split()[-1].rsplit("/", 1)[0]
        for out, _ in results
        for line in out.splitlines()
        if line.startswith("kernel ")
    }
    assert len(folders) == 2, "each process numbers its sockets in a folder of its own"
