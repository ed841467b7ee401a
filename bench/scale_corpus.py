"""Peak memory and speed of `wirewash clean` as the corpus grows (bench/dedup_gen.py's synthetic news).

    python bench/scale_corpus.py --docs 20000 --docs 200000 --workers 2 [--baseline-tree /path/to/old/checkout]

For each N, one JSON Lines input of N documents (30 % edited copies, 40 sites, a footer line per
site) is generated once under ``--work``; then ``wirewash clean`` runs on it with each tree asked
for (this checkout, and a baseline checkout run with the same interpreter), alternating, and the
table gives wall time, docs/s, the driver's peak RSS and the whole process tree's peak RSS
(driver + pool workers, sampled every 0.1 s), and the dedup ARI against the generator's labels.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def make_corpus(path: Path, n: int, seed: int = 1) -> None:
    import dedup_gen

    if path.exists():
        return
    gen, pool = dedup_gen.NewsGenerator(seed), []
    rng = random.Random(seed)
    sites = [f"site{i:02d}.example" for i in range(40)]
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for start in range(0, n, 5000):
            for d in dedup_gen.news_corpus(min(5000, n - start), 0.3, seed, start, gen, pool):
                site = rng.choice(sites)
                text = d["text"] + f"\nMore stories from {site}: follow us for updates"
                fh.write(json.dumps({"id": d["id"], "text": text, "url": f"https://{site}/{d['id']}", "cluster": d["cluster"]}) + "\n")
            del pool[: max(0, len(pool) - 20000)]  # copies come from recent stories (bounded generator memory)
    os.replace(tmp, path)


def _rss(pid: int) -> int:
    """Resident bytes of a process (Linux /proc; 0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    kids = [int(x) for x in fh.read().split()]
                out += kids
                todo += kids
        except OSError:
            continue
    return out


def run_clean(tree: Path, src: Path, out: Path, workers: int, python: str = sys.executable, cpus: str | None = None,
              command: str = "clean", dask_address: str | None = None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    pin = ["taskset", "-c", cpus] if cpus else []
    quiet = ["-q"] if command == "clean" else []  # `run` reports through Prefect's logs
    dask = ["--dask-address", dask_address] if dask_address else []
    proc = subprocess.Popen([*pin, python, "-m", "flows.cli", command, str(src), "-o", str(out), *quiet, "-w", str(workers), *dask],
                            cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_driver = peak_tree = 0
    while proc.poll() is None:
        rss = _rss(proc.pid)
        kids = sum(_rss(c) for c in _children(proc.pid))
        peak_driver, peak_tree = max(peak_driver, rss), max(peak_tree, rss + kids)
        time.sleep(0.1)
    seconds = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{tree}: exit {proc.returncode}: {err[-2000:]}")
    return {"seconds": seconds, "driver_mb": peak_driver / 2**20, "tree_mb": peak_tree / 2**20, "ari": ari(out)}


def _out_name(name: str) -> str:
    return "out-" + name.replace(" ", "-").replace(",", "")


def _same_parts(a: Path, b: Path) -> bool:
    """The corpus parts of two runs hold the same bytes."""
    pa_, pb = sorted((a / "corpus").iterdir()), sorted((b / "corpus").iterdir())
    return [p.name for p in pa_] == [p.name for p in pb] and all(x.read_bytes() == y.read_bytes() for x, y in zip(pa_, pb))


def ari(out: Path) -> float:
    truth, pred = [], []
    with gzip.open(out / "documents.jsonl.gz", "rb") as fh:
        for line in fh:
            d = json.loads(line)
            meta = d["metadata"]  # a JSON string since the row schema (an object in older trees)
            truth.append((json.loads(meta) if isinstance(meta, str) else meta)["cluster"])
            pred.append(d["cluster_id"])
    def c2(x: int) -> float:
        return x * (x - 1) / 2
    nij = sum(c2(v) for v in Counter(zip(truth, pred)).values())
    a, b = sum(c2(v) for v in Counter(truth).values()), sum(c2(v) for v in Counter(pred).values())
    expected = a * b / c2(len(truth))
    return (nij - expected) / ((a + b) / 2 - expected)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, action="append", help="corpus sizes (repeatable; default 20000)")
    ap.add_argument("--workers", type=int, action="append", help="worker counts (repeatable; default 2)")
    ap.add_argument("--baseline-tree", type=Path, help="a checkout of the baseline revision (run with this interpreter)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--cpus", help="run each `clean` pinned to these CPUs (taskset -c LIST), e.g. 0,1 for a 2-core figure")
    ap.add_argument("--trees", choices=("both", "this", "baseline"), default="both")
    ap.add_argument("--work", type=Path, default=Path("/tmp/wirewash-scale"))
    ap.add_argument("--dask", action="store_true",
                    help="also run `clean --dask-address` on a LocalCluster of --workers processes (started before the "
                         "clock; its memory is not in the peak RSS) and compare its corpus parts with the pool's, byte for byte")
    ap.add_argument("--prefect-run", action="store_true",
                    help="also time `wirewash run` (the Prefect flow, its own temporary server unless PREFECT_API_URL is set) on this tree")
    args = ap.parse_args()
    trees = [("this tree", ROOT, "clean")] + ([("baseline", args.baseline_tree, "clean")] if args.baseline_tree else [])
    trees = [t for t in trees if args.trees == "both" or t[0].startswith(args.trees)]
    if args.prefect_run:
        trees.append(("this tree, wirewash run", ROOT, "run"))
    if args.dask:
        trees.append(("this tree, Dask LocalCluster", ROOT, "clean"))
    args.work.mkdir(parents=True, exist_ok=True)
    print("| tree | docs | workers | seconds | docs/s | driver peak RSS MB | tree peak RSS MB | ARI |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in args.docs or [20000]:
        src = args.work / f"news-{n}.jsonl"
        make_corpus(src, n)
        by_workers: dict[int, float] = {}
        for w in args.workers or [2]:
            best: dict[str, dict] = {}
            cluster = None
            if args.dask:
                from distributed import LocalCluster

                cluster = LocalCluster(n_workers=w, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0")
            for _ in range(args.rounds):
                for name, tree, command in trees:
                    address = cluster.scheduler_address if "Dask" in name else None
                    r = run_clean(tree, src, args.work / _out_name(name), w, cpus=args.cpus, command=command, dask_address=address)
                    if name not in best or r["seconds"] < best[name]["seconds"]:
                        best[name] = r
            if "this tree" in best:
                by_workers[w] = best["this tree"]["seconds"]
            for name, _, _ in trees:
                r = best[name]
                print(f"| {name} | {n:,} | {w} | {r['seconds']:.1f} | {n / r['seconds']:,.0f} | {r['driver_mb']:,.0f} | "
                      f"{r['tree_mb']:,.0f} | {r['ari']:.4f} |", flush=True)
            if cluster is not None:
                cluster.close()
                same = _same_parts(args.work / _out_name("this tree"), args.work / _out_name("this tree, Dask LocalCluster"))
                ratio = best["this tree, Dask LocalCluster"]["seconds"] / best["this tree"]["seconds"]
                print(f"|  | Dask / pool | | {ratio:.2f}× | | | | corpus parts identical: {same} |", flush=True)
            if "this tree, wirewash run" in best and "this tree" in best:
                print(f"|  | run / clean | | {best['this tree, wirewash run']['seconds'] / best['this tree']['seconds']:.2f}× | | | | |", flush=True)
            if "baseline" in best:
                print(f"|  | speed-up vs baseline | | {best['baseline']['seconds'] / best['this tree']['seconds']:.2f}× | | | | |", flush=True)
        if len(by_workers) > 1:  # this tree, the most workers against the fewest, on the same corpus
            lo, hi = min(by_workers), max(by_workers)
            print(f"|  | {hi} workers / {lo} | | {by_workers[lo] / by_workers[hi]:.2f}× | | | | |", flush=True)


if __name__ == "__main__":
    main()
