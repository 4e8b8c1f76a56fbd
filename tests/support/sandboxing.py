"""What the safe-grading tests share: small sandbox limits, and the sandbox users' processes."""

from __future__ import annotations

from pathlib import Path

from nngrade.sandbox import FIRST_UID, UID_SLOTS, Limits, processes_of

# Small limits keep the hostile corpus quick: a 100 MB flood stops at 512 KiB.
TEST_LIMITS = Limits(
    cell_timeout=4,
    notebook_timeout=90,
    cpu_seconds=20,
    memory_bytes=2 << 30,
    max_processes=64,
    max_output_bytes=512 << 10,
    max_file_bytes=4 << 20,
)


def sandbox_processes(first_uid: int = FIRST_UID) -> list[str]:
    """Processes running as any sandbox user of the range, described (pid, state, command)."""
    found = []
    for uid in range(first_uid, first_uid + UID_SLOTS):
        for pid in processes_of(uid):
            proc = Path("/proc", str(pid))
            try:
                state = next(x for x in (proc / "status").read_text().splitlines() if "State" in x)
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, StopIteration):
                continue  # gone while we looked
            found.append(f"{pid} uid={uid} {state} {command}")
    return found
