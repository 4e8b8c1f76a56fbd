"""Jupyter server settings of the student edition, installed into the environment's etc/jupyter/.

The notebooks' kernels talk to JupyterLab over local sockets (IPC), named after each kernel's
connection file in the user's private runtime folder: no TCP port to race for, and no "Kernel is
running over TCP without encryption" warning at every start. Windows has no IPC transport: there
kernels stay on TCP and that warning still appears in the terminal (it is harmless: the kernel
only listens on this computer's loopback address).

The websockets' ping timeout is set to its interval: jupyter_server asks for three intervals,
which tornado 6.5 refuses with a warning at the first kernel connection ("The
websocket_ping_timeout (90000) cannot be longer than the websocket_ping_interval") and then
shortens to the interval anyway; setting it so keeps the same behaviour without the warning.

Notebooks are served with the metadata their kernel will write (nnbook.contents), so that opening
and closing a chapter or an exercise without changing it asks nothing, and a notebook without
outputs raises no "not trusted" warning.

The Validate dialog shows each failed test's message above the test cell's code (custom/custom.css,
served by the nnbook.lab server extension as JupyterLab's custom CSS).
"""

import os

from jupyter_core.paths import jupyter_runtime_dir

c = get_config()  # noqa: F821 (injected by traitlets when Jupyter loads this file)

# A kernel's sockets are <runtime folder>/kernel-<36-character id>-ipc-<n>; a socket's path must
# fit in 104 bytes on macOS (108 on Linux). A runtime folder too deep for that (a long user name
# on macOS) keeps TCP rather than fail to start kernels.
SOCKET = os.path.join(jupyter_runtime_dir(), "kernel-" + "0" * 36 + "-ipc-99")
if os.name == "posix" and len(SOCKET.encode()) < 104:
    c.KernelManager.transport = "ipc"
c.ServerApp.tornado_settings.update({"ws_ping_timeout": 30_000})  # ms, = ws_ping_interval
c.ServerApp.contents_manager_class = "nnbook.contents.CourseContentsManager"

# The edition's style sheet (custom/custom.css beside this file; nnbook.lab serves it).
c.LabApp.custom_css = True
