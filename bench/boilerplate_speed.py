"""Speed of ``strip_boilerplate`` on the text dumps, against a baseline revision in the same run,
and a check that the output is unchanged.

    python bench/boilerplate_speed.py --baseline main          # speed table: baseline vs working tree
    python bench/boilerplate_speed.py --snapshot out.json      # every result (body, title, removals)
    python bench/boilerplate_speed.py --check out.json         # exit 1 if any result differs

The baseline's ``cleaners/`` is taken from git (``git archive``) into a temporary directory;
each implementation is timed in its own subprocess, alternating, best of ``--rounds`` rounds
(the machine is shared). Timing starts cold (the short-line rule cache is cleared).
``bench/boilerplate_equiv.py`` compares more results (synthetic corpus, held-out fits) with a baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TEXT_DIR = SHARED / "bench" / "extraction" / "text"
SEED_DIR = SHARED / "seeds"


def inputs() -> dict[str, str]:
    """The benchmark's text dumps and the seeds, by file name."""
    out = {}
    for d in (TEXT_DIR, SEED_DIR):
        for p in sorted(d.glob("*.txt")):
            out[f"{d.name}/{p.name}"] = p.read_text(encoding="utf-8")
    return out


def snapshot() -> dict[str, dict]:
    """Every result: each document alone, its body cleaned again with its title (the
    idempotence path), and the documents as one corpus (the corpus-evidence path)."""
    from cleaners.boilerplate import strip_boilerplate, strip_corpus, strip_document_lines

    def rec(r) -> dict:
        return {"text": r.text, "title": r.title, "removed": [x.to_record() for x in r.removed], "scores": [x.score for x in r.removed], "unwrapped": getattr(r, "unwrapped", None)}

    out = {}
    docs = inputs()
    for name, text in docs.items():
        r = strip_document_lines(text)
        out[name] = rec(r)
        out["plain:" + name] = strip_boilerplate(text)
        out["again:" + name] = rec(strip_document_lines(r.text, title=r.title))
        # outside evidence: every third non-empty line is known chrome
        known = {" ".join(l.lower().split()): "known" for l in [l for l in text.split("\n") if l.strip()][::3]}
        out["known:" + name] = rec(strip_document_lines(text, known_chrome=known))
    sites = [name.split("/")[0] for name in docs]
    for name, r in zip(docs, strip_corpus(list(docs.values()), sites)):
        out["corpus:" + name] = rec(r)
    return out


#: the compiled kernels add a dot product's terms in order, numpy's BLAS does not: a score (a
#: removal's ``score``, a fitted weight) may differ in its last bits; anything else must be equal
FLOAT_TOLERANCE = 1e-12


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= FLOAT_TOLERANCE or (a != a and b != b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def compare(want: dict, got: dict) -> list[str]:
    """Names of the results that differ (floats within ``FLOAT_TOLERANCE`` count as equal)."""
    return sorted(k for k in want.keys() | got.keys() if not _same(want.get(k), got.get(k)))


def hermetic_imports() -> None:
    """Import ``cleaners`` only from ``sys.path``: the editable install's finder would otherwise
    hand a baseline checkout this tree's compiled kernels (``cleaners._linekernels``)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]


def checkout(revision: str, dest: Path) -> None:
    """``cleaners/`` of ``revision`` into ``dest``, with its compiled kernels built there when it has them."""
    arch = subprocess.run(["git", "archive", revision, "cleaners"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=arch, check=True)
    if (dest / "cleaners" / "_linekernels.c").exists():
        build = (
            "from setuptools import Distribution, Extension\n"
            "from setuptools.command.build_ext import build_ext\n"
            "d = Distribution({'ext_modules': [Extension('cleaners._linekernels', ['cleaners/_linekernels.c'])]})\n"
            "c = build_ext(d); c.inplace = True; c.ensure_finalized(); c.run()\n"
        )
        subprocess.run([sys.executable, "-c", build], cwd=dest, check=True, capture_output=True)


_TIMER = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import boilerplate_speed
boilerplate_speed.hermetic_imports()
from cleaners import boilerplate
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.txt"))]
boilerplate.strip_boilerplate(texts[0])  # load data files before timing
getattr(boilerplate, "clear_caches", boilerplate._SHORT_LINE_RULES.clear)()  # no remembered verdicts (older trees: the one cache)
c0, t0 = time.process_time(), time.perf_counter()
for t in texts:
    boilerplate.strip_boilerplate(t)
print(json.dumps({"n": len(texts), "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))
"""


def _time(src: Path, kernels: bool = True) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "WIREWASH_NO_KERNELS": "" if kernels else "1"}
    res = subprocess.run([sys.executable, "-c", _TIMER, str(TEXT_DIR), str(ROOT / "bench")], cwd=src, env=env, capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def compare_speed(baseline: str, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        checkout(baseline, Path(tmp))
        runs = {"baseline": (Path(tmp), True), "this tree, numpy path": (ROOT, False), "this tree": (ROOT, True)}
        best = {name: [float("inf"), float("inf")] for name in runs}
        n = 0
        for _ in range(rounds):
            for name, (src, kernels) in runs.items():
                r = _time(src, kernels)
                n = r["n"]
                best[name] = [min(best[name][0], r["wall"]), min(best[name][1], r["cpu"])]
    print(f"strip_boilerplate over {n} text dumps, best of {rounds} alternating rounds, cold rule cache")
    print(f"{'':24} {'docs/s wall':>12} {'docs/CPU-s':>12}")
    for name, (wall, cpu) in best.items():
        label = f"baseline ({baseline})" if name == "baseline" else name
        print(f"{label:24} {n / wall:12.0f} {n / cpu:12.0f}")
    b, t = best["baseline"], best["this tree"]
    print(f"{'speed-up':24} {b[0] / t[0]:11.2f}x {b[1] / t[1]:11.2f}x")
    from cleaners import linescore

    print(f"(this tree's compiled kernels: {'built' if linescore.kernels is not None else 'NOT BUILT, both rows of this tree are the numpy path'};"
          " the issue's target is 1,000 docs/s on one core)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", help="git revision to time against")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--snapshot", type=Path, help="write every result to this JSON file")
    ap.add_argument("--check", type=Path, help="compare every result with this JSON file")
    ap.add_argument("--src", type=Path, default=ROOT, help="directory holding the cleaners package to snapshot")
    args = ap.parse_args()
    sys.path.insert(0, str(args.src))
    if args.snapshot:
        args.snapshot.write_text(json.dumps(snapshot(), ensure_ascii=False, indent=0), encoding="utf-8")
    if args.check:
        want = json.loads(args.check.read_text(encoding="utf-8"))
        got = snapshot()
        bad = compare(want, got)
        print(f"{len(got)} documents, {len(bad)} differ" + (": " + ", ".join(bad[:10]) if bad else ""))
        if bad:
            return 1
    if args.baseline:
        compare_speed(args.baseline, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
