"""nbgrader settings of the student edition, installed into the environment's etc/jupyter/.

`nbgrader validate` (and JupyterLab's Validate button) starts a fresh kernel. Over TCP, ipykernel
warns that the connection is not encrypted; the kernel only ever talks to this computer, so the
edition connects through local sockets (IPC) in a private folder of the temporary directory
(nnbook.kernels). Windows has no IPC transport: there the warning may still appear, and it is
harmless.
"""

from nnbook.kernels import use_local_sockets

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

use_local_sockets(c)
