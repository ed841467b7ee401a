"""The Prefect flow writes the same documents as the direct CLI path."""

import pytest

from cleaners.io import read_jsonl_gz
from flows.runner import run_pipeline

pytestmark = pytest.mark.prefect


def _strip_volatile(recs):
    return sorted((r["id"], r["text"], r["title"], r["cluster_id"], r["duplicate_of"]) for r in recs)


def test_flow_matches_direct_runner(prefect_harness, tmp_path, seeds):
    from flows.clean_corpus import clean_corpus
    from conftest import SEEDS

    flow_out, direct_out = tmp_path / "flow", tmp_path / "direct"
    report = clean_corpus(str(SEEDS), str(flow_out))
    run_pipeline(SEEDS, direct_out)
    assert report["counts"]["read"] == len(seeds)
    a = read_jsonl_gz(flow_out / "documents.jsonl.gz")
    b = read_jsonl_gz(direct_out / "documents.jsonl.gz")
    assert _strip_volatile(a) == _strip_volatile(b)
    assert [r["provenance"] for r in a] == [r["provenance"] for r in b]


def test_run_publishes_the_inbox_flows_artifacts(prefect_harness, tmp_path):
    """`wirewash run` leaves the same two artifacts on its flow run as the inbox flow: the
    per-stage counts table (same rows) and a markdown summary."""
    import json

    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from conftest import SEEDS
    from flows.clean_corpus import clean_corpus
    from flows.inbox import COUNT_ROWS

    state = clean_corpus(str(SEEDS), str(tmp_path / "out"), return_state=True)
    report, run_id = state.result(), state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        tables = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["wirewash-run-counts"])))
        notes = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["wirewash-run-summary"])))
    tables = [a for a in tables if a.flow_run_id == run_id]  # (the harness's server holds other tests' runs too)
    notes = [a for a in notes if a.flow_run_id == run_id]
    assert len(tables) == 1 and len(notes) == 1
    data = json.loads(tables[-1].data) if isinstance(tables[-1].data, str) else tables[-1].data
    assert [r["stage"] for r in data] == [label for label, _ in COUNT_ROWS]
    counts = {r["stage"]: r["count"] for r in data}
    for label, key in COUNT_ROWS:  # every row is the report's own count, the spin checks' included
        assert counts[label] == report["counts"][key], label
    assert str(tmp_path / "out") in notes[-1].data


def test_shard_tasks_retry_a_transient_failure(prefect_harness, tmp_path):
    """A shard task that fails once (a lost worker, a full disk that clears) is retried by
    Prefect and the run goes on with its result; the retry count and delay are configured."""
    from flows.clean_corpus import PrefectExecutor, shard_task
    from flows.shards import make_executor

    assert shard_task.retries >= 1 and shard_task.retry_delay_seconds
    marker = tmp_path / "failed-once"
    with PrefectExecutor(make_executor(1)) as executor:
        got = _in_a_flow(executor, marker)
    assert got == ["00001:ok"] and marker.read_text() == "1"


def _flaky(shard, marker):
    if not marker.exists():
        marker.write_text("1")
        raise OSError("No space left on device (cleared by the retry)")
    return f"{shard.name}:ok"


def _in_a_flow(executor, marker):
    from types import SimpleNamespace

    from prefect import flow

    @flow(name="retry-check")
    def check():
        return executor.map(_flaky, [(SimpleNamespace(name="00001"), marker)], "clean")

    return check()


def test_unreachable_dask_scheduler_is_one_line_naming_it(tmp_path):
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "a.txt").write_text("A short story about the night bus and the council vote.", encoding="utf-8")
    cfg = tmp_path / "fast.toml"
    cfg.write_text("[pipeline]\ndask_connect_seconds = 2\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"),
                           "--config", str(cfg), "--dask-address", f"tcp://127.0.0.1:{port}"],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"tcp://127.0.0.1:{port}" in lines[0] and "Traceback" not in proc.stderr, proc.stderr
