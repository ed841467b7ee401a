"""Where a many-core run of the pipeline would spend its time, from a one-core run's task times.

    python bench/scale_projection.py --docs 20000 --check 2 --project 4 --project 8 --project 16

A machine with many cores is not always at hand. This bench runs the pipeline once in this
process with every map task and every reduce timed apart (the reduces that normally run beside
the write map run after it, alone, so their own cost is measured), then replays the run for
N workers: each map phase's tasks are handed, in order, to whichever worker is free first (what a
process pool does), each worker's first task of a phase pays what the first task of that phase
paid here beyond the median (the models' load in the clean map, pyarrow's import in the write
map), the reduces run alone, and the index update and
the single-file views overlap the write map. It prints the projected wall time and speed-up for
each N, and what each phase contributes, so the serial part is visible.

``--check N`` also runs ``wirewash clean -w N`` for real in the same session and prints the
projection's error for that N: it is a model, blind to shared memory bandwidth, turbo clocks and
pickling. A projection is not a measurement; the README reports it as one only with that label.
"""

from __future__ import annotations

import argparse
import heapq
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def timed_run(src: Path, out: Path) -> dict:
    """One in-process run with per-task times: {"maps": {phase: [s, ...]}, "serial": {phase: s},
    "beside": {phase: s}, "total": s, "driver": s (the run's time outside every step: the plan,
    the report)}."""
    import contextlib
    import threading

    from flows import corpus_steps as steps
    from flows import pipeline
    from flows.shards import Executor

    maps: dict[str, list[float]] = {}
    serial: dict[str, float] = {}
    beside: dict[str, float] = {}

    class TimingExecutor(Executor):
        def map(self, fn, arglist, phase, progress=None, done=None):
            times = maps.setdefault(phase, [])
            out = []
            for i, args in enumerate(arglist):
                t = time.perf_counter()
                out.append(fn(*args))
                times.append(time.perf_counter() - t)
                if done:
                    done(i, out[-1])
                if progress:
                    progress(phase, i + 1, len(arglist))
            return out

    real_once, real_beside = steps.once, steps.beside

    def timed_once(work, phase, fn, progress):
        t = time.perf_counter()
        try:
            return real_once(work, phase, fn, progress)
        finally:
            serial.setdefault(phase, time.perf_counter() - t)

    @contextlib.contextmanager
    def after_block(work, phase, fn, timer):  # the reduce alone, once the block (the write map) is done
        yield
        ended = threading.Event()
        ended.set()
        t = time.perf_counter()
        real_once(work, phase, lambda: fn(ended), None)
        beside[phase] = time.perf_counter() - t

    steps.once, steps.beside = timed_once, after_block
    t0 = time.perf_counter()
    try:
        pipeline.run(src, out, executor=TimingExecutor(), mode="overwrite")
    finally:
        steps.once, steps.beside = real_once, real_beside
    total = time.perf_counter() - t0
    known = sum(sum(v) for k, v in maps.items() if k != "repeats") + sum(serial.values()) + sum(beside.values())
    return {"maps": maps, "serial": serial, "beside": beside, "total": total, "driver": max(0.0, total - known)}


def makespan(tasks: list[float], workers: int, first_extra: float) -> tuple[float, int]:
    """Tasks in order to the first free worker; a worker's first task of the phase pays
    ``first_extra``. Returns (makespan, waves)."""
    free = [(0.0, w) for w in range(workers)]
    fresh = set(range(workers))
    end = 0.0
    for t in tasks:
        at, w = heapq.heappop(free)
        cost = t + (first_extra if w in fresh else 0.0)
        fresh.discard(w)
        heapq.heappush(free, (at + cost, w))
        end = max(end, at + cost)
    return end, -(-len(tasks) // workers)


def project(timing: dict, workers: int, start: float) -> dict:
    parts: dict[str, float] = {"start (imports, plan)": start}
    order = ["clean", "ids", "repeats", "finish", "despin", "dedup", "parts", "write"]
    for phase in order:
        if phase in timing["maps"] and phase != "repeats":
            tasks = list(timing["maps"][phase])
            # what this process paid once in the phase's first task (the models' load in the clean
            # map, pyarrow's import in the write map), each worker pays in its first task of the phase
            once = max(0.0, tasks[0] - statistics.median(tasks))
            tasks[0] -= once
            span, _ = makespan(tasks, workers, once)
            if phase == "write":  # the index update and the views run beside it in driver threads:
                beside = list(timing["beside"].values())  # with one worker (in this process) they share its GIL
                span = span + sum(beside) if workers == 1 else max([span] + beside)
            parts[phase] = span
        elif phase == "repeats":  # a reduce that is itself a map over hash buckets, in the driver's pool
            buckets = timing["maps"].get("repeats", [])
            span, _ = makespan(buckets, workers, 0.0) if buckets else (0.0, 0)
            parts[phase] = timing["serial"].get("repeats", 0.0) - sum(buckets) + span
        elif phase in timing["serial"]:
            parts[phase] = timing["serial"][phase]
    parts["plan, report"] = timing["driver"]  # (the driver's own work between the steps)
    return {"workers": workers, "seconds": sum(parts.values()), "parts": parts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/wirewash-scale"))
    ap.add_argument("--project", type=int, action="append", default=[])
    ap.add_argument("--check", type=int, action="append", default=[], help="also run `wirewash clean -w N` for real")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    import scale_corpus

    args.work.mkdir(parents=True, exist_ok=True)
    src = args.work / f"news-{args.docs}.jsonl"
    scale_corpus.make_corpus(src, args.docs)
    start = _start_seconds()
    timing = timed_run(src, args.work / "out-projection")
    one = project(timing, 1, start)
    ns = sorted(set([1] + args.project + args.check))
    rows = {n: project(timing, n, start) for n in ns}
    print(f"{args.docs} docs; one process, every task timed: {timing['total']:.1f} s (+{start:.2f} s start)")
    phases = list(one["parts"])
    print(f"{'workers':>8} {'projected s':>12} {'speed-up':>9}  " + "  ".join(f"{p[:10]:>10}" for p in phases))
    for n in ns:
        r = rows[n]
        print(f"{n:>8} {r['seconds']:>12.2f} {one['seconds'] / r['seconds']:>8.2f}×  "
              + "  ".join(f"{r['parts'].get(p, 0.0):>10.2f}" for p in phases))
    checks = {}
    real1 = scale_corpus.run_clean(ROOT, src, args.work / "out-check-1", 1)["seconds"] if args.check else 0.0
    for n in args.check:
        real = scale_corpus.run_clean(ROOT, src, args.work / f"out-check-{n}", n)["seconds"] if n != 1 else real1
        checks[n] = {"real": real, "real_one": real1, "projected": rows[n]["seconds"], "projected_one": one["seconds"]}
        print(f"check -w {n}: real {real:.2f} s (one worker {real1:.2f} s, {real1 / real:.2f}×); "
              f"projected {rows[n]['seconds']:.2f} s ({one['seconds'] / rows[n]['seconds']:.2f}×): "
              f"error {100 * (rows[n]['seconds'] / real - 1):+.0f} % on the time")
    if args.json:
        args.json.write_text(json.dumps({"timing": timing, "projections": rows, "checks": checks}, indent=1))


def _start_seconds() -> float:
    """A fresh interpreter's start and the pipeline's imports (what each run pays first)."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import flows.runner, flows.pipeline"], cwd=ROOT, check=True)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
