"""Build the student edition: what students download, install and open, with no solution in it.

    python scripts/student_edition.py        # dist/student/ and dist/nn-course-student.zip
    python scripts/student_edition.py --site _build/html    # also serve the zip from the site

The edition is generated from whatever the tree holds (every chapter of `lectures/`, every
assignment of `exercises/`), never from a list:

- `lectures/*.ipynb`, rewritten for jupyterlab-myst (`lab_myst.py`: citations, equation numbers,
  cross-references resolved as on the site);
- `exercises/<a>/`, the released student versions, refused if any is out of date with `solutions/`
  (compared with a fresh `nbgrader generate_assignment`), plus a pristine copy in `.released/` for
  `python -m nnbook.reset`;
- the packages the chapters import (`nnlib`, `nnbook`): Python sources, READMEs and nnlib's data
  files (the digits and two photographs);
- `requirements-student.lock`, a `pyproject.toml` and the Jupyter settings in `jupyter-config/`
  (`scripts/student/`), and a README made from the site's Setup page, so both say one thing.

Nothing of `solutions/`, `instructor/`, the tests, benchmarks, CI, npm assets or build scripts.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import stat
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lab_myst import UnresolvedReference, load_bibliography, rewrite_chapter  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "student"
NAME = "nn-course-student"
PACKAGES = ("nnlib", "nnbook")
PACKAGE_FILES = ("*.py", "README.md", "data_files/*")
LOCK = "requirements-student.lock"
#: The part of book/setup.md that is also the edition's README (everything after the download).
README_START, README_END = "<!-- student-readme:start -->", "<!-- student-readme:end -->"
#: A fixed time for every zip entry, so the same tree gives the same zip.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


class EditionError(RuntimeError):
    """The tree cannot make an edition; the message says what to do."""


def check_releases(repo: Path) -> list[str]:
    """The assignments, after checking each `exercises/<a>/` is what `make release` makes now."""
    sys.path.insert(0, str(repo / "instructor"))
    from nngrade import course, release  # the instructor's tool; never ships in the edition

    repository = course.Course.open(repo)  # the repository is the course
    with tempfile.TemporaryDirectory() as work, course.quiet_nbgrader():
        stale = release.stale_releases(repository, Path(work))
    if stale:
        lines = [f"  {name}: {'; '.join(problems)}" for name, problems in stale.items()]
        raise EditionError(
            "exercises/ is out of date with solutions/ for "
            + ", ".join(stale)
            + ":\n"
            + "\n".join(lines)
            + "\nRun `make release` (or `make release ASSIGNMENT=<name>`) and commit exercises/."
        )
    return course.assignments(repository)


def copy_package(source: Path, target: Path) -> None:
    for pattern in PACKAGE_FILES:
        for path in source.rglob(pattern):
            if "__pycache__" in path.parts:
                continue
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


def copy_exercises(repo: Path, edition: Path, names: list[str]) -> None:
    for name in names:
        source = repo / "exercises" / name
        shutil.copytree(source, edition / "exercises" / name, ignore=_ignored)
        shutil.copytree(source, edition / ".released" / name, ignore=_ignored)
    for path in (edition / ".released").rglob("*"):
        if path.is_file():  # the released state is read only: students work in exercises/
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def _ignored(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n in {".ipynb_checkpoints", "__pycache__"}]


def write_chapters(repo: Path, edition: Path) -> list[Path]:
    bibliography = load_bibliography(repo / "book" / "references.bib")
    written = []
    (edition / "lectures").mkdir(parents=True)
    for chapter in sorted((repo / "lectures").glob("*.ipynb")):
        target = edition / "lectures" / chapter.name
        nbformat.write(rewrite_chapter(chapter, bibliography), target)
        written.append(target)
    return written


def student_readme(repo: Path) -> str:
    """The edition's README: the install-and-use part of the site's Setup page, word for word."""
    setup = (repo / "book" / "setup.md").read_text()
    start, end = setup.find(README_START), setup.find(README_END)
    if start < 0 or end < start:
        raise EditionError(f"book/setup.md must mark the README part with {README_START}")
    body = setup[start + len(README_START) : end].strip()
    title = "# Neural networks: a course companion (student edition)\n\n"
    intro = (
        "This folder is the course for students: the chapters (`lectures/`), the graded exercises\n"
        "(`exercises/`), the course library (`nnlib/`) and the code of the book's demos\n"
        "(`nnbook/`). It is the same text as the *Setup* page of the course website.\n\n"
    )
    return title + intro + body + "\n"


def write_project(repo: Path, edition: Path) -> None:
    version_file = (repo / "nnlib" / "_version.py").read_text()
    version = re.search(r'__version__\s*=\s*"([^"]+)"', version_file)
    pyproject = (TEMPLATES / "pyproject.toml").read_text().replace("{version}", version.group(1))
    (edition / "pyproject.toml").write_text(pyproject)
    shutil.copytree(TEMPLATES / "jupyter-config", edition / "jupyter-config", ignore=_ignored)
    shutil.copyfile(repo / LOCK, edition / LOCK)
    (edition / "README.md").write_text(student_readme(repo))


def build(repo: Path = REPO, out: Path | None = None) -> Path:
    """Write the edition into `out`/student (replacing it) and return that folder."""
    out = Path(out or repo / "dist")
    names = check_releases(repo)
    edition = out / "student"
    if edition.exists():
        shutil.rmtree(edition, onerror=_make_writable)
    edition.mkdir(parents=True)
    for package in PACKAGES:
        copy_package(repo / package, edition / package)
    copy_exercises(repo, edition, names)
    write_chapters(repo, edition)
    write_project(repo, edition)
    return edition


def _make_writable(function, path, _exc_info) -> None:
    os.chmod(path, stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
    function(path)


def write_zip(edition: Path, archive: Path) -> Path:
    """Zip `edition` under a top folder named like the archive, in a fixed order and time."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in edition.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{NAME}/{path.relative_to(edition).as_posix()}", ZIP_TIME)
            info.external_attr = (path.stat().st_mode & 0o777 | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="default: dist/")
    parser.add_argument("--site", type=Path, help="also copy the zip into this built site")
    args = parser.parse_args(argv)
    try:
        edition = build(REPO, args.out)
    except (EditionError, UnresolvedReference) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    archive = write_zip(edition, args.out / f"{NAME}.zip")
    print(f"built {edition} and {archive} ({archive.stat().st_size / 1e6:.1f} MB)")
    if args.site:
        shutil.copyfile(archive, args.site / archive.name)
        print(f"copied to {args.site / archive.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
