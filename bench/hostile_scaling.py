#!/usr/bin/env python3
"""Does per-document and per-cluster work grow linearly on hostile input? (issue 21)

    .venv/bin/python bench/hostile_scaling.py                        # every row, this tree
    .venv/bin/python bench/hostile_scaling.py --baseline 6eac3ca     # ... and a baseline revision, same sizes
    .venv/bin/python bench/hostile_scaling.py --rows copies,marks --limit 60

Each row doubles the size of one hostile input three times; each measurement runs in its own
child process (peak RSS is the child's ``ru_maxrss``; "input" is its RSS once the input is
built, before the measured call), and a measurement over ``--limit`` seconds is stopped and
shown as such. ``x/doubling`` is the time's growth from the size before (2.0 is linear, 4.0
quadratic); times under 50 ms are too small to give a ratio.

Rows:

* ``copies``: N lightly edited copies of one story (a syndicated wire story), deduplicated as
  a run does it (``dedup_batch`` into a fresh SQLite index: signatures, clustering, index add);
  ``unrelated``: N different stories, the same way (what the copies should cost);
  ``copies-again``: a second run of N new copies against the index of the first N;
* ``marks``: one letter and N combining marks, through ``textfix.fix_text_explained``;
* ``short-lines``: N bytes of short lines (hard-wrapped, unwrapped into one paragraph),
  through ``boilerplate.strip_boilerplate``;
* ``tiny-paragraphs``: a page of N ``<p>`` of one word, through ``extract.html_to_text``
  (beyond ``[extract] max_html_tags`` it is refused: ``WorkLimitExceeded``);
* ``attributes``: one ``<p>`` with N attributes, through ``extract.html_to_text`` (refused beyond
  ``[extract] max_tag_attributes``);
* ``spin-forms``: N sentences, each with spun-table forms whose condition holds and forms whose
  condition fails (the "unmet" matches an echo may use), through ``spin.spin_score`` (what every
  document pays: the table's scan and the choice among overlapping matches).

The baseline's ``cleaners/`` comes from ``git archive`` (kernels built there, as
``bench/boilerplate_speed.py`` does) and runs the same child code.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent

ROWS = {
    "copies": [1000, 2000, 4000, 8000],
    "unrelated": [1000, 2000, 4000, 8000],
    "copies-again": [1000, 2000, 4000, 8000],
    "marks": [64_000, 128_000, 256_000, 512_000],
    "short-lines": [500_000, 1_000_000, 2_000_000, 4_000_000],
    "tiny-paragraphs": [5_000, 10_000, 20_000, 40_000],
    "attributes": [25_000, 50_000, 100_000, 200_000],
    "spin-forms": [2_000, 4_000, 8_000, 16_000],
}
QUICK = {k: v[:2] for k, v in ROWS.items()}
LIGHT_EDITS = ("exact", "punct_ws", "typo3", "boiler_light", "drop10")


# ---- the child: build one input, measure one call -------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stories(kind: str, n: int, seed: int) -> list[str]:
    import dedup_gen

    gen = dedup_gen.NewsGenerator(3)
    if kind == "unrelated":
        return [gen.document() for _ in range(n)]
    root = gen.document()
    rng = random.Random(seed)
    return [dedup_gen.apply(rng.choice(LIGHT_EDITS), root, rng) for _ in range(n)]


def child(row: str, n: int) -> dict:
    """Build the input of ``row`` at size ``n``, then time the one call that row measures."""
    sys.path.insert(0, str(BENCH))
    out: dict = {}
    if row in ("copies", "unrelated", "copies-again"):
        from cleaners import dedup

        tmp = tempfile.mkdtemp(prefix="hostile-")
        index_path = os.path.join(tmp, "dedup.sqlite")

        def run(texts: list[str], tag: str):
            ranks = [dedup.canonical_rank(t) for t in texts]
            with dedup.open_index(index_path) as index:
                return dedup.dedup_batch([f"{tag}{i}" for i in range(len(texts))], texts, ranks, index)

        if row == "copies-again":
            run(_stories("copies", n, seed=1), "a")
        texts = _stories("unrelated" if row == "unrelated" else "copies", n, seed=2)
        out["input_mb"] = _rss_mb()
        t0 = time.perf_counter()
        decisions = run(texts, "b")
        out["seconds"] = time.perf_counter() - t0
        out["outcome"] = f"{len({d.cluster_id for d in decisions})} clusters"
    elif row == "marks":
        from cleaners import textfix

        text = "a" + "\u0301\u0316" * (n // 2) + " end"
        if hasattr(textfix, "cap_combining_runs"):  # its table of marks is built once a process (~0.1 s), not timed
            textfix.cap_combining_runs("a" + "\u0301" * 64)
        out["input_mb"] = _rss_mb()
        t0 = time.perf_counter()
        fixed, steps = textfix.fix_text_explained(text)
        out["seconds"] = time.perf_counter() - t0
        out["outcome"] = f"{len(fixed)} chars out" + (" (limit:combining-marks)" if "limit:combining-marks" in steps else "")
    elif row == "short-lines":
        from cleaners import boilerplate

        line = "short words go here and"
        text = "\n".join(line for _ in range(n // (len(line) + 1)))
        out["input_mb"] = _rss_mb()
        t0 = time.perf_counter()
        body = boilerplate.strip_boilerplate(text)
        out["seconds"] = time.perf_counter() - t0
        out["outcome"] = f"{len(body):,} chars out"
    elif row in ("tiny-paragraphs", "attributes"):
        from cleaners import extract

        if row == "tiny-paragraphs":
            page = "<html><body><article>" + "".join(f"<p>w{i}</p>" for i in range(n)) + "</article></body></html>"
        else:
            page = "<html><body><p " + " ".join(f'a{i}="x"' for i in range(n)) + ">Some words here.</p></body></html>"
        out["input_mb"] = _rss_mb()
        t0 = time.perf_counter()
        try:
            body = extract.html_to_text(page)
            out["outcome"] = f"{len(body):,} chars out ({len(page) / 1e6:.1f} MB page)"
        except Exception as exc:  # the tree's own refusal (WorkLimitExceeded), named in the table
            out["outcome"] = f"refused: {type(exc).__name__} ({len(page) / 1e6:.1f} MB page)"
        out["seconds"] = time.perf_counter() - t0
    elif row == "spin-forms":
        from cleaners import spin

        text = " ".join("They talked about the weather and extra work, and talked about on Tuesday." for _ in range(n))
        spin.spin_score("warm up the table's matcher")  # (built once a process, not timed)
        out["input_mb"] = _rss_mb()
        t0 = time.perf_counter()
        score = spin.spin_score(text)
        out["seconds"] = time.perf_counter() - t0
        out["outcome"] = f"score {score:.2f} ({len(text) / 1e6:.1f} MB)"
    else:
        raise SystemExit(f"unknown row {row}")
    out["peak_mb"] = _rss_mb()
    return out


# ---- the parent: one child per measurement ---------------------------------------------


def measure(row: str, n: int, src: Path, limit: float) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{BENCH}", "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", row, str(n), str(src)]
    try:
        res = subprocess.run(cmd, env=env, cwd=src, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "outcome": f"over {limit:.0f} s (stopped)"}
    if res.returncode != 0:
        return {"seconds": None, "outcome": "failed: " + (res.stderr.strip().splitlines() or ["?"])[-1][:80]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def _ratio(prev: dict | None, cur: dict) -> str:
    if prev is None or not prev.get("seconds") or cur.get("seconds") is None or prev["seconds"] < 0.05:
        return ""
    return f"{cur['seconds'] / prev['seconds']:.2f}"


def _cell(m: dict) -> list[str]:
    if m.get("seconds") is None:
        return ["—", "—", "—"]
    return [f"{m['seconds']:.3f}", f"{m['peak_mb']:.0f}", f"{m['input_mb']:.0f}"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default=",".join(ROWS), help="comma-separated rows (default: all)")
    ap.add_argument("--baseline", help="git revision measured the same way, in the same run")
    ap.add_argument("--limit", type=float, default=120.0, help="seconds one measurement may take (default 120)")
    ap.add_argument("--quick", action="store_true", help="the two smallest sizes of each row only")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        row, n, src = a.child
        sys.path.insert(0, src)
        if Path(src).resolve() != ROOT:
            import boilerplate_speed

            boilerplate_speed.hermetic_imports()
        import cleaners

        assert Path(cleaners.__file__).resolve().parent.parent == Path(src).resolve(), cleaners.__file__
        print(json.dumps(child(row, int(n))))
        return 0
    sizes = QUICK if a.quick else ROWS
    rows = [r.strip() for r in a.rows.split(",") if r.strip()]
    trees = [("this tree", ROOT)]
    tmp = None
    if a.baseline:
        sys.path.insert(0, str(BENCH))
        import boilerplate_speed

        tmp = tempfile.TemporaryDirectory()
        boilerplate_speed.checkout(a.baseline, Path(tmp.name))
        trees.append((a.baseline, Path(tmp.name)))
    head = ["row", "size"]
    for name, _ in trees:
        head += [f"{name}: s", "peak MB", "input MB", "x/doubling", "outcome"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    results: dict = {}
    for row in rows:
        prev: dict[str, dict | None] = {name: None for name, _ in trees}
        for n in sizes[row]:
            line = [row, f"{n:,}"]
            for name, src in trees:
                if prev[name] is not None and prev[name].get("seconds") is None:  # a smaller size was stopped
                    m = {"seconds": None, "outcome": "not run (a smaller size was over the limit)"}
                else:
                    m = measure(row, n, src, a.limit)
                results.setdefault(name, {}).setdefault(row, {})[n] = m
                line += _cell(m) + [_ratio(prev[name], m), m.get("outcome", "")]
                prev[name] = m
            print("| " + " | ".join(line) + " |", flush=True)
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
