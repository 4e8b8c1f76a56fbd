"""Warm kernels: a pre-imported fork server whose children enter a fresh sandbox each.

Starting a Python interpreter and importing ipykernel, nbclient, NumPy and Matplotlib is most
of what grading one submission costs. The *zygote* pays it once: a trusted process (root, on the
host, outside any sandbox) that imports those libraries, never runs student code, and stays
single-threaded. For every submission the trusted side starts the same bubblewrap sandbox as the
cold path (its own mount, PID, network, IPC, UTS and cgroup namespaces, a private ``/tmp``, the
submission's private copy), with only a placeholder inside, and hands the zygote the
descriptors of those namespaces, of the result channel and of the job (the notebook, which the
zygote never reads). The zygote forks:

- ``A`` (root) joins the sandbox's namespaces (``setns``: mount namespace last, which also moves
  its root and working directory into the sandbox) and forks ``B`` into the PID namespace;
- ``B`` closes every descriptor but the channel, sets the limits (``setrlimit``, as ``prlimit``
  does), drops to the sandbox user (no groups, empty capability sets, ``no_new_privs``), sets the
  sandbox's environment, forks the kernel ``C`` (still single-threaded), then reads the
  notebook and runs it with the ordinary runner (``runner.py``), whose kernel launcher hands
  ``C`` the command line and environment nbclient chose;
- ``C`` takes them, reseeds ``random`` and NumPy's global generator, resets what the zygote
  cached about its own environment and becomes the IPython kernel.

Each child is a copy of the zygote's memory, which no student ever touched, so nothing of one
submission can reach the next: every process, file, mount and descriptor of a submission dies
with its sandbox, as in the cold path. Killing the placeholder's bubblewrap kills the PID
namespace and everything in it; ``A`` dies with the zygote (``PR_SET_PDEATHSIG``); the zygote
exits when the grading process closes its socket, or dies.

This module is both the trusted side's client (:class:`Zygote`, light to import) and, run as a
script, the zygote itself (which imports nothing of nngrade, so no grading code or data is in
the kernels' memory).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

RUNNER = Path(__file__).with_name("runner.py")
#: What a kernel of this course imports anyway (nnlib itself is left out: ``_without_nnlib``
#: blocks what is in ``sys.modules``, which must stay what the notebook imported).
PRELOAD = (
    "numpy",
    "numpy.lib.stride_tricks",
    "numpy.random",  # reseeded in every kernel (fresh_state), as a new interpreter seeds it
    "secrets",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.axes",
    "matplotlib.colors",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "tornado.platform.asyncio",
    "faulthandler",
    "ipykernel.debugger",  # debugpy: half a second of every kernel's start
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.core.completerlib",
    "IPython.core.logger",
    "IPython.extensions.storemagic",
    "sqlite3",
    "nbclient",
    "nbformat",
)
NAMESPACES = (  # joined in this order: the mount namespace last (it moves root and cwd)
    ("cgroup", 0x02000000),
    ("ipc", 0x08000000),
    ("uts", 0x04000000),
    ("net", 0x40000000),
    ("pid", 0x20000000),
    ("mnt", 0x00020000),
)
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
DEBUG = "NNGRADE_ZYGOTE_DEBUG" in os.environ  # children keep the zygote's stderr (its log)
WARM_FAILED = "warm_failed"  # the channel's event when a child could not start: cold path


# ---------------------------------------------------------------- the trusted side's client


def _send(sock: socket.socket, message: dict, fds: list[int] = ()) -> None:
    data = json.dumps(message).encode()
    header = struct.pack("!I", len(data))
    if fds:
        socket.send_fds(sock, [header], list(fds))
    else:
        sock.sendall(header)
    sock.sendall(data)


def _receive(sock: socket.socket) -> tuple[dict | None, list[int]]:
    header, fds, _, _ = socket.recv_fds(sock, 4, 16)
    if not header:
        return None, fds
    while len(header) < 4:
        more = sock.recv(4 - len(header))
        if not more:
            return None, fds
        header += more
    (size,) = struct.unpack("!I", header)
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(min(size - len(data), 1 << 20))
        if not chunk:
            return None, fds
        data += chunk
    return json.loads(data), fds


class Zygote:
    """One zygote process per grading process, shared by its threads, started on first use."""

    _lock = threading.Lock()
    _current: Zygote | None = None

    def __init__(self, environment: dict[str, str]) -> None:
        import tempfile

        self.home = tempfile.mkdtemp(prefix="nngrade-zygote-")  # matplotlib's cache, its HOME
        self.log = tempfile.TemporaryFile()
        ours, theirs = socket.socketpair()
        env = {**environment, "HOME": self.home, "MPLCONFIGDIR": self.home}
        if DEBUG:
            env["NNGRADE_ZYGOTE_DEBUG"] = "1"
        command = [sys.executable, str(Path(__file__)), str(theirs.fileno()), str(os.getpid())]
        self.process = subprocess.Popen(
            command,
            env=env,
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            cwd="/",
        )
        theirs.close()
        self.socket = ours
        self.lock = threading.Lock()
        ready, _ = _receive(ours)
        if not ready or not ready.get("ready"):
            self.process.wait()
            self.log.seek(0)
            problem = self.log.read().decode(errors="replace")[-300:]
            self.close()
            raise RuntimeError(f"the zygote did not start: {problem.strip()}")

    @classmethod
    def shared(cls, environment: dict[str, str]) -> Zygote:
        """This process's zygote, started again if it died."""
        with cls._lock:
            if cls._current is None or cls._current.process.poll() is not None:
                if cls._current is not None:
                    cls._current.close()
                cls._current = cls(environment)
            return cls._current

    @classmethod
    def stop(cls) -> None:
        with cls._lock:
            if cls._current is not None:
                cls._current.close()
                cls._current = None

    def spawn(self, request: dict, fds: list[int]) -> int:
        """Fork a child for ``request`` (the channel and the namespaces in ``fds``); its pid."""
        with self.lock:
            _send(self.socket, request, fds)
            reply, _ = _receive(self.socket)
        if reply is None or "pid" not in reply:
            raise RuntimeError(f"the zygote did not fork: {reply}")
        return int(reply["pid"])

    def close(self) -> None:
        import shutil

        with contextlib.suppress(OSError):
            self.socket.close()
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)


def namespace_fds(info: dict) -> list[int]:
    """Open descriptors of the namespaces bwrap reported on its ``--info-fd`` (in
    :data:`NAMESPACES` order), each checked against the namespace id it reported."""
    fds = []
    try:
        for name, _ in NAMESPACES:
            fds.append(os.open(f"/proc/{info['child-pid']}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC))
            if os.fstat(fds[-1]).st_ino != info[f"{name}-namespace"]:
                raise OSError(f"the sandbox's {name} namespace is not the one bwrap made")
    except (OSError, KeyError):
        for fd in fds:
            os.close(fd)
        raise
    return fds


# ---------------------------------------------------------------- the zygote (run as a script)

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _prctl(option: int, value: int = 0, extra: int = 0) -> None:
    _check(_libc.prctl(option, value, extra, 0, 0), f"prctl({option})")


def _single_threaded() -> bool:
    return threading.active_count() == 1 and len(os.listdir("/proc/self/task")) == 1


def preload() -> None:
    import importlib

    # as in runner.py: jsonschema's optional IRI checker costs seconds and nothing needs it
    sys.modules.setdefault("rfc3987_syntax", None)
    for name in PRELOAD:
        importlib.import_module(name)
    import matplotlib.font_manager  # noqa: F401 (builds the font list once, here)
    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    KernelProvisionerFactory.instance()  # reads every installed package's entry points (0.1 s)
    warm_notebook_validators()

    spec = importlib.util.spec_from_file_location("nngrade_runner", RUNNER)
    runner = importlib.util.module_from_spec(spec)
    sys.modules["nngrade_runner"] = runner
    spec.loader.exec_module(runner)


def warm_notebook_validators() -> None:
    """Compile nbformat's JSON-schema validators now (fastjsonschema generates and compiles
    Python code for each on first use: 0.05 to 0.1 s that every runner paid to parse its
    notebook). A validator is a pure function of the schema: nothing of a notebook is kept."""
    import nbformat
    from nbformat.validator import get_validator

    for minor in range(nbformat.v4.nbformat_minor + 1):
        get_validator(4, minor)
    nbformat.reads(nbformat.writes(nbformat.v4.new_notebook()), as_version=4)


def serve(sock: socket.socket, base_path: list[str]) -> None:
    """Fork one child per request until the grading process closes the socket."""
    zygote = os.getpid()

    def reap(*_):
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass

    signal.signal(signal.SIGCHLD, reap)
    _send(sock, {"ready": True})
    while True:
        request, fds = _receive(sock)
        if request is None:
            return
        if not _single_threaded():  # fork with threads is unsafe: refuse, the cold path runs
            _send(sock, {"error": "the zygote is not single-threaded"})
            for fd in fds:
                os.close(fd)
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sock.close()
            _child(enter_sandbox, request, fds, zygote, base_path)
        for fd in fds:
            os.close(fd)
        _send(sock, {"pid": pid})


def _child(function, *args) -> None:
    """Run ``function`` in a forked child and end the child with its status, never returning
    into the parent's code (a traceback goes to the child's stderr: /dev/null but in DEBUG)."""
    status = 70
    try:
        status = function(*args)
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
    finally:
        os._exit(status)


def _fail(channel: int, error: BaseException) -> int:
    message = {"event": WARM_FAILED, "reason": f"{type(error).__name__}: {error}"[:300]}
    with contextlib.suppress(OSError):
        os.write(channel, (json.dumps(message) + "\n").encode())
    return 71


def enter_sandbox(request: dict, fds: list[int], zygote: int, base_path: list[str]) -> int:
    """Process A: join the sandbox's namespaces, then run B in its PID namespace."""
    channel, job, namespaces = fds[0], fds[1], fds[2:]
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != zygote:
            return 72
        for fd, (name, flag) in zip(namespaces, NAMESPACES, strict=True):
            _check(_libc.setns(fd, flag), f"setns({name})")
            os.close(fd)
        os.chdir(request["cwd"])
    except BaseException as error:  # noqa: BLE001 (any failure here means: use the cold path)
        return _fail(channel, error)
    pid = os.fork()
    if pid == 0:
        _child(run_submission, request, channel, job, base_path)
    os.close(channel)
    os.close(job)
    os.waitpid(pid, 0)
    return 0


def drop_privileges(uid: int) -> None:
    """What ``setpriv --reuid --regid --clear-groups --no-new-privs --inh-caps=-all
    --bounding-set=-all`` does."""
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last + 1):
        _prctl(PR_CAPBSET_DROP, cap)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: all empty
    _check(_libc.capset(header, data), "capset")
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


def set_limits(limits: dict) -> None:
    import resource

    for name, value in (
        ("RLIMIT_CPU", limits["cpu_seconds"]),
        ("RLIMIT_AS", limits["memory_bytes"]),
        ("RLIMIT_NPROC", limits["max_processes"]),
        ("RLIMIT_FSIZE", limits["max_file_bytes"]),
        ("RLIMIT_NOFILE", limits["max_open_files"]),
        ("RLIMIT_CORE", 0),
    ):
        resource.setrlimit(getattr(resource, name), (value, value))


def _close_all_but(*keep: int) -> None:
    keep_fds = sorted({0, 1, 2, *keep})
    low = 0
    for fd in keep_fds:
        if low < fd:  # os.closerange(n, n) would close everything from n up
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def run_submission(request: dict, channel: int, job: int, base_path: list[str]) -> int:
    """Process B: the runner, as the sandbox user, inside every namespace of the sandbox. It
    reads the notebook from descriptor ``job`` only after forking the kernel: neither the zygote
    nor any kernel ever holds a submission's notebook (or its hidden tests) in its memory."""
    try:
        _close_all_but(channel, job)
        null = os.open("/dev/null", os.O_RDWR)  # not the zygote's standard streams
        for fd in (0, 1, 2) if not DEBUG else (0, 1):
            os.dup2(null, fd)
        os.close(null)
        os.setsid()  # bwrap --new-session
        set_limits(request["limits"])
        drop_privileges(int(request["uid"]))
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[:] = [os.path.dirname(request["runner"]), *base_path]
        sys.argv[:] = [request["runner"], str(channel)]
        import tempfile

        tempfile.tempdir = None
        runner = sys.modules["nngrade_runner"]
        runner.make_undumpable()
        kernel = fork_kernel(base_path)
        with os.fdopen(job, "rb") as source:
            notebook_job = json.load(source)
    except BaseException as error:  # noqa: BLE001
        return _fail(channel, error)
    runner.serve_job(notebook_job, channel, launcher=kernel.launch)
    return 0


class ForkedKernel:
    """The pre-forked kernel C, seen by jupyter_client as the ``Popen`` it would have made."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, order: int) -> None:
        self.pid, self.order, self.returncode = pid, order, None

    def launch(self, cmd: list[str], **kwargs) -> ForkedKernel:
        """jupyter_client's ``launch_kernel``: send C the command, environment and folder."""
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as launch_kernel sets it
        order = json.dumps({"cmd": list(cmd), "env": env, "cwd": kwargs.get("cwd")})
        with os.fdopen(self.order, "w") as pipe:
            pipe.write(order)
        return self

    def poll(self) -> int | None:
        if self.returncode is None:
            with contextlib.suppress(ChildProcessError):
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["kernel"], timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def fork_kernel(base_path: list[str]) -> ForkedKernel:
    """Fork C now, while B is single-threaded; it waits for its command line.

    C is in a session of its own (as ``launch_kernel``'s ``start_new_session``) before this
    returns: jupyter_client reads the kernel's process group once it is launched and ends the
    kernel by killing that group. Were C still in B's group then (C not yet scheduled, on a busy
    machine), that kill would take B, the runner, with it before it reported the notebook done."""
    read_end, write_end = os.pipe()
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        os.write(ready_write, b"\0")
        _close_all_but(read_end)  # the result channel first of all
        _child(become_kernel, read_end, base_path)
    os.close(read_end)
    os.close(ready_write)
    os.read(ready_read, 1)  # C has its session (or died: then the read ends at once)
    os.close(ready_read)
    return ForkedKernel(pid, write_end)


def become_kernel(order_fd: int, base_path: list[str]) -> int:
    """Process C (already in a session of its own, see :func:`fork_kernel`): the IPython
    kernel nbclient asked for, as ``python -m ipykernel_launcher``."""
    with os.fdopen(order_fd, "r") as pipe:
        text = pipe.read()
    if not text:
        return 0  # the runner ended before it needed a kernel
    order = json.loads(text)
    cmd, env, cwd = order["cmd"], order["env"], order["cwd"] or os.getcwd()
    stdin, closed = os.pipe()  # launch_kernel: a pipe it closes at once
    os.close(closed)
    os.dup2(stdin, 0)
    _close_all_but()
    os.chdir(cwd)
    if cmd[1:3] != ["-m", "ipykernel_launcher"] or os.path.realpath(cmd[0]) != os.path.realpath(
        sys.executable
    ):
        os.execvpe(cmd[0], cmd, env)  # not our kernel: exactly what launch_kernel would run
    os.environ.clear()
    os.environ.update(env)
    _prctl(PR_SET_DUMPABLE, 1)  # as after exec: the kernel's /proc/self is its user's
    fresh_state()
    import importlib.util

    sys.argv[:] = [importlib.util.find_spec("ipykernel_launcher").origin, *cmd[3:]]
    sys.path[:] = base_path  # ipykernel_launcher drops the cwd; the shell adds it back
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
    return 0


def fresh_state() -> None:
    """What a new interpreter would not share with its siblings: seeds, cached folders."""
    import random
    import tempfile

    random.seed()
    numpy_random = sys.modules.get("numpy.random")  # imported lazily: fresh where it is not
    if numpy_random is not None:
        numpy_random.seed()
    tempfile.tempdir = None
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None:  # cached from the zygote's environment: computed again
        for name in ("get_configdir", "get_cachedir"):
            function = getattr(matplotlib, name)
            inner = getattr(function, "__wrapped__", None)
            if inner is not None:
                setattr(matplotlib, name, matplotlib._logged_cached(f"{name}=%s")(inner))


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    grader = int(sys.argv[2])
    if os.getppid() != grader:
        sys.exit(1)
    base_path = [p for p in sys.path[1:]]  # what a fresh ``python -m`` has after its cwd
    os.chdir("/")
    preload()
    if not _single_threaded():
        sys.exit("importing the kernel's libraries started threads: cannot fork safely")
    serve(sock, base_path)


if __name__ == "__main__":
    main()
