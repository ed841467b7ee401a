"""The inbox flow under a real Prefect API: incremental runs, a Dask cluster, and kill -9."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaners.io import read_jsonl_gz
from inbox_scenario import drop1, drop2, snapshot

pytestmark = pytest.mark.prefect
ROOT = Path(__file__).resolve().parents[1]


def run_inbox(inbox, out, **kw):
    from cleaners.settings import settings
    from flows.inbox import inbox_flow

    pipe = settings()["pipeline"]
    old, pipe["shard_bytes"] = pipe["shard_bytes"], 8192  # several shards per batch
    try:
        return inbox_flow(str(inbox), str(out), settle_seconds=0, **kw)
    finally:
        pipe["shard_bytes"] = old


@pytest.fixture(scope="module")
def reference(prefect_harness, tmp_path_factory):
    """The two-drop scenario run single-process, uninterrupted: the expected outputs."""
    base = tmp_path_factory.mktemp("reference")
    inbox, out = base / "inbox", base / "out"
    drop1(inbox)
    first = run_inbox(inbox, out)
    new = drop2(inbox)
    second = run_inbox(inbox, out)
    third = run_inbox(inbox, out)
    return {"inbox": inbox, "out": out, "runs": (first, second, third), "new": new, "snap": snapshot(out)}


def test_second_run_processes_only_new_content(reference):
    first, second, third = reference["runs"]
    assert [b["files"] for b in first["batches"]] == [6]
    (batch,) = second["batches"]
    assert batch["files"] == len(reference["new"])  # renamed and copied files are not redone
    assert third["batches"] == [] and third["skipped"] is None  # nothing new: nothing written
    shard = reference["out"] / "shards" / batch["batch"]
    sources = sorted({d["source"] for d in read_jsonl_gz(shard / "documents.jsonl.gz")})
    assert sources == sorted(n for n in reference["new"] if "broken" not in n)
    rejected = [json.loads(l) for l in (shard / "rejected.jsonl").read_text().splitlines()]
    assert [r["source"] for r in rejected] == ["later/broken.txt"]


def test_new_copies_dedup_against_the_corpus(reference):
    out = reference["out"]
    shards = reference["snap"]["shards"]
    first_ids = {d["id"] for d in read_jsonl_gz(out / "shards" / shards[0] / "corpus.jsonl.gz")}
    docs = {d["id"]: d for d in read_jsonl_gz(out / "shards" / shards[1] / "documents.jsonl.gz")}
    edits = [d for d in docs.values() if d["source"].startswith("later/edit-")]
    assert len(edits) == 5 and all(d["duplicate_of"] in first_ids for d in edits)
    assert "earlier run" in next(p for p in edits[0]["provenance"] if p["stage"] == "dedup")["decision"]
    assert docs["other"]["duplicate_of"] is None
    corpus = read_jsonl_gz(out / "corpus.jsonl.gz")
    ids = [d["id"] for d in corpus]
    assert len(ids) == len(set(ids))
    assert set(ids) == first_ids | {"other"}
    # the cumulative files are the shards' corpora in batch order, in both formats
    import gzip

    import pyarrow.parquet as pq

    per_shard = [d["id"] for b in shards for d in read_jsonl_gz(out / "shards" / b / "corpus.jsonl.gz")]
    assert ids == per_shard
    with gzip.open(out / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:  # a plain gzip reader sees every member
        assert [json.loads(line)["id"] for line in fh] == ids
    assert pq.read_table(out / "corpus.parquet").column("id").to_pylist() == ids


def test_rerun_changes_nothing(reference, tmp_path):
    out = reference["out"]
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and "state" not in p.parts}
    summary = run_inbox(reference["inbox"], out)
    assert summary["batches"] == []
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and "state" not in p.parts}
    assert after == before


def test_artifacts_published(reference):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        tables = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["wirewash-inbox-counts"])))
        notes = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["wirewash-inbox-summary"])))
    assert tables and notes
    rows = {}
    for art in tables:
        data = json.loads(art.data) if isinstance(art.data, str) else art.data
        rows[art.flow_run_id] = {r["stage"]: r["count"] for r in data}
    second = reference["runs"][1]["batches"][0]["counts"]
    assert any(r["read"] == second["read"] and r["duplicates"] == second["duplicates"] and r["errors (rejected)"] == 1 for r in rows.values())
    idle = reference["runs"][2]["flow_run"]  # the third run found nothing new: it published nothing
    assert idle and not [a for a in [*tables, *notes] if str(a.flow_run_id) == idle]
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(idle).name == "inbox: idle"
        busy = client.read_flow_run(reference["runs"][0]["flow_run"]).name
    assert busy.startswith("inbox: 1 batch(es), ") and "written" in busy


@pytest.fixture(scope="module")
def local_cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster


def test_dask_cluster_gives_identical_outputs(reference, local_cluster, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    drop1(inbox)
    run_inbox(inbox, out, dask_address=local_cluster.scheduler_address)
    drop2(inbox)
    summary = run_inbox(inbox, out, dask_address=local_cluster.scheduler_address)
    assert summary["batches"][0]["files"] == len(reference["new"])
    assert snapshot(out) == reference["snap"]
    (inbox / "only-bad.txt").write_bytes(b"\x00" * 100)  # a batch with no usable document
    (batch,) = run_inbox(inbox, out, dask_address=local_cluster.scheduler_address)["batches"]
    assert batch["counts"]["rejected"] == 1 and batch["corpus"] == len(reference["snap"]["corpus"])


def _flow_run_state(run_id):
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).state.type.value


def _running_bystander(out):
    """A flow run of this output folder in state Running that never held the lock."""
    from prefect import get_client
    from prefect.states import Running

    from flows.inbox import inbox_flow

    with get_client(sync_client=True) as client:
        run = client.create_flow_run(inbox_flow, parameters={"inbox": "x", "out": str(out)})
        client.set_flow_run_state(run.id, Running(), force=True)
    return str(run.id)


@pytest.mark.slow
@pytest.mark.parametrize("point", ["cleaned", "corpus-written"])
def test_kill_9_mid_run_then_next_run_finishes_exactly(reference, tmp_path, point):
    from prefect.settings import PREFECT_API_URL

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    drop1(inbox)
    run_inbox(inbox, out)
    drop2(inbox)
    small = tmp_path / "small.toml"
    small.write_text("[pipeline]\nshard_bytes = 8192\n")
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "WIREWASH_INBOX_PAUSE_AT": point,
           "WIREWASH_SETTINGS": str(small)}
    code = f"from flows.inbox import inbox_flow\ninbox_flow({str(inbox)!r}, {str(out)!r}, settle_seconds=0)\n"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    marker = out / "state" / f"paused-at-{point}"
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the run never reached the pause point"
            time.sleep(0.1)
        # while it holds the lock, another run touches nothing
        overlap = run_inbox(inbox, out, lock_timeout=0.5)
        assert overlap["skipped"] and overlap["batches"] == [] and overlap["crashed_runs_marked"] == []
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    work = list((out / "shards").glob("*/.work"))
    done = [p for w in work for p in w.glob("*/done-clean.json")]
    assert point == "corpus-written" or len(done) > 1  # the killed run had finished its clean map: several shards
    bystander = _running_bystander(out)  # a run merely waiting for the lock is not crashed
    summary = run_inbox(inbox, out)
    assert _flow_run_state(bystander) == "RUNNING" and bystander not in summary["crashed_runs_marked"]
    # the redo reused the killed run's work: no shard cleaned twice
    reused = summary["batches"][0]["reused_shards"]
    assert reused == ({"clean": len(done)} if point == "cleaned" else None), reused
    assert len(summary["crashed_runs_marked"]) >= 1
    assert all(_flow_run_state(r) == "CRASHED" for r in summary["crashed_runs_marked"])
    assert [b["files"] for b in summary["batches"]] == [len(reference["new"])]
    assert snapshot(out) == reference["snap"]


def test_cli_inbox_command(reference, tmp_path):
    """`wirewash inbox` as a user runs it, against the same Prefect API; exit code 3 names rejections."""
    from prefect.settings import PREFECT_API_URL

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    drop1(inbox)
    drop2(inbox)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "inbox", str(inbox), "-o", str(out), "--settle", "0"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 3, proc.stderr[-2000:]  # later/broken.txt is rejected
    corpus = read_jsonl_gz(out / "corpus.jsonl.gz")
    assert {d["id"] for d in corpus} >= {"other"} and len(corpus) == len({d["id"] for d in corpus})
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "inbox", str(inbox), "-o", str(out), "--settle", "0"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]  # nothing new: nothing rejected
    assert "nothing new in the inbox" in proc.stderr
    assert len(list((out / "shards").iterdir())) == 1


def test_nothing_under_out_is_a_pickle(reference):
    """What the inbox flow keeps (manifest, index, shards, completion records) is data, never code:
    no file in OUT starts like a pickle (cloudpickle's task results did, and ran on load)."""
    pickles = []
    for p in reference["out"].rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                head = fh.read(2)
            if len(head) == 2 and head[0] == 0x80 and head[1] in (2, 3, 4, 5):
                pickles.append(str(p.relative_to(reference["out"])))
    assert not pickles
    assert not (reference["out"] / "state" / "cache").exists()


def test_inspect_finds_a_document_in_an_inbox_corpus(reference):
    out = reference["out"]
    doc = read_jsonl_gz(out / "corpus.jsonl.gz")[-1]
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "inspect", str(out), doc["id"]], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert doc["id"] in proc.stdout and "dedup" in proc.stdout
