"""nnlib: a small, readable NumPy library for an introductory neural-networks course.

See nnlib/README.md for the map of modules and the contracts chapters and exercises rely on.
"""

from nnlib._version import __version__
from nnlib.module import Module, Parameter

__all__ = ["Module", "Parameter", "__version__"]
