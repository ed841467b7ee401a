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


def run_clean(tree: Path, src: Path, out: Path, workers: int, python: str = sys.executable, cpus: str | None = None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    pin = ["taskset", "-c", cpus] if cpus else []
    proc = subprocess.Popen([*pin, python, "-m", "flows.cli", "clean", str(src), "-o", str(out), "-q", "-w", str(workers)],
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


def ari(out: Path) -> float:
    truth, pred = [], []
    with gzip.open(out / "documents.jsonl.gz", "rb") as fh:
        for line in fh:
            d = json.loads(line)
            truth.append(d["metadata"]["cluster"])
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
    args = ap.parse_args()
    trees = [("this tree", ROOT)] + ([("baseline", args.baseline_tree)] if args.baseline_tree else [])
    trees = [t for t in trees if args.trees == "both" or t[0].startswith(args.trees)]
    args.work.mkdir(parents=True, exist_ok=True)
    print("| tree | docs | workers | seconds | docs/s | driver peak RSS MB | tree peak RSS MB | ARI |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in args.docs or [20000]:
        src = args.work / f"news-{n}.jsonl"
        make_corpus(src, n)
        for w in args.workers or [2]:
            best: dict[str, dict] = {}
            for _ in range(args.rounds):
                for name, tree in trees:
                    r = run_clean(tree, src, args.work / f"out-{name.replace(' ', '-')}", w, cpus=args.cpus)
                    if name not in best or r["seconds"] < best[name]["seconds"]:
                        best[name] = r
            for name, _ in trees:
                r = best[name]
                print(f"| {name} | {n:,} | {w} | {r['seconds']:.1f} | {n / r['seconds']:,.0f} | {r['driver_mb']:,.0f} | "
                      f"{r['tree_mb']:,.0f} | {r['ari']:.4f} |", flush=True)
            if len(best) > 1:
                print(f"|  | speed-up vs baseline | | {best['baseline']['seconds'] / best['this tree']['seconds']:.2f}× | | | | |", flush=True)


if __name__ == "__main__":
    main()
