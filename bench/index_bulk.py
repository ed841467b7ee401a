#!/usr/bin/env python3
"""Adding a run's documents to the SQLite dedup index: one ``add`` per shard against one
``bulk()`` block, in the same run, at several sizes.

    .venv/bin/python bench/index_bulk.py --docs 100000 --docs 300000 [--shard-docs 400]

Each size builds a new index (run 1), then adds N/10 more documents to it (run 2, rows going in
among run 1's), once with an ``add`` per shard of ``--shard-docs`` documents (what the dedup
reduce did: its band rows land at random places of the band table's B-tree) and once inside
``DedupIndex.bulk()`` (band rows inserted band by band in key order when the block ends). Each
mode runs in its own child process: wall time, peak RSS, and the two indexes' tables compared.
Fingerprints are random (insertion cost does not depend on what the documents say).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _fingerprints(n: int, seed: int):
    import numpy as np

    from cleaners.dedup import DedupConfig
    from cleaners.dedup.core import Fingerprints

    cfg = DedupConfig.from_settings()
    rng = np.random.default_rng(seed)
    return Fingerprints(rng.integers(0, 2**32, (n, cfg.num_perm), dtype=np.uint32), rng.integers(50, 900, n),
                        rng.integers(0, 2**32, (n, cfg.spin_num_perm), dtype=np.uint32), rng.integers(20, 300, n),
                        np.zeros(n, dtype=bool), rng.integers(0, 2**32, (n, cfg.head_bands * cfg.head_rows), dtype=np.uint32))


def child(path: str, docs: int, shard_docs: int, bulk: bool) -> None:
    from cleaners.dedup import DedupConfig, DedupIndex

    cfg = DedupConfig.from_settings()
    seconds = []
    for run, n in enumerate((docs, docs // 10)):
        fp = _fingerprints(n, run)
        t0 = time.perf_counter()
        with DedupIndex.open(path, cfg) as index, index.bulk() if bulk else contextlib.nullcontext():
            for lo in range(0, n, shard_docs):
                rows = list(range(lo, min(n, lo + shard_docs)))
                index.add([f"r{run}-{r}" for r in rows], fp.take(rows))
        seconds.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def _digest(path: Path) -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    conn = sqlite3.connect(path)
    for table, order in (("docs", "doc"), ("bands", "band, hash, doc")):
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY {order}"):
            h.update(repr(row).encode())
    conn.close()
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, action="append", help="run-1 sizes (repeatable; default 100000)")
    ap.add_argument("--shard-docs", type=int, default=400, help="documents per add call (a 1 MB shard of news: ~400)")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        path, docs, shard_docs, bulk = args.child
        child(path, int(docs), int(shard_docs), bulk == "1")
        return
    print("| docs (run 1 + run 2) | mode | run 1 s | run 2 s | peak RSS MB | tables equal |")
    print("| --- | --- | --- | --- | --- | --- |")
    for docs in args.docs or [100_000]:
        with tempfile.TemporaryDirectory(prefix="wirewash-index-bench-") as tmp:
            got = {}
            for mode in ("add per shard", "bulk"):
                path = Path(tmp) / f"{mode.split()[0]}.sqlite"
                proc = subprocess.run([sys.executable, __file__, "--child", str(path), str(docs), str(args.shard_docs),
                                       "1" if mode == "bulk" else "0"], capture_output=True, text=True, check=True)
                got[mode] = json.loads(proc.stdout)
            same = _digest(Path(tmp) / "add.sqlite") == _digest(Path(tmp) / "bulk.sqlite")
            for mode, r in got.items():
                print(f"| {docs:,} + {docs // 10:,} | {mode} | {r['seconds'][0]:.1f} | {r['seconds'][1]:.1f} | {r['rss_mb']:.0f} | {same} |")
            a, b = got["add per shard"]["seconds"], got["bulk"]["seconds"]
            print(f"| | bulk speed-up | {a[0] / b[0]:.1f}× | {a[1] / b[1]:.1f}× | | |")


if __name__ == "__main__":
    main()
