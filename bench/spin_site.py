#!/usr/bin/env python3
"""The corpus step's site check (``[spin] site_check``) end to end: a corpus with spinner sites
whose tells the table does not know, and clean sites, through ``flows.pipeline.run`` with the
check off (the baseline, same run) and on.

* spinner sites: the held-out thesaurus-spun articles of ``bench/spin.py`` (never tuned on) with
  the spinner's tells off (``tell_rate`` 0), spread over 6 sites in turn;
* clean sites: the dev part's clean article bodies (no near-duplicate of a held-out story among
  them, so no repair comes from a clean copy), spread over 15 sites in turn (~6 each).

Per spin rate, with every site sampled (``site_sample_floor`` over the corpus size, so each clean
site is put to the test): spinner and clean sites found spinning; restoration / damage of the spun articles
(the shared scorer, raw spun text against the pipeline's output); clean documents changed; each
run's wall time and peak RSS (``ru_maxrss`` of the process that ran it, one process a run). Then
the cost where nothing spins, with the default budget: all the clean articles on 30 sites, off,
on, off again.

    .venv/bin/python bench/spin_site.py [--rates 0.35 0.7]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import thesaurus_spinner  # noqa: E402

SPIN_SITES, CLEAN_SITES = 6, 15
CHILD = """
import json, resource, sys, time
from flows import pipeline
t0 = time.perf_counter()
pipeline.run(sys.argv[1], sys.argv[2], workers=1)
print(json.dumps({"seconds": time.perf_counter() - t0, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(corpus: Path, out: Path, site_check: bool, extra: str = "") -> dict:
    settings = out.parent / f"settings-{out.name}.toml"
    settings.write_text(f"[spin]\nsite_check = {'true' if site_check else 'false'}\n{extra}", encoding="utf-8")
    env = {**os.environ, "WIREWASH_SETTINGS": str(settings), "PYTHONPATH": str(ROOT)}
    got = subprocess.run([sys.executable, "-c", CHILD, str(corpus), str(out)], env=env, capture_output=True, text=True, check=True)
    stats = json.loads(got.stdout.strip().splitlines()[-1])
    with gzip.open(out / "documents.jsonl.gz", "rt", encoding="utf-8") as fh:
        stats["docs"] = {r["id"]: r for r in map(json.loads, fh)}
    return stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rates", type=float, nargs="+", default=[0.35, 0.7])
    a = ap.parse_args(argv)
    spec = importlib.util.spec_from_file_location("bench_spin", ROOT / "bench" / "spin.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sc = bench.load_scorer()
    held, dev = bench.thesaurus_pairs("held-out"), bench.thesaurus_pairs("dev")
    if not held or not dev:
        print("needs ../shared/bench/extraction", file=sys.stderr)
        return 2
    print(f"{len(held)} held-out spun articles on {SPIN_SITES} spinner sites (tells off), {len(dev)} clean dev articles on "
          f"{CLEAN_SITES} clean sites; off = [spin] site_check false (baseline), on = the default")
    for rate in a.rates:
        rows, spun_pairs = [], []
        for i, p in enumerate(held):
            text = thesaurus_spinner.spin_text(p["original"], seed=int(p["id"][:8], 16), rate=rate, tell_rate=0.0)
            rows.append({"id": f"spun-{p['id']}", "title": f"Story {i}", "url": f"https://spinner{i % SPIN_SITES}.example/{i}", "text": text})
            spun_pairs.append({"id": f"spun-{p['id']}", "spun": text, "original": p["original"]})
        for i, p in enumerate(dev):
            rows.append({"id": f"clean-{p['id']}", "title": f"Report {i}", "url": f"https://clean{i % CLEAN_SITES}.example/{i}", "text": p["original"]})
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "in" / "feed.jsonl"
            corpus.parent.mkdir()
            corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
            # every site read (a floor over the corpus), so that each clean site is put to the test too
            res = {label: run(corpus, Path(tmp) / label, on, "site_sample_floor = 100000\n") for label, on in (("off", False), ("on", True))}
        line = [f"rate {rate}:"]
        for label, r in res.items():
            docs = r["docs"]
            by_text = {p["spun"]: docs[p["id"]]["text"] for p in spun_pairs}
            o = sc.evaluate(lambda t: by_text[t], spun_pairs, {})["overall"]
            sites = {}
            for d in docs.values():
                for p in d["provenance"]:
                    if p["stage"] == "spin-site":
                        sites[p["flagged_by"].split()[2]] = 1
            spinner = sum(1 for s in sites if s.startswith("spinner"))
            clean_changed = sum(1 for k, d in docs.items() if k.startswith("clean-") and any(p.get("repairs") for p in d["provenance"]))
            line.append(f"  {label}: spinner sites found {spinner}/{SPIN_SITES}, clean sites found {len(sites) - spinner}/{CLEAN_SITES}; "
                        f"restoration {o['restoration']:.3f} / damage {o['damage']:.4f}; clean documents changed "
                        f"{clean_changed}/{len(dev)}; {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB")
        print("\n".join(line), flush=True)
    # the cost where nothing spins: every clean article (both parts) on sites of ~6, off against on
    rows = [{"id": f"clean-{p['id']}", "title": f"Report {i}", "url": f"https://clean{i % 30}.example/{i}", "text": p["original"]}
            for i, p in enumerate(dev + held)]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "in" / "feed.jsonl"
        corpus.parent.mkdir()
        corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        res = {label: run(corpus, Path(tmp) / label, on) for label, on in (("off", False), ("on", True), ("off again", False))}
    print(f"clean only ({len(rows)} articles on 30 sites): " + "; ".join(
        f"{label} {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB, "
        f"{sum(1 for d in r['docs'].values() if any(p['stage'] == 'spin-site' for p in d['provenance']))} repaired" for label, r in res.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
