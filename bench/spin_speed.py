#!/usr/bin/env python3
"""Speed of ``spin_score`` + ``despin`` on clean news, this tree against a baseline tree, in the
same run (the machines are noisy: rounds alternate, each in a fresh process, best of 3 passes).

The documents are what ``bench/spin.py`` times on clean news: the clean seeds 000/001/002/004 and
the 181 ground-truth article bodies of ``../shared/bench/extraction`` (those of 50 words or more),
twice. The baseline tree is any checkout of wirewash, for instance
``git worktree add /tmp/base <rev>`` (it needs its compiled kernels: copy ``cleaners/_linekernels*.so``).

    .venv/bin/python bench/spin_speed.py --baseline-tree /tmp/base --rounds 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

_CHILD = r"""
import json, sys, time
from pathlib import Path
tree, gt_path = sys.argv[1], sys.argv[2]
sys.path.insert(0, tree)
from cleaners import spin
gt = json.loads(Path(gt_path).read_text(encoding="utf-8"))
bodies = [(v.get("articleBody") or "").strip() for v in gt.values()]
bodies = [b for b in bodies if len(b.split()) >= 50]
seeds = [p.read_text(encoding="utf-8") for p in sorted(Path(tree, "seeds").glob("*.txt")) if not p.name.startswith("003")]
docs = (seeds + bodies) * 2
for d in docs[:20]:
    spin.spin_score(d); spin.despin(d)
best = float("inf")
for _ in range(3):
    t0 = time.perf_counter()
    for d in docs:
        spin.spin_score(d); spin.despin(d)
    best = min(best, time.perf_counter() - t0)
print(json.dumps({"docs": len(docs), "docs_per_s": len(docs) / best, "module": spin.__file__}))
"""


def measure(tree: Path, gt: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(tree), str(gt)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-tree", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args(argv)
    gt = SHARED / "bench" / "extraction" / "ground-truth.json"
    if not gt.exists():
        print(f"needs {gt} (../shared beside the checkout)", file=sys.stderr)
        return 2
    this, base = [], []
    for _ in range(a.rounds):
        base.append(measure(a.baseline_tree.resolve(), gt)["docs_per_s"])
        res = measure(ROOT, gt)
        this.append(res["docs_per_s"])
    print(f"clean news, {res['docs']} docs, spin_score + despin, best of 3 passes a round, {a.rounds} alternating rounds")
    print(f"  this tree     {min(this):,.0f}-{max(this):,.0f} docs/s")
    print(f"  baseline tree {min(base):,.0f}-{max(base):,.0f} docs/s  ({a.baseline_tree})")
    print(f"  this / baseline {min(t / b for t, b in zip(this, base)):.2f}-{max(t / b for t, b in zip(this, base)):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
