"""Helpers shared by the test folders, imported as a package (`from support import ROOT`), never
from a `conftest.py`: pytest imports every folder's `conftest.py` under the one name `conftest`,
so `from conftest import ...` reads whichever folder's was imported last.

`tests/` is on the path through pytest's `pythonpath` setting (pyproject.toml); scripts run
outside pytest (benchmarks, subprocesses of a test) put it there themselves.
"""

from __future__ import annotations

from pathlib import Path

#: The repository (which is also the course directory of the grading tests).
ROOT = Path(__file__).resolve().parents[2]
