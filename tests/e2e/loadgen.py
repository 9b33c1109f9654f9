"""Continuous requests against a URL from a second process, until a stop file appears.

Used by the e2e scenario around a code-change deploy and a rollback: every request that
does not answer 2xx/3xx (a 5xx from the router, a refused or reset connection, a
timeout) counts as failed. The counts go to a JSON file and stdout.

    python tests/e2e/loadgen.py --url URL --stop-file /tmp/stop --out /tmp/load.json
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path


def hammer(url: str, stop_file: Path, counts: Counter, errors: list[str], lock: threading.Lock):
    while not stop_file.exists():
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                response.read()
                ok = 200 <= response.status < 400
                detail = str(response.status)
        except urllib.error.HTTPError as error:
            ok, detail = False, f"HTTP {error.code}"
        except (urllib.error.URLError, OSError) as error:
            ok, detail = False, f"{type(error).__name__}: {error}"
        with lock:
            counts["total"] += 1
            counts["ok" if ok else "failed"] += 1
            if not ok and len(errors) < 20:
                errors.append(f"{time.strftime('%H:%M:%S')} {detail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--stop-file", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    counts: Counter = Counter(total=0, ok=0, failed=0)
    errors: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()
    threads = [
        threading.Thread(target=hammer, args=(args.url, args.stop_file, counts, errors, lock))
        for _ in range(args.workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = {**counts, "seconds": round(time.monotonic() - started, 1), "errors": errors}
    args.out.write_text(json.dumps(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
