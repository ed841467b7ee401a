"""What the site check's kept levels cost as the number of sites grows: memory held while the
corpus step runs (tracemalloc), the state file's size, and the time to load and save it.

    .venv/bin/python bench/spin_site_state.py [--sites 10000 50000 200000] [--baseline-tree DIR]

Each site gets the full window (``2 × [spin] site_samples`` levels, the most a site keeps),
added over runs of ``site_samples`` levels as a settled site's would be. With
``--baseline-tree`` the same measurement runs on another checkout's ``flows.stages`` in a fresh
process (the same run, the same machine), for a ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


def measure(n_sites: int) -> dict:
    from cleaners.settings import section
    from flows import stages

    cfg = section("spin")
    keep, per_run = 2 * int(cfg["site_samples"]), int(cfg["site_samples"])
    rng = random.Random(n_sites)
    runs = [[(stages.stable_hash(f"site-{s}"), f"site-{s}/doc-{r}-{k}", round(rng.uniform(-4.0, -1.5), 4))
             for s in range(n_sites) for k in range(per_run)] for r in range(keep // per_run)]
    with tempfile.TemporaryDirectory() as tmp:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        known = stages.SiteLevels.load(tmp, cfg)
        for got in runs:
            known.add_run(got)
        held = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        t0 = time.perf_counter()
        known.save(tmp)
        t_save = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        del known
        tracemalloc.start()
        t0 = time.perf_counter()
        again = stages.SiteLevels.load(tmp, cfg)
        t_load = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        site = stages.stable_hash("site-0")
        assert again.settled(site) and len(again.levels(site)) == keep
    return {"sites": n_sites, "levels": n_sites * keep, "held_mb": held / 2**20, "file_mb": size / 2**20,
            "save_s": t_save, "load_s": t_load, "load_peak_mb": peak / 2**20}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    ap.add_argument("--baseline-tree", type=Path)
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # (one tree's figures, for the parent)
    a = ap.parse_args(argv)
    if a.json:
        print(json.dumps([measure(n) for n in a.sites]))
        return
    trees = [("this tree", Path(__file__).resolve().parents[1])]
    if a.baseline_tree:
        trees.append(("baseline", a.baseline_tree.resolve()))
    for name, tree in trees:
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--json", "--sites", *map(str, a.sites)],
                             cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True)
        print(f"{name} ({tree}):")
        for r in json.loads(out.stdout):
            print(f"  {r['sites']:>9,} sites, {r['levels']:>10,} levels: held {r['held_mb']:7.1f} MB, file {r['file_mb']:6.1f} MB,"
                  f" save {r['save_s']:5.2f} s, load {r['load_s']:5.2f} s (peak {r['load_peak_mb']:6.1f} MB)")


if __name__ == "__main__":
    main()
