"""Fixtures for the browser tests: the built site served on 127.0.0.1 and a headless Chromium.

The site must have been built first (`make book`; `make test` does it). Chromium is Debian's
/usr/bin/chromium driven by Playwright's Python package; `playwright install` is never used.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import ROOT

# the built site; BOOK_SITE=path overrides it (e.g. to test a build made in another checkout)
SITE = Path(os.environ.get("BOOK_SITE", ROOT / "_build" / "html"))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        pass


@pytest.fixture(scope="session")
def site_dir() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE} has no index.html: run `make book` first", pytrace=False)
    return SITE


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    """Serve the built site on a free port of 127.0.0.1 from a background thread."""
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
