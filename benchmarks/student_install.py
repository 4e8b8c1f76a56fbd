"""Installed size and install time: the student edition against the full development install.

    .venv/bin/python benchmarks/student_install.py [--zip dist/nn-course-student.zip]

Both go into fresh virtual environments under a temporary folder, from the package registry
through pip's cache as a user's machine would (run it twice to compare warm caches): the full
install as `make venv` does it, the student edition with the two commands its README prints.
Prints seconds and megabytes; no test depends on them (the README's speed table quotes them).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def megabytes(folder: Path) -> float:
    """Disk use in MiB, as `du -sm` counts it."""
    return float(
        subprocess.run(["du", "-sm", folder], capture_output=True, text=True).stdout.split()[0]
    )


def timed(commands: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, shell=True, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def full_install(work: Path) -> tuple[float, float]:
    venv = work / "full"
    seconds = timed(
        [
            f"{sys.executable} -m venv {venv}",
            f'{venv}/bin/python -m pip install --quiet --upgrade "pip>=24"',
            f"{venv}/bin/python -m pip install --quiet -r requirements.lock",
            f"{venv}/bin/python -m pip install --quiet --no-deps --no-build-isolation"
            " -e . -e instructor",
        ],
        REPO,
    )
    return seconds, megabytes(venv)


def student_install(work: Path, archive: Path) -> tuple[float, float]:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(work)
    folder = work / "nn-course-student"
    readme = (folder / "README.md").read_text()
    section = readme[readme.index("## 2. Install") :]
    commands = re.search(r"```bash\n(.*?)```", section, re.S).group(1).strip().splitlines()
    seconds = timed(commands, folder)
    return seconds, megabytes(folder / ".venv")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--zip", type=Path, default=REPO / "dist" / "nn-course-student.zip")
    args = parser.parse_args()
    if not args.zip.exists():
        print(f"{args.zip} is missing: run `make student-edition` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as work:
        full_s, full_mb = full_install(Path(work))
        student_s, student_mb = student_install(Path(work), args.zip)
    print(f"full development install: {full_mb:6.0f} MB in {full_s:5.1f} s")
    print(f"student edition:          {student_mb:6.0f} MB in {student_s:5.1f} s")
    print(f"student / full size:      {student_mb / full_mb:6.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
