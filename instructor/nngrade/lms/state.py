"""Writing, without ever replacing a later attempt.

The attempt order of what was collected is kept in `submitted_dir/.lms-collect/<assignment>.json`
(hidden from nbgrader), so that a second download with an older attempt never replaces a newer
one. The timestamp is written as nbgrader's exchange writes it (`%Y-%m-%d %H:%M:%S.%f %Z`, read
back by `CourseDirectory.get_existing_timestamp`).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.utils import parse_utc

from .model import Candidate, Placed

STATE_DIR = ".lms-collect"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's exchange format


def state_path(submitted_dir: Path, assignment: str) -> Path:
    return submitted_dir / STATE_DIR / f"{assignment}.json"


def load_state(submitted_dir: Path, assignment: str) -> dict:
    path = state_path(submitted_dir, assignment)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def save_state(submitted_dir: Path, assignment: str, state: dict) -> None:
    path = state_path(submitted_dir, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")


def existing(submitted_dir: Path, assignment: str, student: str, state: dict) -> dict | None:
    """What an earlier collect placed for `student`: its LMS, time and order, if known."""
    if student in state:
        return state[student]
    stamp = submitted_dir / student / assignment / "timestamp.txt"
    if stamp.is_file():
        try:
            moment = parse_utc(stamp.read_text().strip()).astimezone(UTC)
        except (ValueError, OverflowError):
            return None
        return {"lms": "", "submitted_at": moment.isoformat(), "order": []}
    return None


def record(lms: str, chosen: list[tuple[Candidate, Placed]]) -> dict:
    times = [p.submitted_at for _, p in chosen if p.submitted_at]
    return {
        "lms": lms,
        "submitted_at": max(times).isoformat() if times else None,
        "order": list(max(c.order for c, _ in chosen)) if chosen else [],
        "sources": [p.source for _, p in chosen],
    }


def is_older(new: dict, old: dict) -> bool:
    if new["submitted_at"] and old.get("submitted_at"):
        return datetime.fromisoformat(new["submitted_at"]) < datetime.fromisoformat(
            old["submitted_at"]
        )
    if new["lms"] == old.get("lms") and new["order"] and old.get("order"):
        return new["order"] < old["order"]
    return False


def write_student(
    submitted_dir: Path, assignment: str, student: str, chosen: list[tuple[Candidate, Placed]]
) -> None:
    """`submitted_dir/<student>/<assignment>/`, replaced whole (staged, then renamed)."""
    home = submitted_dir / student
    dest, staging = home / assignment, home / f".{assignment}.collecting"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for candidate, placed in chosen:
        (staging / f"{placed.notebook}.ipynb").write_bytes(candidate.member.data or b"")
    times = [p.submitted_at for _, p in chosen if p.submitted_at]
    if times:
        (staging / "timestamp.txt").write_text(max(times).strftime(TIMESTAMP_FORMAT))
    if dest.exists():
        shutil.rmtree(dest)
    staging.rename(dest)
