"""nnbook: the book's companion to nnlib, its demos and teaching helpers.

nnlib is what a student reuses after the course; nnbook is what the chapters use to teach it:

- the widget demos, one module per chapter (``nnbook.neurons``, ``nnbook.optimizers``...), each a
  pure function from parameters to a matplotlib Figure plus a small grid, wrapped in
  :class:`nnbook.base.Demo` (live ipywidgets in Jupyter, a frame scrubber on the static site);
- the slides' trace tables (``nnbook.trace``), computation-graph drawings (``nnbook.graph``) and
  worked examples (``nnbook.examples``);
- timing for the chapters' cost experiments (``nnbook.timing``).

The map, and how to add a demo: ``nnbook/README.md``.

nnbook imports nnlib, never the other way round. Import a chapter's module directly (this package
does not import them, so one chapter's demos never slow down another).
"""

__all__ = ["Demo"]


def __getattr__(name: str):
    # Lazily: the student tools (reset, upgrade, kernels) must not pay for Matplotlib's import.
    if name == "Demo":
        from nnbook.base import Demo

        return Demo
    raise AttributeError(f"module 'nnbook' has no attribute {name!r}")
