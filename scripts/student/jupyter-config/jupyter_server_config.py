"""Jupyter server settings of the student edition, installed into the environment's etc/jupyter/.

The notebooks' kernels talk to JupyterLab over local sockets (IPC), named after each kernel's
connection file in the user's private runtime folder: no TCP port to race for, and no "Kernel is
running over TCP without encryption" warning at every start. Windows has no IPC transport: there
kernels stay on TCP and that warning still appears in the terminal (it is harmless: the kernel
only listens on this computer's loopback address).

Notebooks are served with the metadata their kernel will write (nnbook.contents), so that opening
and closing a chapter or an exercise without changing it asks nothing, and a notebook without
outputs raises no "not trusted" warning.
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets when Jupyter loads this file)

if os.name == "posix":
    c.KernelManager.transport = "ipc"
c.ServerApp.contents_manager_class = "nnbook.contents.CourseContentsManager"
