"""Run every benchmark, one process each, and print their figures (``make bench``).

    .venv/bin/python bench/run_all.py [NAME ...]     e.g. run_all.py store stats

The first run makes the demo data dirs under bench/data (100,000 cases; 127,000 for the million-event rebuild),
which takes a few minutes; later runs reuse them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["store", "window", "stats", "print", "papers", "ledger", "sync", "township", "jobs"]


def main() -> int:
    wanted = sys.argv[1:] or ORDER
    failed = []
    for name in wanted:
        script = HERE / f"bench_{name}.py"
        if not script.exists():
            print(f"no benchmark named {name}", file=sys.stderr)
            return 2
        print(f"\n== bench_{name}.py ==", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(script)], cwd=HERE, check=False)
        print(f"(bench_{name}.py took {time.perf_counter() - start:.0f} s)", flush=True)
        if done.returncode:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that failed to run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
