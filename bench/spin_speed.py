#!/usr/bin/env python3
"""Speed of ``spin_score`` + ``despin`` on clean news, this tree against a baseline tree, in the
same run (the machines are noisy: rounds alternate, each in a fresh process, best of 3 passes).

The documents are what ``bench/spin.py`` times on clean news: the clean seeds 000/001/002/004 and
the 181 ground-truth article bodies of ``../shared/bench/extraction`` (those of 50 words or more),
twice. The baseline tree is any checkout of wirewash, for instance
``git worktree add /tmp/base <rev>`` (it needs its compiled kernels: copy ``cleaners/_linekernels*.so``).

    .venv/bin/python bench/spin_speed.py --baseline-tree /tmp/base --rounds 2

``--spun RATE`` times flagged documents instead: the article bodies spun by this tree's
``bench/thesaurus_spinner.py`` at RATE (the same texts for both trees), one pass each, with the
child's peak RSS (``--copies N``: the bodies N times, to see how cost grows with input).
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
if gt_path.endswith(".jsonl"):  # --spun: the documents themselves, one pass, peak RSS
    import resource
    docs = [json.loads(line) for line in Path(gt_path).read_text(encoding="utf-8").splitlines()]
    t0 = time.perf_counter()
    flagged = sum(spin.despin_explained(d).flagged for d in docs)
    dt = time.perf_counter() - t0
    print(json.dumps({"docs": len(docs), "seconds": dt, "flagged": flagged, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    raise SystemExit(0)
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
    ap.add_argument("--spun", type=float, metavar="RATE", help="time flagged documents: the bodies spun at RATE")
    ap.add_argument("--copies", type=int, default=1)
    a = ap.parse_args(argv)
    gt = SHARED / "bench" / "extraction" / "ground-truth.json"
    if not gt.exists():
        print(f"needs {gt} (../shared beside the checkout)", file=sys.stderr)
        return 2
    if a.spun is not None:
        return spun_rounds(a, gt)
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


def spun_rounds(a: argparse.Namespace, gt: Path) -> int:
    import tempfile

    sys.path.insert(0, str(ROOT / "bench"))
    import thesaurus_spinner

    data = json.loads(gt.read_text(encoding="utf-8"))
    bodies = [(k, (v.get("articleBody") or "").strip()) for k, v in sorted(data.items())]
    docs = [thesaurus_spinner.spin_text(b, seed=int(k[:8], 16), rate=a.spun) for k, b in bodies if len(b.split()) >= 50] * a.copies
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(d) for d in docs))
    rows: dict[str, list[dict]] = {"this": [], "base": []}
    try:
        for _ in range(a.rounds):
            rows["base"].append(measure(a.baseline_tree.resolve(), Path(fh.name)))
            rows["this"].append(measure(ROOT, Path(fh.name)))
    finally:
        Path(fh.name).unlink()
    print(f"article bodies spun at {a.spun:g} ({len(docs)} docs), despin_explained, one pass a round, {a.rounds} alternating rounds")
    for key, name in (("this", "this tree"), ("base", f"baseline tree ({a.baseline_tree})")):
        r = rows[key]
        print(f"  {name:<13} {min(x['seconds'] for x in r):.1f}-{max(x['seconds'] for x in r):.1f} s, flagged {r[0]['flagged']}, "
              f"peak RSS {max(x['peak_rss_mb'] for x in r):.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
