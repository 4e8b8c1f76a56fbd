"""The widget demos the chapters show.

Every demo is a pure function from parameters to a matplotlib Figure plus a small parameter grid,
wrapped in :class:`nnlib.demos.base.Demo`. Each chapter's demos live in ``nnlib/demos/<chapter>.py``
as functions returning a ``Demo``; import them from there (this package does not import them, so a
chapter's demos never slow down another chapter).
"""

from nnlib.demos.base import Demo

__all__ = ["Demo"]
