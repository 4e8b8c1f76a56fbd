"""The student edition's Jupyter contents manager: notebooks open clean.

When JupyterLab connects a notebook to its kernel, it writes the kernel's ``kernelspec`` and
``language_info`` (which holds the exact Python version, say 3.11.7) into the notebook's metadata;
if they differ from what the file holds, the notebook is marked as modified, and closing an
untouched chapter asks whether to save it. The edition cannot know the student's Python version
when it is built, so the server fills in, as it serves a notebook, exactly what the kernel will
report: JupyterLab then finds nothing to change (it compares the values) and the tab stays clean.
The file on disk changes only when the student saves, as it would have anyway.

It also keeps quiet about trust for notebooks that have no output: the server's "Notebook ... is
not trusted" warning is about outputs (HTML and JavaScript written by a kernel that ran somewhere
else), and a notebook without any output has nothing to distrust.
"""

from __future__ import annotations

import sys

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

KERNEL = "python3"


def language_info() -> dict:
    """What ipykernel reports as ``language_info`` in this environment (the kernel runs on the
    server's Python: the edition's ``.venv``)."""
    try:
        from ipykernel.ipkernel import IPythonKernel

        return dict(IPythonKernel.language_info)
    except ImportError:  # ipykernel is in the lock; this is only a fallback
        return {
            "name": "python",
            "version": sys.version.split()[0],
            "mimetype": "text/x-python",
            "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
            "pygments_lexer": "ipython3",
            "nbconvert_exporter": "python",
            "file_extension": ".py",
        }


def has_outputs(nb) -> bool:
    return any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


class CourseContentsManager(AsyncLargeFileManager):
    """Jupyter server's default contents manager, serving notebooks with the metadata their
    kernel will write, and without a trust warning for notebooks that have no output."""

    _language_info: dict | None = None

    def kernelspec(self) -> dict:
        """The ``kernelspec`` metadata JupyterLab writes for the course's kernel."""
        manager = getattr(self.parent, "kernel_spec_manager", None)
        if manager is None:
            from jupyter_client.kernelspec import KernelSpecManager

            manager = KernelSpecManager()
        spec = manager.get_kernel_spec(KERNEL)
        return {"name": KERNEL, "display_name": spec.display_name, "language": spec.language}

    def as_the_kernel_leaves_it(self, nb) -> None:
        """Give `nb` the metadata JupyterLab writes when the course's kernel connects."""
        if nb.metadata.get("kernelspec", {}).get("name", KERNEL) != KERNEL:
            return  # another kernel: JupyterLab would write that kernel's own values
        if CourseContentsManager._language_info is None:
            CourseContentsManager._language_info = language_info()
        try:
            nb.metadata["kernelspec"] = self.kernelspec()
        except Exception as error:  # noqa: BLE001 (never stop a notebook from opening)
            self.log.debug("no kernelspec %s: %s", KERNEL, error)
            return
        nb.metadata["language_info"] = dict(CourseContentsManager._language_info)

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if model.get("type") == "notebook" and model.get("content") is not None:
            self.as_the_kernel_leaves_it(model["content"])
        return model

    def mark_trusted_cells(self, nb, path=""):
        if has_outputs(nb):
            return super().mark_trusted_cells(nb, path)
        self.notary.mark_cells(nb, True)  # nothing to trust: no output to render
