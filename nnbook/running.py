"""Which notebooks are open in a JupyterLab running on this computer.

`python -m nnbook.reset` and `python -m nnbook.upgrade` rewrite notebooks. If one is open in
JupyterLab, the tab keeps what it had, and the next save (JupyterLab offers "Overwrite") undoes
the change. So before writing, they ask every Jupyter server of this user that runs on this
computer (the files ``jpserver-*.json`` of Jupyter's runtime folder say where and with which
token) for its sessions, that is the notebooks open with a kernel, and refuse to touch those.
Everything stays on this computer (127.0.0.1).
"""

from __future__ import annotations

import json
import ssl
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

LOCAL = ("localhost", "127.0.0.1", "::1")


@dataclass
class Running:
    """The notebooks open in the running servers, and the servers that could not be asked."""

    open: dict[Path, str] = field(default_factory=dict)  # notebook -> the server's URL
    unknown: list[str] = field(default_factory=list)  # servers that did not answer


def _servers() -> list[dict]:
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:  # no Jupyter server installed here: none can be running from here
        return []
    return list(list_running_servers())


def _local_url(info: dict) -> str:
    """The server's URL on this computer's loopback address."""
    url = urllib.parse.urlsplit(info.get("url", ""))
    host = url.hostname if url.hostname in LOCAL else "127.0.0.1"
    scheme = url.scheme or "http"
    base = info.get("base_url", "/") or "/"
    return f"{scheme}://{host}:{info['port']}{base}"


def _sessions(info: dict, timeout: float) -> list[dict]:
    request = urllib.request.Request(_local_url(info) + "api/sessions")
    if info.get("token"):
        request.add_header("Authorization", f"token {info['token']}")
    context = None
    if request.full_url.startswith("https:"):  # the server's own certificate, on loopback
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
        return json.load(response)


def running(timeout: float = 3.0) -> Running:
    """Ask every Jupyter server running for this user which notebooks it has open."""
    found = Running()
    for info in _servers():
        url = _local_url(info) + "lab"
        try:
            sessions = _sessions(info, timeout)
        except (OSError, ValueError, KeyError):
            found.unknown.append(url)
            continue
        root = Path(info.get("root_dir") or info.get("notebook_dir") or ".")
        for session in sessions:
            path = session.get("path") or (session.get("notebook") or {}).get("path")
            if path:
                found.open[(root / path).resolve()] = url
    return found


def refusal(paths: list[Path], root: Path, doing: str, state: Running | None = None) -> str | None:
    """Why `doing` must wait, if one of `paths` is (or may be) open in JupyterLab; else None."""
    state = running() if state is None else state
    resolved = {p.resolve(): p for p in paths}
    open_here = sorted((p, url) for p, url in state.open.items() if p in resolved)
    if open_here:
        names = "\n".join(
            f"  {resolved[p].relative_to(root) if resolved[p].is_relative_to(root) else p}"
            f"  (open in {url})"
            for p, url in open_here
        )
        return (
            f"not done: {doing} would rewrite a notebook that is open in JupyterLab:\n{names}\n"
            "Close its tab first (File > Close and Shut Down Notebook), then run this command "
            "again. Otherwise the tab keeps what it shows now, and saving it would undo this."
        )
    if state.unknown:
        servers = ", ".join(state.unknown)
        return (
            f"not done: a JupyterLab is running ({servers}) but did not say which notebooks "
            f"it has open, and {doing} rewrites notebooks. Close the notebooks this concerns "
            "(File > Close and Shut Down Notebook), then run this command again with --force."
        )
    return None
