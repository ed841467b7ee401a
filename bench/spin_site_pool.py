#!/usr/bin/env python3
"""What the site check (``[spin] site_check``) costs a pooled run where nothing spins: the 181
clean article bodies ten times over (1,790 documents, distinct ids, on 60 sites) through
``wirewash clean -w 4``, the check off (the baseline) and on, alternating. Reports wall time and
the peak RSS of the whole process group (the driver and its workers, summed from ``/proc`` every
50 ms): each process that reads a sample loads the decider's models, so the check's tasks are
grouped (``flows.corpus_steps.SITE_TASK_DOCS``) to keep those processes few.

    .venv/bin/python bench/spin_site_pool.py [--rounds 2] [--workers 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def group_rss_kb(pgid: int) -> int:
    total = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # (field 5 of stat: the process group)
                continue
            for line in Path(f"/proc/{d}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total


def run(corpus: Path, out: Path, workers: int, site_check: bool) -> tuple[float, float]:
    settings = out.parent / f"settings-{site_check}.toml"
    settings.write_text(f"[spin]\nsite_check = {'true' if site_check else 'false'}\n", encoding="utf-8")
    env = {**os.environ, "WIREWASH_SETTINGS": str(settings), "PYTHONPATH": str(ROOT)}
    t0, peak = time.perf_counter(), 0
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "clean", str(corpus), "-o", str(out), "-w", str(workers)],
                            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while proc.poll() is None:
        peak = max(peak, group_rss_kb(proc.pid))
        time.sleep(0.05)
    if proc.returncode:
        raise SystemExit(f"wirewash clean failed: {proc.stderr.read().decode()[-800:]}")
    return time.perf_counter() - t0, peak / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=4)
    a = ap.parse_args(argv)
    gt = SHARED / "bench" / "extraction" / "ground-truth.json"
    if not gt.exists():
        print("needs ../shared/bench/extraction", file=sys.stderr)
        return 2
    bodies = [(v.get("articleBody") or "").strip() for v in json.loads(gt.read_text(encoding="utf-8")).values()]
    rows = [{"id": f"c{r}-{i}", "title": f"Report {r}-{i}", "url": f"https://clean{(i + r) % 60}.example/{r}-{i}",
             "text": f"{b}\n\nEdition {r}."} for r in range(10) for i, b in enumerate(bodies) if b]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "in" / "feed.jsonl"
        corpus.parent.mkdir()
        corpus.write_text("".join(json.dumps(x) + "\n" for x in rows), encoding="utf-8")
        print(f"{len(rows)} clean documents on 60 sites, wirewash clean -w {a.workers}; wall s, peak RSS of the process group")
        for r in range(a.rounds):
            got = []
            for label, on in (("off", False), ("on", True)):
                out = Path(tmp) / f"out-{label}-{r}"
                secs, mb = run(corpus, out, a.workers, on)
                got.append(f"{label} {secs:.1f} s, {mb:,.0f} MB")
            print(f"  round {r + 1}: " + "; ".join(got), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
