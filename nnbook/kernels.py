"""Kernels that talk over local sockets: no port race, no warning a student cannot act on.

Over TCP, jupyter_client picks five free ports by binding and releasing them, then starts the
kernel, which binds them again; a second process starting a kernel in between can take one of them
(``zmq.error.ZMQError: Address already in use``, then "Kernel died before replying to
kernel_info"). ipykernel also warns at every start that TCP is not encrypted. Unix domain sockets
(``ipc``) have neither problem: each process that starts kernels gets a folder of its own in the
temporary directory, readable by this user only, and jupyter_client numbers the sockets inside it.

Windows has no IPC transport: there kernels stay on TCP (and ipykernel's warning may appear).
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile

from traitlets.config import Config

_FOLDERS: dict[int, str] = {}
_PREFIXES = itertools.count(1)


def has_local_sockets() -> bool:
    """Whether this platform has Unix domain sockets for the kernel's channels."""
    return os.name == "posix"


def socket_folder() -> str:
    """This process's private socket folder (0700), removed at exit.

    One per process id, so that processes forked after the first call (multiprocessing's workers)
    never number their sockets in the folder of another process.
    """
    pid = os.getpid()
    if pid not in _FOLDERS:
        # short prefix: a socket path must fit in 104 bytes (macOS) or 108 (Linux)
        folder = tempfile.mkdtemp(prefix="nnk-")
        _FOLDERS[pid] = folder
        atexit.register(_remove_if_owner, pid, folder)
    return _FOLDERS[pid]


def _remove_if_owner(pid: int, folder: str) -> None:
    if os.getpid() == pid:
        shutil.rmtree(folder, ignore_errors=True)


def use_local_sockets(config: Config | None = None) -> Config:
    """Set ``config`` (a new one if None) so that every kernel started with it uses local sockets.

    Apply it to the configuration of whatever starts kernels: an nbgrader app
    (``nbgrader_config.py``), ``nbclient.NotebookClient(config=...)``, a ``KernelManager``. Each
    call gets its own socket prefix, and kernels started with one configuration start one after
    another (as nbgrader and nbclient start them). A Jupyter server needs only
    ``KernelManager.transport = "ipc"``: it names each kernel's sockets after that kernel's own
    connection file.
    """
    config = Config() if config is None else config
    if has_local_sockets():
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(socket_folder(), f"k{next(_PREFIXES)}")
    return config
