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

from nnbook.base import Demo

__all__ = ["Demo"]
