"""How fast the published site opens, page by page, as a reader meets it: Lighthouse on every page.

Serves the built site (`_build/html`) gzip-compressed on 127.0.0.1 (as GitHub Pages serves it) and
runs Lighthouse 12 (benchmarks/lighthouse/package.json, pinned; Debian's chromium, no browser
download) on each page, mobile (simulated slow 4G and a 4x slower CPU, Lighthouse's default) and
desktop. Prints, per page and form factor: performance and accessibility scores, first and largest
contentful paint, total blocking time and the bytes transferred. The goal for every chapter:
performance >= 85 on mobile with total blocking time < 200 ms, >= 95 on desktop, first contentful
paint < 3 s on mobile, accessibility 100.

Usage:
    npm ci --prefix benchmarks/lighthouse        # once (or `make benchmark-site`)
    .venv/bin/python benchmarks/site.py [--site _build/html [another/build ...]]
        [--pages book/intro lectures/01_neurons] [--form-factors mobile desktop] [--runs 1]

Lighthouse simulates the network, but measures the CPU work on this machine: on a busy machine the
scores move by 10 points or more from run to run. To compare two builds (before and after a
change), give both to --site: their runs are interleaved, page by page, so that both meet the same
load; --runs N repeats each run and prints the median.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIGHTHOUSE = REPO / "benchmarks" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map", ".ttf", ".otf", ".eot")
# performance score, FCP seconds, total blocking time ms
GOALS = {"mobile": (85, 3.0, 200), "desktop": (95, None, None)}


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text ones gzip-compressed when the client accepts it (as GitHub Pages does)."""

    def send_head(self):  # noqa: ANN201 (stdlib signature)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts_gzip and path.is_file() and path.suffix in COMPRESSIBLE):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _BytesFile(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _BytesFile:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, _size: int = -1) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(GzipHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def site_pages(site: Path) -> list[str]:
    """The book's pages (front matter, chapters, exercises), without Sphinx's index and search."""
    pages = [
        p.relative_to(site).with_suffix("").as_posix()
        for folder in ("book", "lectures", "exercises")
        for p in sorted((site / folder).rglob("*.html"))
    ]
    return pages


def lighthouse(url: str, form_factor: str, keep: Path | None = None) -> dict:
    """One Lighthouse run; the figures this benchmark prints (the whole report kept in `keep`)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = keep or Path(tmp) / "report.json"
        command = [
            "node",
            str(LIGHTHOUSE),
            url,
            "--output=json",
            f"--output-path={report}",
            "--quiet",
            "--only-categories=performance,accessibility",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ]
        if form_factor == "desktop":
            command.append("--preset=desktop")
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        if run.returncode != 0 or not report.exists():
            tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
            return {"error": " / ".join(tail) or f"lighthouse exited {run.returncode}"}
        data = json.loads(report.read_text())
    audits, categories = data["audits"], data["categories"]
    return {
        "performance": round(100 * (categories["performance"]["score"] or 0)),
        "accessibility": round(100 * (categories["accessibility"]["score"] or 0)),
        "fcp": audits["first-contentful-paint"]["numericValue"] / 1000,
        "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "tbt": audits["total-blocking-time"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
        "failing_a11y": sorted(
            ref["id"]
            for ref in categories["accessibility"]["auditRefs"]
            if ref["weight"] and audits[ref["id"]]["score"] == 0
        ),
    }


def median_run(url: str, form_factor: str, runs: int) -> dict:
    """The run with the median performance score of `runs` runs (errors only if all fail)."""
    results = [lighthouse(url, form_factor) for _ in range(runs)]
    good = sorted((r for r in results if "error" not in r), key=lambda r: r["performance"])
    return good[len(good) // 2] if good else results[-1]


def verdict(page: str, form_factor: str, result: dict) -> str:
    if "error" in result:
        return "ERROR"
    if not page.startswith("lectures/"):
        return "" if result["accessibility"] == 100 else "a11y"
    score_goal, fcp_goal, tbt_goal = GOALS[form_factor]
    misses = []
    if result["performance"] < score_goal:
        misses.append(f"perf<{score_goal}")
    if fcp_goal and result["fcp"] >= fcp_goal:
        misses.append(f"FCP>={fcp_goal:g}s")
    if tbt_goal and result["tbt"] >= tbt_goal:
        misses.append(f"TBT>={tbt_goal}ms")
    if result["accessibility"] < 100:
        misses.append("a11y")
    return "MISS " + ",".join(misses) if misses else "ok"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, nargs="+", default=[REPO / "_build" / "html"])
    parser.add_argument("--pages", nargs="*", help="docnames, e.g. lectures/01_neurons")
    parser.add_argument(
        "--form-factors", nargs="*", default=["mobile", "desktop"], choices=["mobile", "desktop"]
    )
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median shown)")
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.is_file():
        print("Lighthouse is missing: run `npm ci --prefix benchmarks/lighthouse`", file=sys.stderr)
        return 1
    for site in args.site:
        if not (site / "index.html").is_file():
            print(f"{site} has no index.html: run `make book` first", file=sys.stderr)
            return 1
    pages = args.pages or site_pages(args.site[0])
    servers = [serve(site) for site in args.site]
    names = [str(site) for site in args.site]
    print(f"Lighthouse 12 on {len(pages)} pages, served gzip-compressed, median of {args.runs}\n")
    print("| page | site | form | perf | a11y | FCP s | LCP s | TBT ms | transferred KB | goal |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    try:
        for page in pages:
            for form_factor in args.form_factors:
                for name, (_server, base) in zip(names, servers, strict=True):
                    result = median_run(f"{base}/{page}.html", form_factor, args.runs)
                    print(row(page, name, form_factor, result), flush=True)
    finally:
        for server, _base in servers:
            server.shutdown()
            server.server_close()
    return 0


def row(page: str, site: str, form_factor: str, result: dict) -> str:
    if "error" in result:
        return f"| {page} | {site} | {form_factor} | error: {result['error']} |"
    text = (
        f"| {page} | {site} | {form_factor} | {result['performance']} | "
        f"{result['accessibility']} | {result['fcp']:.1f} | {result['lcp']:.1f} | "
        f"{result['tbt']:.0f} | {result['bytes'] / 1024:.0f} | "
        f"{verdict(page, form_factor, result)} |"
    )
    if result["failing_a11y"]:
        text += f"\n|   failing accessibility audits: {', '.join(result['failing_a11y'])} |"
    return text


if __name__ == "__main__":
    sys.exit(main())
