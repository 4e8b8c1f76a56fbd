"""Choosing: roster lookup, then per student the latest attempt and one file per notebook."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .base import LMS
from .model import Candidate, Context, Placed, Plan, Unplaced
from .notebooks import match_notebook


@dataclass
class Choice:
    placed: dict[str, list[tuple[Candidate, Placed]]] = field(default_factory=dict)
    superseded: list[Placed] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)


def placed(student: str, c: Candidate, note: str = "") -> Placed:
    """The `Placed` record of candidate `c` as `student`'s, with every note that applies."""
    notes = []
    if c.match and c.match.renamed:
        notes.append(f"renamed: {c.filename!r} collected as {c.match.notebook}.ipynb")
    if c.late:
        notes.append("the LMS marked it LATE")
    if c.note:
        notes.append(c.note)
    if note:
        notes.append(note)
    notebook = c.match.notebook if c.match else ""
    return Placed(
        student, c.identity, c.member.path, c.submitted_at, c.late, "; ".join(notes), notebook or ""
    )


def _describe(c: Candidate) -> str:
    when = f" of {c.submitted_at:%Y-%m-%d %H:%M:%S} UTC" if c.submitted_at else ""
    return f"{c.member.path}{when}"


def _choose_for_student(student: str, group: list[Candidate], choice: Choice) -> None:
    attempts = {c.attempt for c in group}
    if attempts != {None}:  # whole attempts: the latest one counts
        latest = max(group, key=lambda c: c.order)
        for c in group:
            if c.attempt != latest.attempt:
                note = f"superseded: an older attempt; the attempt {_describe(latest)} counts"
                choice.superseded.append(placed(student, c, note))
        group = [c for c in group if c.attempt == latest.attempt]
    by_notebook: dict[str, list[Candidate]] = defaultdict(list)
    for c in group:
        if c.match.notebook is None:
            reason = f"{c.match.problem}: not collected"
            choice.unplaced.append(Unplaced(c.member.path, reason, c.identity))
        else:
            by_notebook[c.match.notebook].append(c)
    for notebook, files in sorted(by_notebook.items()):
        rank = sorted(files, key=lambda c: (c.order, not c.match.renamed), reverse=True)
        best = rank[0]
        ties = [c for c in rank if (c.order, c.match.renamed) == (best.order, best.match.renamed)]
        if len(ties) > 1:
            names = ", ".join(c.member.path for c in ties)
            for c in ties:
                reason = (
                    f"ambiguous: {names} could each be {notebook}.ipynb and nothing tells which "
                    "is the latest: none collected"
                )
                choice.unplaced.append(Unplaced(c.member.path, reason, c.identity))
            rank = rank[len(ties) :]
            best = None
        else:
            choice.placed.setdefault(student, []).append((best, placed(student, best)))
            rank = rank[1:]
        for c in rank:
            if best is not None and c.order == best.order:
                why = f"{best.member.path} has the notebook's exact name"
            elif best is not None:
                why = f"the later {_describe(best)} counts"
            else:
                why = "a later file of the same name exists"
            choice.superseded.append(placed(student, c, f"superseded: {why}"))


def choose(plan: Plan, lms: LMS, ctx: Context) -> Choice:
    """Roster lookup, then per student the latest attempt and one file per notebook."""
    choice = Choice()
    choice.unplaced.extend(plan.unplaced)
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for c in plan.candidates:
        if c.member.problem:
            choice.unplaced.append(Unplaced(c.member.path, c.member.problem, c.identity))
            continue
        student, why = lms.student_of(c, ctx)
        if student is None:
            choice.unplaced.append(Unplaced(c.member.path, why, c.identity))
            continue
        if c.match is None:
            c.match = match_notebook(c.filename, ctx.notebooks)
        groups[student].append(c)
    for student in sorted(groups):
        _choose_for_student(student, groups[student], choice)
    return choice
