"""The scheduled flow: clean what is new in an inbox folder and add it to a cumulative corpus.

    lock OUT/state ─ mark crashed runs ─ batch = pending or new files (by content hash)
      │ clean-shard ×N ── read + per-document stages (flows.stages), cached by file digests,
      │                    on the flow's task runner (a Dask cluster with --dask-address)
      │ dedup ─────────── new docs against each other and the corpus (one seam: dedup_against_corpus)
      │ write ─────────── OUT/shards/<batch>/ (deterministic name) · OUT/corpus.{jsonl.gz,parquet}
      ▼ commit ────────── manifest marks the batch done · Prefect artifacts (counts table, summary)

Outputs are derived only from *committed* batches plus the one being written, and every
write is atomic and overwrites the same name when a batch is redone, so a run killed at
any point is finished by the next run with no document lost or written twice.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import INPUTS, TASK_SOURCE

from cleaners.document import Document
from cleaners.io import Rejected, concat_files_atomic, concat_parquet_atomic, read_jsonl_gz
from cleaners.settings import section
from flows import stages
from flows.inbox_state import Batch, InboxFile, InboxState, LockTimeout, file_digest, relocate, scan_inbox

FLOW_NAME = "wirewash-inbox"
CLEAN_FLOW_NAME = "wirewash-inbox-clean"
PAUSE_ENV = "WIREWASH_INBOX_PAUSE_AT"  # test hook: stop at a named point so a test can kill -9 there


# ----------------------------------------------------------------- per-shard work (tasks)


def clean_files(files: Sequence[tuple[str, str, str]]) -> list[Document | Rejected]:
    """Read and clean a shard of inbox files, given as ``(path, rel, digest)``.

    Sources are named by the path relative to the inbox. A file whose content changed
    since it was planned (or that vanished) is rejected, never half-processed.
    """
    out: list[Document | Rejected] = []
    for path, rel, digest in files:
        try:
            now = file_digest(path)
        except OSError as exc:
            out.append(Rejected(rel, f"file left the inbox before it was processed: {exc.strerror or exc}"))
            continue
        if now != digest:
            out.append(Rejected(rel, "file changed after it was planned; it will be picked up as new content"))
            continue
        docs, rejected = stages.read_stage(path)
        name = Path(path).name
        docs = [d.evolve(source=_rename(d.source, name, rel)) for d in docs]
        rejected = [Rejected(_rename(r.source, name, rel), r.reason, r.line) for r in rejected]
        out.extend(stages.clean_documents(docs))
        out.extend(rejected)
    return out


def _rename(source: str, name: str, rel: str) -> str:
    if source == name or source.startswith(name + ":"):
        return rel + source[len(name) :]
    return source


#: The content digests (not the paths) key the cache: a moved file reuses its result.
CLEAN_CACHE_POLICY = (INPUTS - "paths") + TASK_SOURCE


class ShardResult:
    """A shard's output, opaque to Prefect.

    Prefect walks task and flow return values looking for futures and states to resolve;
    a plain list of thousands of documents (with their provenance) cost the driver about
    0.06 s a shard in that walk. This holder has nothing for it to descend into.
    """

    __slots__ = ("results", "extra")

    def __init__(self, results: list, extra) -> None:
        self.results = results
        self.extra = extra

    def __getstate__(self):
        return (self.results, self.extra)

    def __setstate__(self, state) -> None:
        self.results, self.extra = state


@task(name="clean-shard", cache_policy=CLEAN_CACHE_POLICY, persist_result=True)
def clean_shard_task(paths: list[str], rels: list[str], digests: list[str], with_signatures: bool = False) -> ShardResult:
    """One shard: cleaned docs and rejections, plus the docs' MinHash signatures for Dask dedup.

    Without Dask dedup, the shard also returns its docs' dedup fingerprints (the index's
    signatures), so hashing runs on the workers instead of serially on the driver.
    """
    results = clean_files(list(zip(paths, rels, digests)))
    texts = [r.text for r in results if isinstance(r, Document)]
    if not with_signatures:
        from cleaners.dedup import DedupConfig
        from cleaners.dedup.core import fingerprint

        cfg = DedupConfig.from_settings()
        return ShardResult(results, (cfg, fingerprint(texts, cfg)))
    from flows.dask_dedup import signatures

    return ShardResult(results, signatures(texts))


@flow(name=CLEAN_FLOW_NAME)
def clean_shards_flow(out: str, shards: list[list[tuple[str, str, str]]], with_signatures: bool = False) -> ShardResult:
    """Per-shard tasks on this flow's task runner (Dask when a cluster is given).

    Shards are submitted most expensive first (longest-processing-time order), so the
    small ones fill the gaps at the end; results come back in shard (file) order.
    """
    cache = Path(out).resolve() / "state" / "cache"
    # a Path (not a saved block) as result storage: workers resolve it locally, with no
    # API round trip per task (a block slug is loaded from the server on every task run)
    clean = clean_shard_task.with_options(
        result_storage=cache / "results",
        cache_policy=CLEAN_CACHE_POLICY.configure(key_storage=str(cache / "keys")),
    )
    order = sorted(range(len(shards)), key=lambda i: -shard_cost(shards[i]))
    futures = {
        i: clean.submit([p for p, _, _ in shards[i]], [r for _, r, _ in shards[i]], [d for _, _, d in shards[i]], with_signatures)
        for i in order
    }
    done = [futures[i].result() for i in range(len(shards))]
    return ShardResult([d.results for d in done], [d.extra for d in done])


def join_fingerprints(parts: Sequence[tuple]):
    """The shards' ``(config, fingerprints)`` as one for all their docs (shard order); None if configs differ."""
    import dataclasses

    import numpy as np

    from cleaners.dedup import Fingerprints

    if not parts or any(p is None or p[0] != parts[0][0] for p in parts):
        return None
    fps = [p[1] for p in parts]
    return parts[0][0], Fingerprints(*(np.concatenate([getattr(f, fl.name) for f in fps]) for fl in dataclasses.fields(Fingerprints)))


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


_MARKUP_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".warc", ".warc.gz")


def file_cost(path: str, cfg: dict | None = None) -> float:
    """Estimated work of cleaning one input file, in bytes of plain text.

    Measured on this pipeline: plain text costs about the same per byte whatever the
    document (boilerplate, spin and dedup read every byte), while an HTML page costs mostly a
    fixed amount (parse, metadata, one article through the text stages) and little per byte
    of markup. Gzip-compressed input counts ``shard_gzip_factor`` times its size.
    """
    cfg = cfg or section("inbox")
    size = float(_file_size(path))
    name = path.lower()
    if name.endswith(".gz"):
        size *= cfg["shard_gzip_factor"]
    if name.endswith(_MARKUP_SUFFIXES):
        return size * cfg["shard_markup_byte_weight"] + cfg["shard_markup_file_bytes"]
    return size + cfg["shard_file_cost_bytes"]


def shard_cost(shard: Sequence[tuple[str, str, str]], cost=None) -> float:
    """Estimated work of a shard (see :func:`file_cost`)."""
    cost = cost or file_cost
    return sum(cost(p) for p, _, _ in shard)


def make_shards(
    files: Sequence[InboxFile], shard_bytes: int, slots: int = 1, per_slot: int | None = None,
    min_bytes: int | None = None, cost=None,
) -> list[list[tuple[str, str, str]]]:
    """Split a batch's files (kept in order) into shards of about equal estimated cost.

    The number of shards is ``per_slot`` per worker slot (enough for the last, smallest
    shards to even out the load), raised so none exceeds ``shard_bytes`` of estimated cost
    and lowered so none is below ``min_bytes``: every task costs fixed orchestration
    (~0.1-0.2 s with Prefect on Dask), so fewer, even shards beat many small ones.
    """
    cfg = section("inbox")
    per_slot = cfg["shards_per_slot"] if per_slot is None else per_slot
    min_bytes = cfg["min_shard_bytes"] if min_bytes is None else min_bytes
    cost = cost or (lambda path: file_cost(path, cfg))
    items = [((f.path, f.rel, f.digest), cost(f.path)) for f in files]
    if not items:
        return []
    total = sum(c for _, c in items)
    n = max(1, min(max(1, slots) * max(1, per_slot), int(total // max(1, min_bytes))))
    n = max(n, math.ceil(total / max(1, shard_bytes)))
    n = min(n, len(items))
    target = total / n
    shards: list[list[tuple[str, str, str]]] = [[]]
    done = 0.0
    for item, c in items:
        # cut before this file when that lands nearer the next boundary than after it
        boundary = target * len(shards)
        if shards[-1] and len(shards) < n and abs(done - boundary) <= abs(done + c - boundary):
            shards.append([])
        shards[-1].append(item)
        done += c
    return shards


# ----------------------------------------------------------------- corpus and dedup


def corpus_docs(out: Path, batches: Sequence[str]) -> list[Document]:
    """The cumulative corpus as committed: each done batch's canonical copies, in order."""
    docs: list[Document] = []
    for b in batches:
        f = out / "shards" / b / "corpus.jsonl.gz"
        if f.exists():
            docs.extend(Document.from_record(r) for r in read_jsonl_gz(f))
    return docs


def corpus_docs_by_id(out: Path, batches: Sequence[str], ids: set[str]) -> list[Document]:
    """Only the named corpus docs, read from the shards' Parquet with a filter (corpus order)."""
    if not ids:
        return []
    import json

    import pyarrow.parquet as pq

    docs: list[Document] = []
    for b in batches:
        f = out / "shards" / b / "corpus.parquet"
        if not f.exists():
            continue
        for rec in pq.read_table(f, filters=[("id", "in", sorted(ids))]).to_pylist():
            rec["metadata"] = json.loads(rec["metadata"] or "{}")
            docs.append(Document.from_record(rec))
    return docs


def dedup_against_corpus(
    new: Sequence[Document], out: Path, batches: Sequence[str], dask_client=None, new_sigs=None, fingerprints=None
) -> list[Document]:
    """Dedup decisions for the new docs, against each other and the committed corpus.

    THE seam for incremental dedup: every inbox run goes through here. By default the
    decisions come from the persistent SQLite MinHash index under ``OUT/state/`` (the same
    ``stages.dedup_stage`` the CLI uses: char, spin-proof and head views, containment),
    so a run costs O(new docs) and a Dask run decides exactly as a single-process run.
    With a Dask client (``--dask-dedup``), LSH banding is shuffled on the cluster against
    the band history instead (``flows.dask_dedup``): it scales past one machine's index but
    verifies the char view only, so it can find fewer shortened or spun copies.

    Published corpus copies stay canonical: a new doc in a cluster with a corpus doc
    becomes ``duplicate_of`` the best-ranked corpus doc of that cluster.
    """
    if not new:
        return []
    if dask_client is None:
        index_path = stages.dedup_index_path(out)
        if stages.dedup.is_redis_url(index_path) or index_path.exists():  # a run that died before committing this batch may have indexed it
            with stages.dedup.open_index(index_path) as index:
                index.remove([d.id for d in new])
        return stages.dedup_stage(new, index_path, fingerprints=fingerprints)
    from flows import dask_dedup

    history = dask_dedup.BandHistory(out / "state" / "bands")
    ensure_history(out, batches, history)
    labels, joined = dask_dedup.cluster_with_history([d.id for d in new], new_sigs, history, batches, dask_client)
    old = corpus_docs_by_id(out, batches, set(joined))
    docs = old + list(new)
    decided = stages.dedup_stage(docs, labels=[labels[d.id] for d in docs])
    n_old = len(old)
    by_cluster: dict[str, list[int]] = {}
    for i, d in enumerate(decided):
        by_cluster.setdefault(d.cluster_id or d.id, []).append(i)
    ranks = [stages.dedup.canonical_rank(d.text, d.spin_score, stages._n_meta(d), d.date) for d in docs]
    result = decided[n_old:]
    for members in by_cluster.values():
        olds = [i for i in members if i < n_old]
        if not olds:
            continue
        anchor = docs[stages.dedup.choose_canonical(olds, ranks)]
        for i in members:
            if i >= n_old:
                result[i - n_old] = docs[i].evolve(
                    "dedup",
                    cluster_id=anchor.cluster_id or anchor.id,
                    duplicate_of=anchor.id,
                    cluster_size=len(members),
                    decision="near-duplicate of a document already in the corpus (published copies stay canonical)",
                )
    return result


def ensure_history(out: Path, batches: Sequence[str], history) -> None:
    """Backfill band history for committed batches that have none (e.g. run without Dask)."""
    from flows import dask_dedup

    for b in batches:
        if not (history.root / "signatures" / f"{b}.parquet").exists():
            docs = corpus_docs(out, [b])
            history.append(b, [d.id for d in docs], dask_dedup.signatures([d.text for d in docs]))


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


def cluster_slots(client) -> int:
    """How many tasks a Dask cluster (through a connected ``distributed.Client``) runs at once: its workers' threads, at least 1."""
    return max(1, sum(client.nthreads().values()))


def process_batch(
    batch: Batch, out: Path, state: InboxState, dask_address: str | None, client, shard_bytes: int, slots: int = 1
) -> dict[str, Any]:
    logger = get_run_logger()
    t0 = time.perf_counter()
    shards = make_shards(batch.files, shard_bytes, slots)
    runner_flow = clean_shards_flow
    if dask_address:
        from prefect_dask import DaskTaskRunner

        runner_flow = clean_shards_flow.with_options(task_runner=DaskTaskRunner(address=dask_address))
    # The clean subflow runs inside this flow's process, whose heartbeat already covers it
    # (and a dead run's subflows are marked Crashed by the next run: mark_crashed_runs).
    # Its own heartbeat thread sleeps in 1 s steps and is joined when the subflow ends,
    # which cost every batch ~0.5 s on the critical path; so it has none.
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        shard_out = runner_flow(str(out), shards, with_signatures=client is not None)
    parts, sig_parts = shard_out.results, shard_out.extra
    t_clean = time.perf_counter()
    _pause("cleaned", out)
    results = [r for part in parts for r in part]
    taken = state.doc_ids()
    docs = stages.unique_ids([r for r in results if isinstance(r, Document)], taken)
    rejected = [r for r in results if isinstance(r, Rejected)]
    sigs = fps = None
    if client is not None:
        import numpy as np

        sigs = np.vstack(sig_parts)  # same order as docs: shard by shard, document by document
    else:
        fps = join_fingerprints(sig_parts)  # likewise
    done = state.done_batches()
    decided = dedup_against_corpus(docs, out, done, client, sigs, fps)
    t_dedup = time.perf_counter()
    shard_dir = out / "shards" / batch.name
    try:
        report = stages.write_stage(decided, rejected, shard_dir, seconds=time.perf_counter() - t0)
        _pause("shard-written", out)
        total = write_cumulative(out, [*done, batch.name])
    except Exception:  # the batch is not committed: its documents leave the dedup index again
        index_path = stages.dedup_index_path(out)
        if client is None and (stages.dedup.is_redis_url(index_path) or index_path.exists()):
            with stages.dedup.open_index(index_path) as index:
                index.remove([d.id for d in decided])
        raise
    if client is not None:
        from flows import dask_dedup

        keep = [i for i, d in enumerate(decided) if d.duplicate_of is None]
        dask_dedup.BandHistory(out / "state" / "bands").append(batch.name, [decided[i].id for i in keep], sigs[keep])
    _pause("corpus-written", out)
    state.commit(batch, report["counts"], [(d.id, d.duplicate_of is None) for d in decided])
    logger.info("batch %s: %d files, counts %s, corpus now %d docs", batch.name, len(batch.files), report["counts"], total)
    timings = {"clean_s": t_clean - t0, "dedup_s": t_dedup - t_clean, "write_s": time.perf_counter() - t_dedup}
    return {"batch": batch.name, "files": len(batch.files), "counts": report["counts"], "corpus": total,
            "seconds": {k: round(v, 3) for k, v in timings.items()}}


def handle_failed_batch(batch: Batch, exc: Exception, attempt: int, out: Path, state: InboxState, max_attempts: int) -> dict[str, Any]:
    """After a batch failed: drop what it wrote (its shard; the cumulative corpus again from the
    committed batches), then leave it pending for another try, or after ``max_attempts`` tries
    split it into one batch a file, or quarantine its one file. Returns what was done."""
    import shutil

    reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    get_run_logger().warning("batch %s failed (try %d of %d): %s", batch.name, attempt, max_attempts, reason)
    shutil.rmtree(out / "shards" / batch.name, ignore_errors=True)
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
    shard_bytes: int | None = None,
    dask_dedup: bool = False,
) -> dict[str, Any]:
    """Clean the files in ``inbox`` not seen before; add them to the corpus in ``out``.

    ``dask_address`` runs the per-shard cleaning on that Dask cluster; ``dask_dedup`` also
    moves dedup there (banding shuffle, see :func:`dedup_against_corpus`).
    """
    cfg = section("inbox")
    settle = cfg["settle_seconds"] if settle_seconds is None else settle_seconds
    wait = cfg["lock_timeout_seconds"] if lock_timeout is None else lock_timeout
    shard_bytes = shard_bytes or cfg["shard_bytes"]
    outp = Path(out)
    state = InboxState(outp)
    summary: dict[str, Any] = {"inbox": inbox, "out": out, "batches": [], "crashed_runs_marked": [], "skipped": None,
                               "failed": [], "quarantined": []}
    client = None
    try:
        from prefect.runtime import flow_run

        with state.lock(timeout=wait, owner=str(flow_run.id or "")) as previous_holder:
            summary["crashed_runs_marked"] = mark_crashed_runs(outp, previous_holder)
            slots = 1
            if dask_address:
                from distributed import Client

                # one connection for the slot count and, with --dask-dedup, the banding shuffle
                client = Client(dask_address, set_as_default=False, timeout=30)
                slots = cluster_slots(client)
            while True:
                batch = state.pending()
                if batch is not None:
                    batch = relocate(batch, scan_inbox(inbox))
                else:
                    batch = state.plan(scan_inbox(inbox, settle))
                if batch is None:
                    break
                attempt = state.start(batch)
                try:
                    summary["batches"].append(
                        process_batch(batch, outp, state, dask_address, client if dask_dedup else None, shard_bytes, slots)
                    )
                except Exception as exc:  # one bad file never blocks the inbox: retried, split, then quarantined
                    summary["failed"].append(handle_failed_batch(batch, exc, attempt, outp, state, cfg["max_batch_attempts"]))
    except LockTimeout as exc:
        summary["skipped"] = str(exc)
        get_run_logger().warning("skipped: %s", exc)
    finally:
        if client is not None:
            client.close()
        summary["quarantined"] = state.quarantined()
        state.close()
    publish_artifacts(summary)
    return summary


COUNT_ROWS = (
    ("read", "read"),
    ("extracted", "extracted_from_html"),
    ("chrome lines removed", "chrome_lines_removed"),
    ("encoding repaired", "encoding_repaired"),
    ("spin repaired", "spin_repaired"),
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
