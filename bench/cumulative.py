"""Cost of refreshing the inbox's cumulative corpus files after a batch, as the corpus grows.

    .venv/bin/python bench/cumulative.py [--batches 40] [--docs-per-batch 2500]

The baseline (measured in the same run) is what the inbox flow did before: read every shard's
records, then write ``corpus.jsonl.gz`` and ``corpus.parquet`` from them. ``write_cumulative``
now concatenates the shards' gzip members and streams their Parquet rows without parsing.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.io import read_jsonl_gz, write_jsonl_gz, write_parquet  # noqa: E402
from flows.inbox import write_cumulative  # noqa: E402


def baseline(out: Path, batches: list[str]) -> int:
    records = []
    for b in batches:
        records.extend(read_jsonl_gz(out / "shards" / b / "corpus.jsonl.gz"))
    write_jsonl_gz(out / "corpus.jsonl.gz", records)
    write_parquet(out / "corpus.parquet", records)
    return len(records)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=40)
    ap.add_argument("--docs-per-batch", type=int, default=2500)
    args = ap.parse_args()
    rng = random.Random(3)
    words = [f"w{i}" for i in range(5000)]
    out = Path(tempfile.mkdtemp(prefix="wirewash-cumulative-"))
    names = []
    for b in range(args.batches):
        recs = [{"id": f"b{b}-{i}", "text": " ".join(rng.choices(words, k=500)), "title": f"t {i}", "url": None,
                 "spin_score": 0.0, "metadata": {"source": f"f{i}.html"}} for i in range(args.docs_per_batch)]
        name = f"{b:06d}"
        write_jsonl_gz(out / "shards" / name / "corpus.jsonl.gz", recs)
        write_parquet(out / "shards" / name / "corpus.parquet", recs)
        names.append(name)
    n_docs = args.batches * args.docs_per_batch
    print(f"corpus: {args.batches} batches x {args.docs_per_batch} docs = {n_docs} docs (~3 kB each)")
    print(f"{'method':<34} {'s per refresh':>13} {'docs/s':>10}")
    rows = {}
    for r in range(2):  # alternate, keep the best of each
        for name, fn in (("baseline: parse + re-encode", baseline), ("write_cumulative: concat + stream", write_cumulative)):
            t0 = time.perf_counter()
            n = fn(out, names)
            dt = time.perf_counter() - t0
            assert n == n_docs, (name, n)
            rows[name] = min(rows.get(name, dt), dt)
    for name, dt in rows.items():
        print(f"{name:<34} {dt:>13.2f} {n_docs / dt:>10.0f}")
    base, new = rows.values()
    print(f"speed-up: {base / new:.1f}x")


if __name__ == "__main__":
    main()
