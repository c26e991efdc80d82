#!/usr/bin/env python3
"""Edit-to-served latency of `dossier serve` (issue 6): the time from saving one page to the
server answering with the new HTML, median over repeated edits.

    python3 bench/serve_edit.py --site /tmp/site --edits 30
    python3 bench/serve_edit.py --site /tmp/site --edits 10 --edit title    # or summary

`--site` is a site made by `dossier-gen` (or any site with an actor page). The script starts
the release binary's `serve` on a free port, waits for the first build, then for each edit:
rewrites one actor page's body (a marker word changes; links, citations and headings stay the
same, as when an editor fixes a sentence), and polls the page over HTTP every millisecond
until the marker appears. It prints every latency, the median, and the server's own
"Built in N ms" lines. Standard library only.
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8", "replace")
    except OSError:
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", required=True)
    ap.add_argument("--binary", default="target/release/dossier")
    ap.add_argument("--edits", type=int, default=30)
    ap.add_argument("--pause", type=float, default=0.5, help="seconds between edits")
    ap.add_argument("--server-log", help="write the server's stderr (warnings, errors) here")
    ap.add_argument(
        "--edit",
        choices=["body", "title", "summary"],
        default="body",
        help="what each edit changes: a sentence of the body; or, in its front matter, the "
        "page's title (which every page that lists or links the actor shows, and which "
        "auto-links in every body) or its summary",
    )
    args = ap.parse_args()

    binary = os.path.abspath(args.binary)
    site = os.path.abspath(args.site)
    actors = sorted(
        f for f in os.listdir(os.path.join(site, "content", "actors")) if f != "_index.md"
    )
    page = os.path.join(site, "content", "actors", actors[0])
    slug = actors[0][: -len(".md")]
    original = open(page, encoding="utf-8").read()

    port = free_port()
    server = subprocess.Popen(
        [binary, "serve", "--port", str(port)],
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=open(args.server_log, "w") if args.server_log else subprocess.DEVNULL,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    lines = []
    ready = threading.Event()

    def reader():
        for line in server.stdout:
            lines.append(line.rstrip())
            if line.startswith("Serving"):
                ready.set()

    threading.Thread(target=reader, daemon=True).start()
    try:
        started = time.perf_counter()
        if not ready.wait(timeout=1800):
            sys.exit("the server did not start")
        print(f"first build and start: {time.perf_counter() - started:.1f} s")
        url = f"http://127.0.0.1:{port}/actors/{slug}/"
        if slug not in fetch(url) and "<html" not in fetch(url):
            sys.exit(f"cannot fetch {url}")
        # Where the body starts: after the second `+++` line.
        m = re.search(r"\A\+\+\+\n.*?\n\+\+\+\n", original, re.S)
        head, body = original[: m.end()], original[m.end():]
        latencies = []
        for i in range(args.edits):
            marker = f"editmarker{i:04d}x"
            if args.edit in ("title", "summary"):
                key = args.edit
                text = re.sub(rf'(?m)^{key} = "', f'{key} = "{marker} ', head, count=1) + body
            else:
                text = f"{head}Edited {marker}.\n\n{body}"
            time.sleep(args.pause)
            t0 = time.perf_counter()
            with open(page, "w", encoding="utf-8") as f:
                f.write(text)
            while marker not in fetch(url):
                if time.perf_counter() - t0 > 120:
                    sys.exit(f"edit {i}: the new text never appeared")
                time.sleep(0.001)
            latencies.append((time.perf_counter() - t0) * 1000)
            print(f"edit {i + 1:3}: {latencies[-1]:7.1f} ms", flush=True)
        print(
            f"median {statistics.median(latencies):.1f} ms, "
            f"min {min(latencies):.1f} ms, max {max(latencies):.1f} ms, "
            f"over {len(latencies)} edits of {os.path.relpath(page, site)}"
        )
        built = [l for l in lines if l.startswith("Built in")]
        print("server:", *built[-5:], sep="\n  ")
    finally:
        with open(page, "w", encoding="utf-8") as f:
            f.write(original)
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
