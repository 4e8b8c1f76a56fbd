"""What runs inside the grading sandbox: execute one notebook and stream the results back.

This file is bound read-only into the sandbox and run there as a plain script, so it imports
nothing from nngrade (only the standard library and nbclient).

Protocol: the job arrives as JSON on stdin (``notebook`` as nbformat JSON text, ``cell_timeout``,
``max_output_bytes``, ``startup_timeout``); results leave as JSON lines on the file descriptor
given as the only argument: one ``{"event": "cell", ...}`` line per executed code cell, then
``{"event": "done", "status": ..., "reason": ...}``. The descriptor is not inherited by the kernel
(``close_fds``) and this process makes itself non-dumpable, so the student's code, which runs as
the same user, can neither write to the channel through ``/proc`` nor attach to this process. It
can still kill it: the trusted side then keeps the cells already reported and zeroes the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import sys
import tempfile
import time
from queue import Empty

STARTED = time.time()  # for the benchmark's breakdown: the interpreter has started
# jsonschema's optional IRI format checker builds a grammar at import (about 3 s per sandbox);
# nothing here validates IRIs, so the runner goes without it.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
from jupyter_core.utils import ensure_async  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402
from nbclient.util import run_hook  # noqa: E402
from traitlets.config import Config  # noqa: E402

IMPORTED = time.time()

PR_SET_DUMPABLE = 4


class OutputLimitExceeded(Exception):
    """The kernel produced more output than the job allows."""


class CappedClient(NotebookClient):
    """A notebook client that reports every executed cell and caps the total output size."""

    def __init__(self, nb, channel, max_output_bytes: int, sandboxed: bool = False, **kwargs):
        super().__init__(nb, **kwargs)
        self.channel = channel
        self.max_output_bytes = max_output_bytes
        self.sandboxed = sandboxed
        self.output_bytes = 0
        self.output_exceeded = False
        self.on_cell_executed = self.report_cell
        self.on_notebook_start = self.mark_started
        self.timings: dict[str, float] = {}

    def mark_started(self, **_) -> None:
        self.timings["kernel_ready"] = time.time()

    async def async_start_new_kernel_client(self):
        """nbclient's, but waiting for the kernel with :func:`wait_until_ready`."""
        try:
            self.kc = self.km.client()
            await ensure_async(self.kc.start_channels())
            await wait_until_ready(self.kc, self.startup_timeout, self.timings)
        except Exception:
            await self._async_cleanup_kernel()
            raise
        self.kc.allow_stdin = False
        await run_hook(self.on_notebook_start, notebook=self.nb)
        return self.kc

    async def _async_cleanup_kernel(self) -> None:
        """In a sandbox (the warm path), end the kernel with SIGKILL and nothing more: nbclient
        would then poll every 0.1 s until it is gone and close its sockets, while the sandbox's
        PID namespace, killed by the trusted side right after, takes every process with it."""
        self.timings["cleanup"] = time.time()
        if not self.sandboxed:
            return await super()._async_cleanup_kernel()
        provisioner = getattr(self.km, "provisioner", None)
        if provisioner is not None:  # SIGKILL to the kernel's process group, as nbclient sends
            with contextlib.suppress(OSError):
                await provisioner.kill()

    def output(self, outs, msg, display_id, cell_index):
        self.output_bytes += len(json.dumps(msg["content"]))
        if self.output_bytes > self.max_output_bytes:
            if not self.output_exceeded:
                self.output_exceeded = True
                self.kill_kernel()
            return None
        return super().output(outs, msg, display_id, cell_index)

    def kill_kernel(self) -> None:
        """Stop a flooding kernel at once: interrupting it would let the flood go on."""
        process = getattr(self.km.provisioner, "process", None)
        if process is not None:
            process.kill()

    def report_cell(self, cell, cell_index, execute_reply):
        self.timings.setdefault("first_cell", time.time())
        self.timings["last_cell"] = time.time()
        reply = execute_reply["content"]
        if self.output_exceeded:  # its output was cut, so it cannot count as passing
            reply = {"status": "error", "ename": "OutputLimitExceeded", "evalue": "output cut"}
        if reply.get("status") == "error" and not any(
            o.get("output_type") == "error" for o in cell.outputs
        ):
            cell.outputs.append(
                nbformat.v4.new_output(
                    "error",
                    ename=reply.get("ename", "Error"),
                    evalue=reply.get("evalue", ""),
                    traceback=reply.get("traceback", []),
                )
            )
        send(
            self.channel,
            event="cell",
            index=cell_index,
            execution_count=cell.get("execution_count"),
            outputs=cell.outputs,
        )


async def wait_until_ready(kc, timeout: float, timings: dict) -> None:
    """jupyter_client's ``wait_for_ready`` without its last step, which waits until the IOPub
    channel has been quiet for 0.2 s (every submission paid it): what is still on that channel
    then (the replies' status messages, anything the kernel printed while starting) belongs to
    no cell, and nbclient keeps only the messages whose parent is the cell it runs."""
    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            pass
        else:
            if reply["msg_type"] == "kernel_info_reply":
                try:  # IOPub is connected once it carries a message (as jupyter_client checks)
                    await kc.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass
                else:
                    kc._handle_kernel_info_reply(reply)
                    timings["kernel_info"] = time.time()
                    return
        if not await kc._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


def send(channel, **message) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def make_undumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def local_socket_config(folder: str) -> Config:
    """The kernel talks over Unix sockets in ``folder`` (as nnbook.kernels sets it, which this
    script cannot import): no TCP port to race for when grading runs without a sandbox's network
    namespace (``--unsafe``), and no transport warning in the kernel's log."""
    config = Config()
    if os.name == "posix":
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(folder, "kernel")
    return config


def run(job: dict, channel, sockets: str, launcher=None, timings=None) -> tuple[str, str]:
    """Execute the job's notebook, its kernel's sockets in ``sockets``; return (status, reason).
    ``launcher`` replaces jupyter_client's ``launch_kernel`` (the warm path's pre-forked kernel,
    see nngrade.zygote)."""
    from jupyter_client.provisioning import local_provisioner

    launch = launcher or local_provisioner.launch_kernel

    def timed_launch(*args, **kwargs):
        if timings is not None:
            timings["launch"] = time.time()
        return launch(*args, **kwargs)

    local_provisioner.launch_kernel = timed_launch
    nb = nbformat.reads(job["notebook"], as_version=4)
    if timings is not None:
        timings["parsed"] = time.time()
    client = CappedClient(
        nb,
        channel,
        sandboxed=launcher is not None,
        config=local_socket_config(sockets),
        max_output_bytes=job["max_output_bytes"],
        timeout=job["cell_timeout"],
        startup_timeout=job["startup_timeout"],
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=False,
        shutdown_kernel="immediate",
        record_timing=False,
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
        resources={"metadata": {"path": os.getcwd()}},
    )
    if timings is not None:
        client.timings = timings
    try:
        client.execute()
    except CellTimeoutError:
        return "cell_timeout", f"a cell ran longer than the {job['cell_timeout']} s limit"
    except DeadKernelError:
        if client.output_exceeded:
            return "output_limit", f"output exceeded the {job['max_output_bytes']} byte limit"
        return "kernel_died", "the kernel died (it crashed, exited or was killed)"
    except Exception as error:  # the job must end with a status whatever went wrong
        if client.output_exceeded:
            return "output_limit", f"output exceeded the {job['max_output_bytes']} byte limit"
        return "error", f"execution failed: {type(error).__name__}: {error}"[:500]
    if client.output_exceeded:
        return "output_limit", f"output exceeded the {job['max_output_bytes']} byte limit"
    return "ok", ""


def main() -> None:
    make_undumpable()
    os.set_inheritable(int(sys.argv[1]), False)
    serve_job(json.load(sys.stdin), int(sys.argv[1]), started=(STARTED, IMPORTED))


def serve_job(job: dict, fd: int, launcher=None, started=None) -> None:
    """Run ``job``, report on descriptor ``fd``, and end this process. ``started``: when this
    interpreter started and had imported what it needs (now, in a zygote's child)."""
    channel = os.fdopen(fd, "w", encoding="utf-8")
    os.set_inheritable(fd, False)
    now = time.time()
    runner, imported = started or (now, now)
    timings = {"runner": runner, "imported": imported}
    sockets = tempfile.mkdtemp(prefix="nnk-")
    try:
        status, reason = run(job, channel, sockets, launcher, timings)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    timings["end"] = time.time()
    send(channel, event="done", status=status, reason=reason, timings=timings)
    channel.close()
    # The kernel and anything it started die with the sandbox's PID namespace.
    os._exit(0)


if __name__ == "__main__":
    main()
