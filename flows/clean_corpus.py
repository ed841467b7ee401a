"""The Prefect flow: :func:`flows.pipeline.run` with every shard of every map step a Prefect task.

Each shard task (``clean-00003``, ``finish-00003``, ``write-00003``) is visible in the UI with its
state, duration and retries; its work runs in the same process pool ``wirewash clean`` uses, so
the flow costs little more than ``clean`` (the tasks wait on the pool in the flow's threads).
The reduces between the maps run in the flow itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import pipeline
from flows.shards import Executor, Progress, make_executor

_EXECUTORS: dict[int, Executor] = {}


@task(name="shard", cache_policy=NO_CACHE, persist_result=False, retries=2, retry_delay_seconds=2,
      task_run_name="{phase}-{shard}")
def shard_task(phase: str, shard: str, pool: int, fn: Callable, args: tuple) -> Any:
    """One shard of one map step, run on the flow's executor (a process pool, or in the flow)."""
    return _EXECUTORS[pool].map(fn, [args], phase)[0]


class PrefectExecutor(Executor):
    """Prefect tasks over an inner executor (retried on failure: a lost worker, a full disk)."""

    def __init__(self, inner: Executor):
        self.inner = inner
        self.workers = inner.workers
        _EXECUTORS[id(self)] = inner

    def map(self, fn, arglist, phase, progress: Progress | None = None, done=None):
        futures = {shard_task.submit(phase, getattr(args[0], "name", f"{i:05d}"), id(self), fn, args): i for i, args in enumerate(arglist)}
        results: list = [None] * len(arglist)
        for n, (f, i) in enumerate(futures.items(), start=1):
            results[i] = f.result()
            if done:
                done(i, results[i])
            if progress:
                progress(phase, n, len(arglist))
        return results

    def call(self, fn, *args):
        return self.inner.call(fn, *args)

    def close(self) -> None:
        _EXECUTORS.pop(id(self), None)
        self.inner.close()


@flow(name="clean-corpus", log_prints=True)
def clean_corpus(input: str, output: str, mode: str = "new", workers: int | None = None) -> dict[str, Any]:
    """Clean every document under ``input`` into ``output`` (``mode``: what to do when ``output``
    already holds a corpus, see :func:`flows.stages.prepare_output`)."""
    with PrefectExecutor(make_executor(workers)) as executor:
        report = pipeline.run(input, output, mode=mode, executor=executor)
    print(f"wirewash: {report['counts']}")
    publish_artifacts(input, output, report)
    return report


def publish_artifacts(input: str, output: str, report: dict[str, Any]) -> None:
    """The inbox flow's two artifacts for this run: the per-stage counts table and a summary."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from flows.inbox import COUNT_ROWS

    counts = report["counts"]
    create_table_artifact(table=[{"stage": label, "count": int(counts.get(key, 0))} for label, key in COUNT_ROWS],
                          key="wirewash-run-counts", description="Per-stage counts of this run")
    lines = ["# wirewash run", "", f"- input: `{input}`", f"- output: `{output}` (open `report.html` there)",
             f"- {counts.get('read', 0)} docs read, {counts.get('written', 0)} written, {counts.get('duplicates', 0)} duplicates, "
             f"{report.get('rejected_total', counts.get('rejected', 0))} rejected, in {report.get('seconds')} s"]
    skipped = (report.get("skipped") or {}).get("count")
    if skipped:
        lines.append(f"- **skipped** {skipped} file(s) no reader takes (listed in report.json)")
    if report.get("reused_shards"):
        lines.append(f"- resumed: reused finished shards {report['reused_shards']}")
    create_markdown_artifact(markdown="\n".join(lines) + "\n", key="wirewash-run-summary", description="Run summary")
