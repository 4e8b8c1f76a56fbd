"""Execute one notebook in isolation with the operating system's tools.

The sandbox is one command line: bubblewrap (``bwrap``) makes new mount, PID, network, IPC and
UTS namespaces showing only the interpreter, the grading environment and nnlib read-only plus a
private copy of the submission read-write; ``prlimit`` sets the resource limits; ``setpriv``
drops to an unprivileged user of its own (one per concurrent sandbox, so process limits and
signals never cross between submissions) with no capabilities and ``no_new_privs``. Killing
bwrap kills the PID namespace and therefore every process the submission started.

By default the notebook does not run in a new interpreter: the runner and its kernel are forked
from this process's zygote (:mod:`nngrade.zygote`, libraries already imported) and join the
sandbox made by the same bwrap command, with the same user, limits and environment (the *warm*
path). Where that cannot be done, a new interpreter runs in the sandbox as before (the *cold*
path), and a warning says why. ``NNGRADE_WARM=0`` forces the cold path, ``NNGRADE_WARM=require``
(the tests) makes a failure of the warm path an error.

:func:`execute_job` is a plain function of picklable data, so the same call runs in a thread,
in a process pool or on a Dask worker on another machine.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

RUNNER = Path(__file__).with_name("runner.py")
SANDBOX_COPY = "/submission"
SANDBOX_RUNNER = "/grader/runner.py"
RESULT_FD = 3
FIRST_UID = 61000
UID_SLOTS = 64
SLOT_LOCK_DIR = Path(tempfile.gettempdir()) / "nngrade-uid-slots"
HOLDER = ["/bin/sh", "-c", "echo ready; exec cat"]
log = logging.getLogger("nngrade")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one notebook's execution (seconds, bytes, counts)."""

    cell_timeout: int = 30
    notebook_timeout: int = 180
    startup_timeout: int = 60
    cpu_seconds: int = 120
    memory_bytes: int = 2 << 30
    max_processes: int = 128
    max_output_bytes: int = 2 << 20
    max_file_bytes: int = 16 << 20
    max_open_files: int = 256
    tmp_bytes: int = 64 << 20
    # files the notebook writes beside itself, kept in autograded/ up to this total size
    max_kept_bytes: int = 1 << 20
    # the sandbox users: first_uid .. first_uid + UID_SLOTS - 1, one per concurrent sandbox
    first_uid: int = FIRST_UID


@dataclass(frozen=True)
class SandboxResult:
    """What came back: the reported cells by index, and how the execution ended."""

    cells: dict[int, dict]
    status: str
    reason: str
    files: dict[str, str] = field(default_factory=dict)  # written beside it: name -> base64
    path: str = "cold"  # "warm": a zygote's child ran it (nngrade.zygote); "cold": a new kernel
    timings: dict[str, float] = field(default_factory=dict)  # wall clock, for the benchmarks


def default_exposed_paths() -> list[str]:
    """Read-only paths the kernel needs: the interpreter, the environment, nnlib's source."""
    paths = [sys.base_prefix, sys.prefix]
    spec = importlib.util.find_spec("nnlib")
    if spec is not None and spec.submodule_search_locations:
        paths.append(str(Path(list(spec.submodule_search_locations)[0]).resolve()))
    return sorted(set(paths))


def isolation_problem(exposed: list[str] | None = None) -> str | None:
    """Why isolated grading cannot run here, or None when it can (a real probe, not a guess)."""
    if os.geteuid() != 0:
        return "isolation needs root to switch to the sandbox users (setpriv --reuid)"
    missing = [tool for tool in ("bwrap", "setpriv", "prlimit") if shutil.which(tool) is None]
    if missing:
        return f"missing tools: {', '.join(missing)} (Debian: bubblewrap, util-linux)"
    with tempfile.TemporaryDirectory(prefix="nngrade-probe-") as copy:
        command = sandbox_command(copy, FIRST_UID + UID_SLOTS, Limits(), exposed)
        probe = command[: command.index(sys.executable)] + [sys.executable, "-c", "pass"]
        done = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        return f"the sandbox does not start: {done.stderr.strip()[-300:]}"
    return None


def _bind_parents(paths: list[str]) -> list[str]:
    """bwrap creates missing parents with mode 0700: create them 0755 so the user can pass."""
    parents = sorted({str(p) for path in paths for p in Path(path).parents if str(p) != "/"})
    args: list[str] = []
    for parent in parents:
        args += ["--perms", "0755", "--dir", parent]
    return args


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/lib", "/lib64", "/sbin"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for shared in ("/etc/ld.so.cache", "/etc/localtime"):
        if os.path.exists(shared):
            args += ["--ro-bind", shared, shared]
    return args


def sandbox_environment(exposed_prefix: str) -> dict[str, str]:
    """The whole environment of the sandbox's processes."""
    return {
        "HOME": "/tmp",
        "PATH": f"{exposed_prefix}/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # no /dev/shm in the sandbox: joblib (if a submission imports scikit-learn) would warn on
        # stderr that it runs serially, and nbgrader fails a test cell that writes to stderr
        "JOBLIB_MULTIPROCESSING": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime",
        "NBGRADER_EXECUTION": "autograde",
    }


def _environment(exposed_prefix: str) -> list[str]:
    args = ["--clearenv"]
    for name, value in sandbox_environment(exposed_prefix).items():
        args += ["--setenv", name, value]
    return args


def limit_command(limits: Limits) -> list[str]:
    """prlimit: CPU, address space, processes (per user), file size, open files, no core dumps."""
    return [
        "prlimit",
        f"--cpu={limits.cpu_seconds}",
        f"--as={limits.memory_bytes}",
        f"--nproc={limits.max_processes}",
        f"--fsize={limits.max_file_bytes}",
        f"--nofile={limits.max_open_files}",
        "--core=0",
        "--",
    ]


def sandbox_command(
    copy: str, uid: int, limits: Limits, exposed: list[str] | None = None, fd: int = RESULT_FD
) -> list[str]:
    """The full bwrap | prlimit | setpriv | python runner command line for one execution."""
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs"]
    drop += ["--inh-caps=-all", "--bounding-set=-all", "--"]
    return (
        bwrap_command(copy, limits, exposed)
        + limit_command(limits)
        + drop
        + [sys.executable, SANDBOX_RUNNER, str(fd)]
    )


def holder_command(copy: str, limits: Limits, exposed: list[str] | None, info_fd: int):
    """The same sandbox holding only a placeholder (root, no capabilities, waiting on its
    stdin) for the warm path: bwrap reports its pid on ``info_fd``, the placeholder says
    "ready" once the sandbox is set up. The zygote's child joins it (nngrade.zygote)."""
    command = bwrap_command(copy, limits, exposed)
    return command[:1] + ["--info-fd", str(info_fd)] + command[1:] + HOLDER


def bwrap_command(copy: str, limits: Limits, exposed: list[str] | None = None) -> list[str]:
    """bwrap and its options up to ``--``: namespaces, mounts, environment."""
    exposed = exposed or default_exposed_paths()
    namespaces = ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    namespaces += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    # The private /tmp comes first: a course (and its .venv) may itself live under /tmp, and a
    # tmpfs mounted after the read-only binds would hide them.
    mounts = _system_binds()
    mounts += ["--proc", "/proc", "--dev", "/dev"]
    mounts += ["--size", str(limits.tmp_bytes), "--perms", "1777", "--tmpfs", "/tmp"]
    mounts += _bind_parents(exposed + [SANDBOX_RUNNER])
    for path in exposed:
        mounts += ["--ro-bind", path, path]
    mounts += ["--ro-bind", str(RUNNER), SANDBOX_RUNNER]
    mounts += ["--bind", copy, SANDBOX_COPY, "--chdir", SANDBOX_COPY]
    return ["bwrap", *namespaces, *mounts, *_environment(sys.prefix), "--"]


def unsafe_command(limits: Limits, fd: int = RESULT_FD) -> list[str]:
    """No isolation (only resource limits): for machines without it, behind ``--unsafe``."""
    return limit_command(limits) + [sys.executable, str(RUNNER), str(fd)]


@contextlib.contextmanager
def uid_slot(first_uid: int = FIRST_UID) -> Iterator[int]:
    """Hold one sandbox user id for this execution, free across threads and processes."""
    SLOT_LOCK_DIR.mkdir(parents=True, exist_ok=True)
    while True:
        for uid in range(first_uid, first_uid + UID_SLOTS):
            with open(SLOT_LOCK_DIR / f"{uid}.lock", "w") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                try:
                    yield uid
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
                return
        time.sleep(0.1)


def write_private_copy(files: dict[str, bytes], uid: int | None) -> str:
    """A fresh directory holding only this submission's files, owned by the sandbox user."""
    copy = tempfile.mkdtemp(prefix="nngrade-copy-")
    for relative, content in files.items():
        target = Path(copy, relative).resolve()
        if Path(copy) not in target.parents:
            continue  # a name like ../../x must not escape the copy
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    if uid is not None:
        for directory, _, names in os.walk(copy):
            os.chown(directory, uid, uid)
            for name in names:
                os.chown(os.path.join(directory, name), uid, uid)
    return copy


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def processes_of(uid: int) -> list[int]:
    """PIDs whose real user is ``uid`` (a sandbox user owns nothing outside its sandbox)."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError, StopIteration, ValueError):
            lines = status.read_text().splitlines()
            if int(next(line for line in lines if line.startswith("Uid:")).split()[1]) == uid:
                pids.append(int(status.parent.name))
    return pids


def reap(uid: int, patience: float = 30.0) -> None:
    """Return only once no process of ``uid`` is left: the PID namespace dies asynchronously
    after bwrap, and the slot's next sandbox must start clean."""
    deadline = time.monotonic() + patience
    while pids := processes_of(uid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"sandbox processes {pids} of uid {uid} survive SIGKILL")
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)


def _collect(channel: int, limits: Limits) -> tuple[bytes, str]:
    """Read the result channel until it closes, the wall time ends or it grows too large."""
    deadline = time.monotonic() + limits.notebook_timeout
    budget = 2 * limits.max_output_bytes + (1 << 20)
    data = bytearray()
    stopped = ""
    with selectors.DefaultSelector() as selector:
        selector.register(channel, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stopped = "wall_timeout"
                break
            if not selector.select(timeout=remaining):
                continue
            chunk = os.read(channel, 1 << 16)
            if not chunk:
                break
            data += chunk
            if len(data) > budget:
                stopped = "output_limit"
                break
    return bytes(data), stopped


def _parse(data: bytes, stopped: str, limits: Limits) -> SandboxResult:
    cells: dict[int, dict] = {}
    done: dict | None = None
    for line in data.decode("utf-8", "replace").splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
            message = json.loads(line)
            if message["event"] == "cell":
                cells[int(message["index"])] = {
                    "outputs": list(message["outputs"]),
                    "execution_count": message.get("execution_count"),
                }
            elif message["event"] == "done":
                done = message
    if stopped == "wall_timeout":
        reason = f"the notebook ran longer than the {limits.notebook_timeout} s limit"
        return SandboxResult(cells, "wall_timeout", reason)
    if stopped == "output_limit":
        reason = f"output exceeded the {limits.max_output_bytes} byte limit"
        return SandboxResult(cells, "output_limit", reason)
    if done is None:
        reason = "the grading process was killed before the notebook finished"
        return SandboxResult(cells, "runner_killed", reason)
    timings = done.get("timings") if isinstance(done.get("timings"), dict) else {}
    return SandboxResult(
        cells, str(done.get("status")), str(done.get("reason", "")), {}, "cold", timings
    )


def execute_job(job: dict) -> dict:
    """Execute ``job`` (notebook, files, limits, unsafe) and return the result as plain data."""
    limits = Limits(**job.get("limits", {}))
    unsafe = bool(job.get("unsafe"))
    runner_job = {
        "notebook": job["notebook"],
        "cell_timeout": limits.cell_timeout,
        "startup_timeout": limits.startup_timeout,
        "max_output_bytes": limits.max_output_bytes,
    }
    warm = job.get("warm", True) and not unsafe and os.environ.get("NNGRADE_WARM") != "0"
    slot = contextlib.nullcontext(None) if unsafe else uid_slot(limits.first_uid)
    started = time.time()
    with slot as uid:
        copy = write_private_copy(job.get("files", {}), uid)
        try:
            result = _run_warm(copy, uid, runner_job, limits, job.get("exposed")) if warm else None
            if result is None:
                payload = json.dumps(runner_job).encode()
                result = _run(copy, uid, payload, limits, job.get("exposed"))
            written = written_files(copy, job.get("files", {}), limits.max_kept_bytes)
            timings = {**result.timings, "job": started, "returned": time.time()}
            result = replace(result, files=written, timings=timings)
        finally:
            shutil.rmtree(copy, ignore_errors=True)
    return asdict(result)


def written_files(copy: str, given: dict[str, bytes], budget: int) -> dict[str, str]:
    """Regular files the notebook created or changed in its copy (no notebook, no link), base64,
    smallest first until ``budget`` bytes: what nbgrader would have left in ``autograded/``."""
    found = []
    for directory, _, names in os.walk(copy):  # os.walk does not follow symbolic links
        for name in names:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, copy)
            if name.endswith(".ipynb") or not os.path.isfile(path) or os.path.islink(path):
                continue
            found.append((os.path.getsize(path), relative, path))
    kept: dict[str, str] = {}
    for size, relative, path in sorted(found):
        if size > budget:
            break
        try:  # O_NOFOLLOW: the sandbox user may swap the file for a link meanwhile
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        with os.fdopen(descriptor, "rb") as handle:
            content = handle.read(size + 1)
        if len(content) > size or given.get(relative) == content:
            continue
        kept[relative] = base64.b64encode(content).decode()
        budget -= size
    return kept


def _run(copy: str, uid: int | None, payload: bytes, limits: Limits, exposed) -> SandboxResult:
    read_end, write_end = os.pipe()
    if uid is None:
        command = unsafe_command(limits, write_end)
    else:
        command = sandbox_command(copy, uid, limits, exposed, write_end)
    with tempfile.TemporaryFile() as job_file:
        job_file.write(payload)
        job_file.seek(0)
        process = subprocess.Popen(
            command,
            stdin=job_file,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write_end,),
            cwd=copy,
            start_new_session=True,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": copy}
            if uid is None
            else None,
        )
    os.close(write_end)
    try:
        data, stopped = _collect(read_end, limits)
    finally:
        os.close(read_end)
        _kill(process)
        if uid is not None:
            reap(uid)
    return _parse(data, stopped, limits)


def _run_warm(copy: str, uid: int, job: dict, limits: Limits, exposed) -> SandboxResult | None:
    """Run ``job`` in a child of this process's zygote inside a fresh sandbox (nngrade.zygote);
    None, having said why, where that cannot be done (the caller then runs it cold)."""
    from .zygote import WARM_FAILED, Zygote, namespace_fds

    try:
        zygote = Zygote.shared(sandbox_environment(sys.prefix))
    except Exception as error:  # noqa: BLE001 (any reason: the cold path still grades)
        _cold(f"the zygote does not start ({error})")
        return None
    info_read, info_write = os.pipe()
    holder = subprocess.Popen(
        holder_command(copy, limits, exposed, info_write),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        pass_fds=(info_write,),
        start_new_session=True,
    )
    os.close(info_write)
    read_end = write_end = None
    namespaces: list[int] = []
    try:
        ready = holder.stdout.readline()
        info = json.loads(_read_all(info_read) or b"{}")
        if ready != b"ready\n" or "child-pid" not in info:
            raise RuntimeError("the placeholder sandbox did not start")
        namespaces = namespace_fds(info)
        read_end, write_end = os.pipe()
        request = {
            "uid": uid,
            "limits": asdict(limits),
            "env": sandbox_environment(sys.prefix),
            "runner": SANDBOX_RUNNER,
            "cwd": SANDBOX_COPY,
        }
        with tempfile.TemporaryFile() as job_file:  # the notebook never passes the zygote
            job_file.write(json.dumps(job).encode())
            job_file.seek(0)
            zygote.spawn(request, [write_end, job_file.fileno(), *namespaces])
    except Exception as error:  # noqa: BLE001
        _stop_holder(holder, uid)
        if read_end is not None:
            os.close(read_end)
        _cold(f"the warm kernel does not start ({error})")
        return None
    finally:
        for fd in [info_read, *namespaces] + ([write_end] if write_end is not None else []):
            os.close(fd)
    try:
        data, stopped = _collect(read_end, limits)
    finally:
        os.close(read_end)
        _stop_holder(holder, uid)
    if data.startswith(b'{"event": "%s"' % WARM_FAILED.encode()):
        _cold(json.loads(data.splitlines()[0]).get("reason", "no reason"))
        return None
    return replace(_parse(data, stopped, limits), path="warm")


def _read_all(fd: int) -> bytes:
    data = b""
    while chunk := os.read(fd, 4096):
        data += chunk
    return data


def _stop_holder(holder: subprocess.Popen, uid: int) -> None:
    for pipe in (holder.stdin, holder.stdout):
        with contextlib.suppress(OSError):
            pipe.close()
    _kill(holder)
    reap(uid)


def _cold(reason: str) -> None:
    if os.environ.get("NNGRADE_WARM") == "require":  # the tests: the fast path or nothing
        raise RuntimeError(f"the warm path is required but cannot run: {reason}")
    if reason not in _said:  # once per reason and process, not once per submission
        _said.add(reason)
        log.warning("nngrade: grading with a new kernel per submission (the cold path): %s", reason)


_said: set[str] = set()
