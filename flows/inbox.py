"""The scheduled flow: clean what is new in an inbox folder and add it to a cumulative corpus.

    lock OUT/state ─ mark crashed runs ─ batch = pending or new files (by content hash)
      │ pipeline ──────── flows.pipeline.run over the batch's files into OUT/shards/<batch>/:
      │                    shard tasks (Prefect) on a process pool or a Dask cluster, the reduces,
      │                    dedup against the whole corpus through the index in OUT/state
      │ write ─────────── OUT/corpus.{jsonl.gz,parquet}: the committed batches' corpora, streamed
      ▼ commit ────────── manifest marks the batch done · Prefect artifacts (counts table, summary)

Outputs are derived only from *committed* batches plus the one being written, and every
write is atomic; a batch a killed run left unfinished resumes from its completion records
(OUT/shards/<batch>/.work), so no document is lost or written twice. A batch that fails is
retried, split into one batch a file, and its bad file quarantined (flows.inbox_state).
"""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from cleaners.io import concat_files_atomic, concat_parquet_atomic
from cleaners.settings import section
from flows import pipeline, stages
from flows.inbox_state import Batch, InboxState, LockTimeout, relocate, scan_inbox

FLOW_NAME = "wirewash-inbox"
CLEAN_FLOW_NAME = "wirewash-inbox-clean"  # flow runs of earlier versions (marked Crashed like the rest)
PAUSE_ENV = "WIREWASH_INBOX_PAUSE_AT"  # test hook: stop at a named point so a test can kill -9 there


# ----------------------------------------------------------------- the corpus


def batch_documents(shard_dir: Path) -> list[tuple[str, bool]]:
    """(id, canonical) of every document a batch wrote (read from its parts, ids only)."""
    out = []
    for part in sorted((shard_dir / "documents").glob("part-*.jsonl.gz")):
        with gzip.open(part, "rb") as fh:
            for line in fh:
                if line.strip():
                    rec = json.loads(line)
                    out.append((rec["id"], rec["duplicate_of"] is None))
    return out


def write_cumulative(out: Path, batches: Sequence[str]) -> int:
    """Rebuild OUT/corpus.jsonl.gz and OUT/corpus.parquet from the given batches' shards.

    No record is parsed: ``corpus.jsonl.gz`` is the shards' ``corpus.jsonl.gz`` byte for byte
    (one gzip member each, read as one stream by any gzip reader) and ``corpus.parquet`` streams
    each shard's rows through one writer. A run costs file copying, not re-encoding the corpus.
    """
    dirs = [out / "shards" / b for b in batches]
    concat_files_atomic(out / "corpus.jsonl.gz", [d / "corpus.jsonl.gz" for d in dirs if (d / "corpus.jsonl.gz").exists()])
    return concat_parquet_atomic(out / "corpus.parquet", [d / "corpus.parquet" for d in dirs if (d / "corpus.parquet").exists()])


# ----------------------------------------------------------------- the flow


def _pause(point: str, out: Path) -> None:
    if os.environ.get(PAUSE_ENV) == point:
        (out / "state" / f"paused-at-{point}").write_text(str(os.getpid()))
        time.sleep(600)


def mark_crashed_runs(out: Path, previous_holder: str) -> list[str]:
    """Mark Crashed what a dead run left 'Running': the previous lock holder (we got the lock,
    so it is gone) and any clean subflow of this output folder (they run only under the lock).
    Runs merely waiting for the lock never held it and are left alone."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.runtime import flow_run
    from prefect.states import Crashed

    me = str(flow_run.id or "")
    running = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING])))
    marked = []
    with get_client(sync_client=True) as client:
        for name in (FLOW_NAME, CLEAN_FLOW_NAME):
            for r in client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[name])), flow_run_filter=running):
                their = r.parameters.get("out")
                if str(r.id) == me or not their or Path(their).resolve() != out.resolve():
                    continue
                if name == FLOW_NAME and str(r.id) != previous_holder:
                    continue  # alive, waiting for the lock
                client.set_flow_run_state(
                    r.id, Crashed(message="process died while running (found by the next run holding the lock)"), force=True
                )
                marked.append(str(r.id))
    return marked


def process_batch(batch: Batch, out: Path, state: InboxState, executor) -> dict[str, Any]:
    """One batch: the pipeline (flows.pipeline) over its files into ``shards/<batch>/``, deduplicated
    against the whole corpus through the index in ``OUT/state``; then the cumulative corpus and
    the manifest's commit. A batch a killed run left unfinished resumes where it stopped."""
    logger = get_run_logger()
    t0 = time.perf_counter()
    shard_dir = out / "shards" / batch.name
    if (shard_dir / "report.json").exists():  # written, not yet committed: only the commit is left
        report = json.loads((shard_dir / "report.json").read_text(encoding="utf-8"))
    else:
        def progress(phase: str, done: int, total: int) -> None:
            if phase == "ids":  # the clean map is done
                _pause("cleaned", out)

        report = pipeline.run(
            None, shard_dir, executor=executor, progress=progress, files=[(f.path, f.rel, f.digest) for f in batch.files],
            index=stages.dedup_index_path(out), state=out / "state", taken_ids=state.doc_id_hashes(),
        )
    t_clean = time.perf_counter()
    _pause("shard-written", out)
    done = state.done_batches()
    total = write_cumulative(out, [*done, batch.name])
    _pause("corpus-written", out)
    state.commit(batch, report["counts"], batch_documents(shard_dir))
    logger.info("batch %s: %d files, counts %s, corpus now %d docs", batch.name, len(batch.files), report["counts"], total)
    timings = {"clean_s": t_clean - t0, "write_s": time.perf_counter() - t_clean}
    return {"batch": batch.name, "files": len(batch.files), "counts": report["counts"], "corpus": total,
            "seconds": {k: round(v, 3) for k, v in timings.items()}, "phase_seconds": report.get("phase_seconds", {}),
            "reused_shards": report.get("reused_shards")}


def handle_failed_batch(batch: Batch, exc: Exception, attempt: int, out: Path, state: InboxState, max_attempts: int) -> dict[str, Any]:
    """After a batch failed: drop what it wrote (its shard; the cumulative corpus again from the
    committed batches), then leave it pending for another try, or after ``max_attempts`` tries
    split it into one batch a file, or quarantine its one file. Returns what was done."""
    import shutil

    reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    get_run_logger().warning("batch %s failed (try %d of %d): %s", batch.name, attempt, max_attempts, reason)
    shard_dir = out / "shards" / batch.name
    ids = [i for i, _ in batch_documents(shard_dir)] if shard_dir.exists() else []
    for meta in shard_dir.glob(".work/*/meta.json"):  # indexed before its parts were written
        ids += json.loads(meta.read_text(encoding="utf-8"))["ids"]
    index_path = stages.dedup_index_path(out)
    if ids and (stages.dedup.is_redis_url(index_path) or index_path.exists()):
        with stages.dedup.open_index(index_path) as index:  # not committed: its documents leave the index
            index.remove(ids)
    shutil.rmtree(shard_dir, ignore_errors=True)
    write_cumulative(out, state.done_batches())
    files = [f.rel for f in batch.files]
    if attempt < max_attempts:
        state.fail(batch, reason)
        action = "retried"
    elif len(batch.files) > 1:
        state.split(batch, reason)
        action = "split into one batch a file"
    else:
        state.quarantine(batch, reason)
        action = "quarantined"
    return {"batch": batch.name, "files": files, "attempt": attempt, "reason": reason, "action": action}


@flow(name=FLOW_NAME, log_prints=True)
def inbox_flow(
    inbox: str,
    out: str,
    dask_address: str | None = None,
    settle_seconds: float | None = None,
    lock_timeout: float | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Clean the files in ``inbox`` not seen before; add them to the corpus in ``out``.

    Each batch runs :func:`flows.pipeline.run`, one Prefect task per shard and step, on a process
    pool of ``workers`` (default: one per core) or on the Dask cluster at ``dask_address``.
    """
    from flows.clean_corpus import PrefectExecutor
    from flows.shards import DaskExecutor, make_executor

    cfg = section("inbox")
    settle = cfg["settle_seconds"] if settle_seconds is None else settle_seconds
    wait = cfg["lock_timeout_seconds"] if lock_timeout is None else lock_timeout
    outp = Path(out)
    state = InboxState(outp)
    summary: dict[str, Any] = {"inbox": inbox, "out": out, "batches": [], "crashed_runs_marked": [], "skipped": None,
                               "failed": [], "quarantined": []}
    executor = None
    try:
        from prefect.runtime import flow_run

        with state.lock(timeout=wait, owner=str(flow_run.id or "")) as previous_holder:
            summary["crashed_runs_marked"] = mark_crashed_runs(outp, previous_holder)
            while True:
                batch = state.pending()
                if batch is not None:
                    batch = relocate(batch, scan_inbox(inbox))
                else:
                    batch = state.plan(scan_inbox(inbox, settle))
                if batch is None:
                    break
                if executor is None:  # started only when there is work
                    executor = PrefectExecutor(DaskExecutor(dask_address) if dask_address else make_executor(workers))
                attempt = state.start(batch)
                try:
                    summary["batches"].append(process_batch(batch, outp, state, executor))
                except Exception as exc:  # one bad file never blocks the inbox: retried, split, then quarantined
                    summary["failed"].append(handle_failed_batch(batch, exc, attempt, outp, state, cfg["max_batch_attempts"]))
    except LockTimeout as exc:
        summary["skipped"] = str(exc)
        get_run_logger().warning("skipped: %s", exc)
    finally:
        if executor is not None:
            executor.close()
        summary["quarantined"] = state.quarantined()
        state.close()
    from prefect.runtime import flow_run

    summary["flow_run"] = str(flow_run.id or "")
    summary["waiting"] = settling_files(inbox, settle)
    if summary["batches"] or summary["failed"] or summary["skipped"]:
        publish_artifacts(summary)  # an idle tick publishes nothing (no all-zero table, no "latest" that says nothing)
    name_run(summary)
    return summary


def settling_files(inbox: str, settle: float) -> int:
    """Files of the inbox still being written (modified in the last ``settle`` seconds): waiting."""
    return len(scan_inbox(inbox)) - len(scan_inbox(inbox, settle)) if settle else 0


def name_run(summary: dict[str, Any]) -> None:
    """The flow run's name says what it did: ``inbox: 2 batches, 37 written`` / ``inbox: idle``."""
    if not summary.get("flow_run"):
        return
    written = sum(int(b["counts"].get("written", 0)) for b in summary["batches"])
    parts = [f"{len(summary['batches'])} batch(es), {written} written"] if summary["batches"] else []
    if summary["failed"]:
        parts.append(f"{len(summary['failed'])} failed")
    if summary["skipped"]:
        parts.append("skipped: locked")
    if summary.get("waiting"):
        parts.append(f"{summary['waiting']} settling")
    try:
        from prefect import get_client

        with get_client(sync_client=True) as client:
            client.update_flow_run(summary["flow_run"], name=f"inbox: {', '.join(parts) or 'idle'}")
    except Exception as exc:  # a name is never worth a failed run
        get_run_logger().debug("could not rename the flow run: %s", exc)


COUNT_ROWS = (
    ("read", "read"),
    ("extracted", "extracted_from_html"),
    ("chrome lines removed", "chrome_lines_removed"),
    ("encoding repaired", "encoding_repaired"),
    ("spin repaired", "spin_repaired"),
    ("spin repaired (site check)", "spin_site_repaired"),
    ("spin repaired (from a clean copy)", "spin_corpus_repaired"),
    ("duplicates", "duplicates"),
    ("written", "written"),
    ("errors (rejected)", "rejected"),
)


def total_counts(summary: dict[str, Any]) -> dict[str, int]:
    totals = {key: 0 for _, key in COUNT_ROWS}
    for b in summary["batches"]:
        for _, key in COUNT_ROWS:
            totals[key] += int(b["counts"].get(key, 0))
    return totals


def publish_artifacts(summary: dict[str, Any]) -> None:
    """A table of per-stage counts and a markdown summary on the flow run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    totals = total_counts(summary)
    create_table_artifact(
        table=[{"stage": label, "count": totals[key]} for label, key in COUNT_ROWS],
        key="wirewash-inbox-counts",
        description="Per-stage counts of this run",
    )
    lines = ["# wirewash inbox run", "", f"- inbox: `{summary['inbox']}`", f"- output: `{summary['out']}`"]
    if summary["skipped"]:
        lines.append(f"- **skipped**: {summary['skipped']}")
    if not summary["batches"] and not summary["skipped"]:
        lines.append("- nothing new in the inbox")
    for b in summary["batches"]:
        c = b["counts"]
        lines.append(
            f"- batch `{b['batch']}`: {b['files']} files, {c['read']} docs read, {c['written']} written, "
            f"{c['duplicates']} duplicates, {c['rejected']} rejected; corpus now {b['corpus']} docs"
        )
    for f in summary.get("failed", []):
        lines.append(f"- batch `{f['batch']}` failed (try {f['attempt']}, {f['action']}): {f['reason']}")
    for q in summary.get("quarantined", []):
        lines.append(f"- quarantined `{q['file']}`: {q['reason']}")
    if summary["crashed_runs_marked"]:
        lines.append(f"- marked {len(summary['crashed_runs_marked'])} crashed run(s): {', '.join(summary['crashed_runs_marked'])}")
    create_markdown_artifact(markdown="\n".join(lines) + "\n", key="wirewash-inbox-summary", description="Run summary")
