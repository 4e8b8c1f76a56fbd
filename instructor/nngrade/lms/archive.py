"""Reading a download (a zip, or the folder it was extracted to) safely into `Member`s.

Zip members with an absolute path, `..`, or a symbolic link are refused (reported), sizes are
capped (a zip bomb is refused); notebooks and text files are read into memory, nothing else.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

from .model import DownloadError, Member

MAX_FILE_BYTES = 64 << 20  # one notebook (with outputs) larger than this is not read
MAX_TOTAL_BYTES = 1 << 30  # a download declaring more than this (uncompressed) is refused
MAX_FILES = 50_000
JUNK = {".DS_Store", "Thumbs.db", "desktop.ini"}


def unsafe(name: str) -> str | None:
    """Why a member name cannot be trusted, or None."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return "absolute path in the zip: refused"
    if ".." in posix.split("/"):
        return "path with '..' in the zip: refused"
    if "\x00" in posix:
        return "NUL byte in the file name: refused"
    return None


def clean(name: str) -> str:
    """`name` as a POSIX path without empty or `.` parts."""
    return "/".join(p for p in name.replace("\\", "/").split("/") if p not in ("", "."))


def junk(path: str) -> bool:
    """Operating-system metadata (`__MACOSX/`, `.DS_Store`, ...), never a submission."""
    return path.startswith("__MACOSX/") or path.rsplit("/", 1)[-1] in JUNK


def _zip_members(source: Path) -> tuple[zipfile.ZipFile, list[tuple[Member, zipfile.ZipInfo]]]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise DownloadError(
            f"{source} is not a readable zip file ({error}): download it again from the LMS"
        ) from None
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_FILES:
        raise DownloadError(f"{source} holds {len(infos)} files, more than {MAX_FILES}: refused")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_TOTAL_BYTES:
        raise DownloadError(
            f"{source} would unpack to {declared >> 20} MiB, more than {MAX_TOTAL_BYTES >> 20} "
            "MiB: refused (a zip bomb, or not an assignment download)"
        )
    members = []
    for info in infos:
        problem = unsafe(info.filename)
        if not problem and stat.S_ISLNK(info.external_attr >> 16):
            problem = "symbolic link in the zip: refused"
        oversize = not problem and info.file_size > MAX_FILE_BYTES
        if oversize:
            problem = f"larger than {MAX_FILE_BYTES >> 20} MiB once unpacked: not read"
        path = info.filename if problem and not oversize else clean(info.filename)
        member = Member(path, info.file_size, _zip_time(info), problem, oversize=oversize)
        members.append((member, info))
    return archive, members


def _zip_time(info: zipfile.ZipInfo) -> datetime | None:
    try:
        return datetime(*info.date_time)
    except ValueError:  # a zip writer that leaves the DOS date zero
        return None


def _read_zip_member(source: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(info) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as error:
        raise DownloadError(
            f"{source}: {info.filename} is corrupt ({error}): download the zip again"
        ) from None
    except RuntimeError as error:  # encrypted member
        raise DownloadError(f"{source}: {info.filename} cannot be read ({error})") from None
    if len(data) != info.file_size:
        raise DownloadError(f"{source}: {info.filename} is truncated: download the zip again")
    return data


def _folder_members(source: Path) -> list[Member]:
    members = []
    for root, dirs, files in os.walk(source):
        for name in sorted(dirs):
            if os.path.islink(os.path.join(root, name)):
                rel = Path(root, name).relative_to(source).as_posix()
                members.append(Member(rel, 0, None, "symbolic link: not followed"))
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(root, d)))
        for name in sorted(files):
            path = Path(root, name)
            rel = path.relative_to(source).as_posix()
            if path.is_symlink():
                members.append(Member(rel, 0, None, "symbolic link: not followed"))
                continue
            info = path.stat()
            modified = datetime.fromtimestamp(info.st_mtime, UTC)
            oversize = info.st_size > MAX_FILE_BYTES
            problem = f"larger than {MAX_FILE_BYTES >> 20} MiB: not read" if oversize else None
            members.append(Member(rel, info.st_size, modified, problem, oversize=oversize))
    return members


def _needs_data(member: Member) -> bool:
    name = member.name.lower()
    return member.problem is None and not junk(member.path) and name.endswith((".ipynb", ".txt"))


def read_download(source: Path) -> list[Member]:
    """Every file of `source` (a zip or a folder); notebooks and text files are read."""
    source = Path(source)
    if source.is_dir():
        members = _folder_members(source)
        for member in members:
            if _needs_data(member):
                try:
                    member.data = (source / member.path).read_bytes()
                except OSError as error:
                    raise DownloadError(f"{source / member.path} cannot be read: {error}") from None
        return members
    if not source.is_file():
        raise DownloadError(f"{source} does not exist: give the LMS download (.zip) or a folder")
    archive, pairs = _zip_members(source)
    with archive:
        for member, info in pairs:
            if _needs_data(member):
                member.data = _read_zip_member(source, archive, info)
    return [member for member, _ in pairs]
