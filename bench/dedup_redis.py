#!/usr/bin/env python3
"""Dedup index backends: SQLite (baseline) vs Redis, the same two incremental runs, in one table.

    .venv/bin/pip install -e '.[redis]'; apt-get install redis-server
    .venv/bin/python bench/dedup_redis.py            # run 1: 10k docs, run 2: 1k more
    .venv/bin/python bench/dedup_redis.py --docs 50000

Both backends get the same synthetic news corpus (``bench/dedup_gen.py``, 30 % edited
copies) through the same ``dedup_batch``; the table shows docs/s per run, the storage per
document (SQLite: file bytes; Redis: growth of the server's ``used_memory``) and how many
of the Redis decisions equal the SQLite ones. A throw-away redis-server (no persistence)
is started on a free loopback port for the run.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dedup_gen  # noqa: E402

from cleaners.dedup import DedupConfig, canonical_rank, dedup_batch, open_index  # noqa: E402


def _server(tmp: str):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            return proc, client, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.terminate()
    raise SystemExit("redis-server did not start")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=10_000)
    args = ap.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server not found (apt-get install redis-server)")
    gen = dedup_gen.NewsGenerator(seed=1)
    pool: list = []
    batches = [dedup_gen.news_corpus(args.docs, 0.3, 1, 0, gen, pool),
               dedup_gen.news_corpus(max(1, args.docs // 10), 0.3, 1, args.docs, gen, pool)]
    cfg = DedupConfig.from_settings()
    rows, decided = [], {}
    with tempfile.TemporaryDirectory(prefix="wirewash-redis-bench-") as tmp:
        proc, client, url = _server(tmp)
        try:
            base_mem = int(client.info("memory")["used_memory"])
            sqlite_path = Path(tmp) / "state" / "dedup.sqlite"
            for name, target in (("SQLite (baseline)", sqlite_path), ("Redis", url)):
                decided[name] = []
                total = 0
                for k, docs in enumerate(batches, 1):
                    texts = [d["text"] for d in docs]
                    t0 = time.perf_counter()
                    with open_index(target, cfg) as index:
                        dec = dedup_batch([d["id"] for d in docs], texts, [canonical_rank(t) for t in texts], index)
                    sec = time.perf_counter() - t0
                    total += len(docs)
                    decided[name] += dec
                    if name == "Redis":
                        size = int(client.info("memory")["used_memory"]) - base_mem
                    else:
                        size = sum(p.stat().st_size for p in sqlite_path.parent.iterdir())
                    rows.append([name, f"run {k}: {len(docs):,} docs", f"{len(docs) / sec:,.0f} docs/s", f"{sec:.1f} s",
                                 f"{size / total:,.0f} B/doc", f"dups {sum(1 for x in dec if x.duplicate_of):,}"])
        finally:
            client.close()
            proc.terminate()
            proc.wait(timeout=10)
    same = sum(a == b for a, b in zip(decided["SQLite (baseline)"], decided["Redis"]))
    rows.append(["Redis vs SQLite", "identical decisions", f"{same:,}/{len(decided['Redis']):,}", "", "", ""])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))


if __name__ == "__main__":
    main()
