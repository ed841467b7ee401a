"""The one pipeline that ``wirewash clean``, ``wirewash run`` (Prefect), the inbox and Dask run.

Shards stream through parallel map steps; corpus-level work is a map that emits small tables
and a reduce in the driver over those tables, never over a list of all documents::

    plan ───── input → shards (files; line ranges of large JSON Lines files)           driver
    clean ──── read · extract · textfix · boilerplate · spin; line and id tables      map
    ids ────── records that reuse an id: the same text rejected, another renamed        reduce
    repeats ── lines recurring on a site or across sites (a task per hash bucket)      map + reduce
    sites ──── a few documents a site read for spin without tells: spinning sites     map + reduce
    finish ─── duplicate ids, corpus chrome out, spinning sites, dedup fingerprints    map
    despin ─── flagged documents repaired from their LSH candidates (+ an LM sample)   reduce (on a worker)
    dedup ──── LSH bands → verified pairs → clusters → best copy (vs the persistent index) reduce
    write ──── corpus/, documents/, rejected/ parts with every decision               map
    index ──── this run's documents into the persistent index (one bulk write)         beside the write map
    views ──── single-file views, each part appended as soon as it is written          beside the write map
    report ─── manifest.json, report.json, report.html                                driver

The driver holds per document a few numbers (band keys, a union-find slot): its memory grows
with a shard's documents, not the corpus's. Each step's results go to ``OUT/.work`` with a
completion record, so a run killed anywhere and started again redoes only unfinished work.
The executor (this process, a process pool, a Dask cluster, Prefect tasks) is chosen apart
from the steps: see :mod:`flows.shards`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cleaners.io import unsupported_files
from cleaners.settings import section, settings
from flows import corpus_steps as steps
from flows import stages
from flows.shards import (Executor, Progress, Work, folder_lock, frozen_heap, index_writer_lock, make_executor, plan_files,
                          plan_key, plan_shards, sweep_leftovers, unfinished_plan)


def run(input_path: str | Path | None, out_dir: str | Path, *, mode: str = "new", executor: Executor | None = None,
        workers: int | None = None, progress: Progress | None = None, files: list[tuple[str, str, str]] | None = None,
        index: str | Path | None = None, state: Path | None = None, taken_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """Clean ``input_path`` (or the given ``files``: ``(path, name, digest)``) into ``out_dir``.

    ``mode``: see :func:`flows.stages.prepare_output`. ``index``, ``state``: the dedup index and
    the folder of learned spin pairs (default: in ``out_dir``; the inbox shares its own across
    batches); ``taken_ids``: ids the documents must not reuse (renamed ``id~n``), or their
    :func:`~flows.shards.id_hashes`.
    """
    out = Path(out_dir)
    if files is None:
        stages.check_input(input_path)
    if out.exists() and not out.is_dir():
        stages.prepare_output(out, mode)  # the clear error for an OUT that is a file
    with folder_lock(out), frozen_heap():
        return _run(input_path, out, mode, executor, workers, progress, files, index, state, taken_ids)


def _run(input_path, out: Path, mode, executor, workers, progress, files, index, state, taken_ids) -> dict[str, Any]:
    t0 = time.perf_counter()
    sweep_leftovers(out)
    unfinished = unfinished_plan(out)
    if unfinished is None or mode == "overwrite":
        stages.prepare_output(out, mode)  # refuses before anything is written
    size = section("pipeline")["shard_bytes"]
    shards = plan_files(files, size) if files is not None else plan_shards(input_path, size, out / ".stdin.spool")
    key = plan_key(input_path or out, shards, {"settings": settings(), "mode": mode, "index": str(index)})
    if unfinished is not None and mode != "overwrite":
        stages.prepare_output(out, mode, resume_key=key if unfinished == key else None)  # finish it, or refuse
    work = Work(out, key)
    state = state or out / "state"
    index = index or stages.dedup_index_path(out)
    own = executor is None
    executor = executor or make_executor(workers, tasks=len(shards))
    timer = steps.PhaseTimer(progress)
    try:
        root = str(work.root)
        clean = steps.mapped(work, executor, "clean", steps.clean_shard, [(s, root) for s in shards], timer)
        earlier = stages.output_ids(out) if mode == "append" else ()  # (streamed, and only if this step runs)
        fixes = steps.once(work, "ids", lambda: steps.duplicate_ids(work, shards, earlier, taken_ids), timer)
        flags = steps.once(work, "repeats", lambda: steps.site_repeats(work, shards, clean, fixes, executor), timer)
        spinning = steps.once(work, "spin-sites", lambda: steps.spinning_sites(work, shards, clean, fixes, executor, state), timer)
        fin = steps.mapped(work, executor, "finish", steps.finish_shard,
                           [(s, root, fixes.get(s.name, {}), flags, spinning) for s in shards], timer)
        sample = section("pipeline")["despin_sample_docs"]  # (on a worker, which has the spin models loaded)
        spun = steps.once(work, "despin", lambda: executor.call(steps.despin_reduce, work, shards, fin, state, sample), timer)
        with index_writer_lock(index):  # one writer per index, from the query of its step to its update
            dedup = steps.once(work, "dedup", lambda: steps.dedup_reduce(work, shards, fin, spun, index), timer)
            parts = steps.once(work, "parts", lambda: steps.first_part(out, mode), None)  # stable on a resumed run
            with (steps.beside(work, "index", lambda ended: steps.index_reduce(work, shards, fin, spun, index), timer),
                  steps.beside(work, "views", lambda ended: steps.single_file_views(out, work, shards, parts, ended), timer)):
                wrote = steps.mapped(work, executor, "write", steps.write_shard,
                                     [(s, root, str(out), parts + s.index, spun["problem"], dedup["want"]) for s in shards], timer)
    finally:
        if own:
            executor.close()
    report = steps.finish_run(out, wrote, dedup, mode, seconds=time.perf_counter() - t0, phases=timer.seconds,
                              reused=work.reused, skipped=unsupported_files(Path(input_path)) if input_path else (0, []))
    work.remove()
    (out / ".stdin.spool").unlink(missing_ok=True)
    return report
