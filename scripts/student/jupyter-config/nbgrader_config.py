"""nbgrader settings of the student edition, installed into the environment's etc/jupyter/.

`nbgrader validate` (and JupyterLab's Validate button) starts a fresh kernel. Over TCP, ipykernel
warns that the connection is not encrypted; the kernel only ever talks to this computer, so the
edition connects through local sockets (IPC) instead, in a folder of the temporary directory that
only this user can open. Windows has
no IPC transport: there the warning may still appear, and it is harmless.
"""

import os
import tempfile

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

if os.name != "nt":
    sockets = os.path.join(tempfile.gettempdir(), f"nn-course-{os.getuid()}")
    os.makedirs(sockets, mode=0o700, exist_ok=True)
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = os.path.join(sockets, "kernel")
