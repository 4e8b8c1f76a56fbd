"""Fixtures for the student edition's tests: the edition built once from the working tree."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "grading"))

import student_edition  # noqa: E402


@pytest.fixture(scope="session")
def built_edition(tmp_path_factory) -> tuple[Path, Path]:
    """(the edition folder, its zip), built by the generator from the working tree."""
    out = tmp_path_factory.mktemp("dist")
    edition = student_edition.build(ROOT, out)
    archive = student_edition.write_zip(edition, out / f"{student_edition.NAME}.zip")
    return edition, archive


@pytest.fixture(scope="session")
def chromium(browser):
    """Debian's chromium, headless: the test process's one browser (tests/conftest.py)."""
    return browser
