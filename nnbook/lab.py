"""JupyterLab in the student edition: the edition's style sheet, served as JupyterLab's custom CSS.

The edition installs ``etc/jupyter/custom/custom.css`` into its environment (it puts the message
of a failed test first in nbgrader's Validate dialog) and turns on ``LabApp.custom_css``
(``jupyter_server_config.py``), so JupyterLab's page links ``custom/custom.css``. JupyterLab serves
that file from the server's ``static_custom_path``, which is not a configurable setting (its
default is the user's ``~/.jupyter/custom``): this server extension puts the environment's
folder first on it. A student's own ``~/.jupyter/custom/custom.css`` is then not loaded while the
edition's exists (JupyterLab loads one file).
"""

from __future__ import annotations

import sys
from pathlib import Path

#: Where the edition's wheel installs its style sheet (Jupyter's configuration folder of the
#: environment, beside ``jupyter_server_config.py``).
CUSTOM = Path(sys.prefix) / "etc" / "jupyter" / "custom"


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "nnbook.lab"}]


def _load_jupyter_server_extension(serverapp) -> None:
    # The custom-CSS route reads this very list on every request, so changing it in place works
    # whichever extension loads first.
    paths = serverapp.web_app.settings["static_custom_path"]
    if str(CUSTOM) not in paths:
        paths.insert(0, str(CUSTOM))
