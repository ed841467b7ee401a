"""The direct driver: runs the stages in-process or over a process pool.

This is what ``wirewash clean`` uses. It never imports Prefect, so a one-off
run costs only the cleaning itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from cleaners.document import Document
from cleaners.io import Rejected
from cleaners.settings import section
from flows import stages

Progress = Callable[[str, int, int], None]


def clean_all(docs: list[Document], workers: int | None = None, progress: Progress | None = None) -> tuple[list[Document], list[Rejected]]:
    """Per-document stages over all docs, in a pool when the batch is large enough."""
    cfg = section("pipeline")
    workers = workers if workers is not None else (os.cpu_count() or 1)
    chunks = stages.chunks(docs)
    results: list[Document | Rejected] = []
    done = 0
    if workers > 1 and len(docs) >= cfg["pool_min_docs"]:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(stages.clean_documents, chunks):
                results.extend(part)
                done += len(part)
                if progress:
                    progress("clean", done, len(docs))
    else:
        for chunk in chunks:
            results.extend(stages.clean_documents(chunk))
            done += len(chunk)
            if progress:
                progress("clean", done, len(docs))
    return stages.split_results(results)


def run_pipeline(
    input_path: str | Path, output_dir: str | Path, workers: int | None = None, progress: Progress | None = None,
    mode: str = "new", executor=None,
) -> dict[str, Any]:
    """Read, clean, dedup and write; return the run report.

    ``mode`` says what to do when ``output_dir`` already holds a corpus (see
    :func:`flows.stages.prepare_output`): ``new`` refuses, ``append`` adds to it,
    ``overwrite`` replaces it. A missing input raises ``FileNotFoundError`` and an unusable
    output folder :class:`flows.stages.OutputError`, both before anything is written.
    """
    from flows import pipeline

    return pipeline.run(input_path, output_dir, mode=mode, workers=workers, progress=progress, executor=executor)


def run_pipeline_in_memory(
    input_path: str | Path, output_dir: str | Path, workers: int | None = None, progress: Progress | None = None,
    mode: str = "new",
) -> dict[str, Any]:
    """The list-of-everything driver of earlier versions (every document in memory): kept as
    the reference the sharded pipeline is tested against (``tests/test_pipeline.py``)."""
    if mode == "append":
        raise ValueError("the in-memory reference driver writes a new corpus only (new or overwrite)")
    t0 = time.perf_counter()
    stages.check_input(input_path)
    stages.prepare_output(output_dir, mode)
    docs, rejected = stages.read_stage(input_path)
    if progress:
        progress("read", len(docs), len(docs))
    cleaned, bad = clean_all(docs, workers, progress)
    cleaned = stages.boilerplate_corpus_stage(cleaned)
    cleaned = stages.spin_sites_stage(cleaned, state_dir=Path(output_dir) / "state")
    cleaned = stages.despin_corpus_stage(cleaned, state_dir=Path(output_dir) / "state")
    deduped = stages.dedup_stage(cleaned, stages.dedup_index_path(output_dir))
    if progress:
        progress("dedup", len(deduped), len(deduped))
    report = stages.write_stage(deduped, rejected + bad, output_dir, seconds=time.perf_counter() - t0)
    if progress:
        progress("write", len(deduped), len(deduped))
    return report
