"""Scale-out benchmark: inbox-flow docs/s on a Dask LocalCluster with 1 and 2 workers.

    .venv/bin/python bench/scale.py [--copies N] [--runs R]

Input: the extraction benchmark's HTML pages (../shared/bench/extraction/html, gunzipped)
plus the dedup benchmark's text docs, written into one inbox; each configuration
cleans the same inbox into a fresh output folder (no cache reuse). The baseline
(1 worker) is measured in the same run, and configurations alternate so machine
noise hits both. `clean` is the per-shard stage (read + extract + textfix +
boilerplate + spin, and signatures) that runs on the workers; `total` adds dedup,
writes and the Prefect bookkeeping that stay on the driver.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(ROOT))


def build_inbox(inbox: Path, copies: int) -> int:
    inbox.mkdir(parents=True)
    n = 0
    pages = sorted((SHARED / "extraction" / "html").glob("*.html.gz"))
    for c in range(copies):
        for p in pages:
            html = gzip.decompress(p.read_bytes())
            (inbox / f"{c}-{p.name[:16]}.html").write_bytes(html + f"<!-- copy {c} -->".encode())
            n += 1
    synth = SHARED / "dedup" / "synth_v1.jsonl"
    if synth.exists():
        for c in range(copies):
            recs = [json.loads(l) for l in synth.read_text(encoding="utf-8").splitlines()]
            for r in recs:
                (inbox / f"{c}-{r['id']}.txt").write_text(r["text"] + f"\n\ncopy {c}\n", encoding="utf-8")
                n += 1
    return n


def dedup_table(n_docs: int) -> None:
    """Dedup at scale: banding shuffle of n_docs, then a batch of n_docs/10 against that history."""
    import numpy as np
    from distributed import Client, LocalCluster

    from flows import dask_dedup

    rng = np.random.default_rng(7)
    num_perm = dask_dedup.signatures(["x y z"]).shape[1]
    sigs = rng.integers(0, 2**32, size=(n_docs, num_perm), dtype=np.uint64)
    near = rng.choice(n_docs, size=n_docs // 10, replace=False)  # planted near-duplicates: 10 % of values changed
    copies = sigs[near].copy()
    mask = rng.random(copies.shape) < 0.1
    copies[mask] = rng.integers(0, 2**32, size=int(mask.sum()), dtype=np.uint64)
    ids = [f"h{i}" for i in range(n_docs)]
    new_ids = [f"n{i}" for i in range(len(near))]
    b, r = dask_dedup.lsh_params()
    print(f"\ndedup at scale: {n_docs} docs x {b} bands ({b * n_docs} rows), then {len(near)} new docs against that history")
    print(f"{'workers':>7} {'shuffle all s':>13} {'pairs':>7} {'batch vs history s':>18} {'pairs':>7} {'recall of planted':>17}")
    for n in (1, 2):
        with tempfile.TemporaryDirectory() as d, LocalCluster(n_workers=n, threads_per_worker=1, dashboard_address=":0") as cl, Client(cl) as client:
            hist = dask_dedup.BandHistory(Path(d) / "bands")
            t0 = time.perf_counter()
            pairs_all = dask_dedup.candidate_pairs(ids, sigs, hist, [], client)
            t_all = time.perf_counter() - t0
            hist.append("h", ids, sigs)
            t0 = time.perf_counter()
            pairs_new = dask_dedup.candidate_pairs(new_ids, copies, hist, ["h"], client)
            t_new = time.perf_counter() - t0
            found = {(a, b) for a, b in zip(pairs_new["a"], pairs_new["b"])}
            recall = sum((f"n{k}", f"h{i}") in found for k, i in enumerate(near)) / len(near)
            print(f"{n:>7} {t_all:>13.2f} {len(pairs_all):>7} {t_new:>18.2f} {len(pairs_new):>7} {recall:>17.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=4, help="copies of the input pages (4: 1,124 files, 1,096 docs)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--dedup-docs", type=int, default=40000, help="size of the dedup-at-scale table (0: skip)")
    args = ap.parse_args()
    if not (SHARED / "extraction" / "html").exists():
        sys.exit("needs ../shared/bench/extraction/html")
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="wirewash-bench-prefect-"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    import contextlib

    from distributed import LocalCluster

    harness = contextlib.nullcontext()
    if not os.environ.get("PREFECT_API_URL"):
        from prefect.testing.utilities import prefect_test_harness

        harness = prefect_test_harness(server_startup_timeout=120)
    base = Path(tempfile.mkdtemp(prefix="wirewash-scale-"))
    files = build_inbox(base / "inbox", args.copies)
    from flows.inbox import inbox_flow

    # the machine's ceiling right now: the same per-shard work in 1 and 2 plain processes
    from concurrent.futures import ProcessPoolExecutor

    from cleaners.settings import section
    from flows.inbox import clean_files, make_shards
    from flows.inbox_state import scan_inbox

    ceiling = {}
    for n in (1, 2):
        shards = make_shards(scan_inbox(base / "inbox"), section("inbox")["shard_bytes"], slots=n)  # as the flow shards for n workers
        t0 = time.perf_counter()
        with ProcessPoolExecutor(n) as pool:
            list(pool.map(clean_files, shards))
        ceiling[n] = time.perf_counter() - t0

    rows: dict[int, list[dict]] = {1: [], 2: []}
    load0 = os.getloadavg()
    with harness:
        clusters = {n: LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0") for n in (1, 2)}
        try:
            warm = base / "warm"  # workers import the cleaners once, as a long-lived cluster would have
            warm.mkdir()
            for p in sorted((base / "inbox").iterdir())[:4]:
                shutil.copy(p, warm / p.name)
            for n, c in clusters.items():
                inbox_flow(str(warm), str(base / f"warm-out-{n}"), dask_address=c.scheduler_address, settle_seconds=0, shard_bytes=1)
            for r in range(args.runs):
                for n in (1, 2) if r % 2 == 0 else (2, 1):
                    out = base / f"out-{n}-{r}"
                    t0 = time.perf_counter()
                    s = inbox_flow(str(base / "inbox"), str(out), dask_address=clusters[n].scheduler_address, settle_seconds=0)
                    total = time.perf_counter() - t0
                    (b,) = s["batches"]
                    rows[n].append({"docs": b["counts"]["read"], "total": total, "clean": b["seconds"]["clean_s"],
                                    "dedup": b["seconds"]["dedup_s"], "write": b["seconds"]["write_s"]})
                    shutil.rmtree(out)
        finally:
            for c in clusters.values():
                c.close()
    load1 = os.getloadavg()
    print(f"input: {files} files ({args.copies} cop{'y' if args.copies == 1 else 'ies'}); cpus={os.cpu_count()}; "
          f"loadavg before {load0[0]:.2f}, after {load1[0]:.2f} (other jobs share this machine)")
    print(f"{'workers':>7} {'docs':>6} {'total s':>8} {'docs/s':>7} {'clean s':>8} {'clean docs/s':>12} {'dedup s':>8} {'write s':>8}")
    best = {}
    for n in (1, 2):
        docs = rows[n][0]["docs"]
        total = min(x["total"] for x in rows[n])
        clean = min(x["clean"] for x in rows[n])
        best[n] = (docs / total, docs / clean)
        dd, wr = min(x["dedup"] for x in rows[n]), min(x["write"] for x in rows[n])
        print(f"{n:>7} {docs:>6} {total:>8.2f} {docs / total:>7.1f} {clean:>8.2f} {docs / clean:>12.1f} {dd:>8.2f} {wr:>8.2f}")
    print(f"plain process pool, same shards (no Prefect/Dask): 1 proc {ceiling[1]:.2f} s, 2 procs {ceiling[2]:.2f} s "
          f"-> machine ceiling now {ceiling[1] / ceiling[2]:.2f}x")
    print(f"speed-up 2 vs 1 workers: total {best[2][0] / best[1][0]:.2f}x, clean stage {best[2][1] / best[1][1]:.2f}x (target >= 1.7x)")
    if args.dedup_docs:
        dedup_table(args.dedup_docs)


if __name__ == "__main__":
    main()
