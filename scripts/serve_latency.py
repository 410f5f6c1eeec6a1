#!/usr/bin/env python3
"""Latency of `barometre serve` (issue 21, BENCHMARKS.md): from an edit to the new
version its pages' long-poll waits for.

    python3 scripts/serve_latency.py path/to/barometre [EDITS]

Copies the demo's editorial texts into a temporary directory, starts `serve --port 0`
on them, then EDITS times (default 5) appends a sentence to `introduction.md`, and
EDITS times writes an edited copy of `index.html` into the templates directory, each
time timing from the write to the answer of `/__barometre/version?since=<version>`.
Prints each time and the medians. Python's standard library only.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    binary = os.path.abspath(sys.argv[1])
    edits = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    work = tempfile.mkdtemp(prefix="serve-latency-")
    try:
        shutil.copytree(os.path.join(ROOT, "fixtures/demo/editorial"), os.path.join(work, "redaction"))
        os.makedirs(os.path.join(work, "gabarits"))
        proc = subprocess.Popen(
            [binary, "serve", "--port", "0", "--editorial", "redaction", "--templates", "gabarits"],
            cwd=work, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )
        lines = []
        port = None
        started = time.monotonic()
        for line in proc.stderr:
            lines.append(line)
            m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            sys.exit("serve did not start:\n" + "".join(lines))
        print(f"first build in memory and serving: {time.monotonic() - started:.2f} s")
        threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
        base = f"http://127.0.0.1:{port}"

        def version(since=None):
            url = base + "/__barometre/version" + (f"?since={since}" if since is not None else "")
            with urllib.request.urlopen(url, timeout=60) as r:
                return int(r.read().decode())

        intro = os.path.join(work, "redaction", "introduction.md")
        with open(os.path.join(ROOT, "report-templates", "index.html"), encoding="utf-8") as f:
            index = f.read()
        results = {"editorial": [], "template": []}
        for i in range(edits):
            for kind in ("editorial", "template"):
                v = version()
                t0 = time.monotonic()
                if kind == "editorial":
                    with open(intro, "a", encoding="utf-8") as f:
                        f.write(f"\n\nPhrase de mesure {i}.\n")
                else:
                    with open(os.path.join(work, "gabarits", "index.html"), "w", encoding="utf-8") as f:
                        f.write(index.replace("</body>", f"<!-- mesure {i} --></body>"))
                new = v
                while new == v:
                    new = version(v)
                results[kind].append(time.monotonic() - t0)
                time.sleep(1.0)  # let the second version (the national PDF) land
        for kind, times in results.items():
            ms = ", ".join(f"{t * 1000:.0f}" for t in times)
            print(f"{kind} edit → new version: {ms} ms; median {statistics.median(times) * 1000:.0f} ms")
        proc.terminate()
        proc.wait(timeout=10)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
