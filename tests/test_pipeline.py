"""The sharded pipeline (flows/pipeline.py): the same documents as the in-memory reference driver,
bounded memory, kill -9 anywhere then rerun = the uninterrupted output, and every executor
(this process, a process pool, a Dask cluster) writing the same bytes."""

import gzip
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pytest

from cleaners.document import Document
from flows import pipeline
from flows.runner import run_pipeline_in_memory
from flows.shards import DaskExecutor, Executor, PoolExecutor, plan_shards

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def make_input(folder: Path, n: int = 600) -> Path:
    """Synthetic news (30 % edited copies, some spun) on a dozen sites with a footer line each,
    the five seeds (a spun story among them), and records that reuse an id."""
    import dedup_gen

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    sites = [f"site{i}.example" for i in range(12)]
    lines = []
    for d in dedup_gen.news_corpus(n, 0.3, 3):
        site = rng.choice(sites)
        text = d["text"] + (f"\nMore from {site}: follow us for updates" if rng.random() < 0.8 else "")
        lines.append({"id": d["id"], "text": text, "url": f"https://{site}/{d['id']}", "cluster": d["cluster"]})
    lines.insert(50, dict(lines[10]))  # the same record again: rejected
    lines.insert(90, {**lines[20], "text": lines[21]["text"]})  # the same id, another text: renamed
    (folder / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        shutil.copy(p, folder / p.name)
    return folder


def records(out: Path, name: str = "documents.jsonl.gz") -> list[dict]:
    with gzip.open(out / name, "rb") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_input(tmp_path_factory.mktemp("pipe") / "in")


@pytest.fixture()
def small_shards(monkeypatch):
    """Shards of about 60 KB (some 25 documents), so the corpus is cut into many; the LM sample
    of the corpus despin covers the whole corpus here, as the reference's does."""
    from cleaners.settings import settings

    monkeypatch.setitem(settings()["pipeline"], "shard_bytes", 60_000)
    monkeypatch.setitem(settings()["pipeline"], "despin_sample_docs", 100_000)


def test_sharded_run_writes_what_the_in_memory_driver_writes(corpus, tmp_path, small_shards, monkeypatch):
    from cleaners.settings import settings

    monkeypatch.setitem(settings()["pipeline"], "repeat_rows_in_memory", 100)  # the site-repeat reduce in many passes
    assert len(plan_shards(corpus, 60_000, tmp_path / "spool")) > 10
    sharded = tmp_path / "sharded"
    with PoolExecutor(2) as ex:
        report = pipeline.run(corpus, sharded, executor=ex)
    reference = tmp_path / "reference"
    ref_report = run_pipeline_in_memory(corpus, reference, workers=1)
    got, want = records(sharded), records(reference)
    assert [d["id"] for d in got] == [d["id"] for d in want]
    assert got == want  # text, provenance (every stage), clusters, canonical copies: all of it
    assert records(sharded, "corpus.jsonl.gz") == records(reference, "corpus.jsonl.gz")
    assert report["counts"] == ref_report["counts"]
    assert report["counts"]["rejected"] == 1 and report["counts"]["duplicates"] > 100
    assert any(json.loads(d["metadata"]).get("input_id") for d in got)  # the renamed record
    assert any(p["stage"] == "boilerplate-corpus" for d in got for p in d["provenance"])  # site footers found
    assert any(p["stage"] == "spin-corpus" and p["changed"] for d in got for p in d["provenance"])  # seed 003
    manifest = json.loads((sharded / "manifest.json").read_text())
    assert sum(p["documents"] for p in manifest["parts"]) == len(got) and len(manifest["parts"]) > 10
    assert not (sharded / ".work").exists()


def test_no_step_holds_more_than_a_shard_of_documents(corpus, tmp_path, small_shards, monkeypatch):
    """In this process (no pool), count the Document objects alive at any moment."""
    live: dict[int, weakref.ref] = {}
    peak = [0]
    real_init = Document.__init__

    def counting_init(self, *a, **kw):
        real_init(self, *a, **kw)
        key = id(self)
        live[key] = weakref.ref(self, lambda _, key=key: live.pop(key, None))
        peak[0] = max(peak[0], len(live))

    monkeypatch.setattr(Document, "__init__", counting_init)
    pipeline.run(corpus, tmp_path / "out", executor=Executor())
    docs = len(records(tmp_path / "out"))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    per_shard = max(p["documents"] for p in manifest["parts"])
    assert docs > 500 and per_shard < 60
    assert peak[0] <= 2 * per_shard + 10, (peak[0], per_shard)  # a shard's worth (a document and its next version)


KILL_POINTS = ["clean:2", "ids", "finish:2", "despin", "dedup", "dedup-index-started", "dedup-index-added", "write:2"]


def _index_rows(out: Path) -> tuple[list, list]:
    conn = sqlite3.connect(out / "state" / "dedup.sqlite")
    try:
        return (conn.execute("SELECT * FROM docs ORDER BY doc").fetchall(),
                conn.execute("SELECT * FROM bands ORDER BY band, hash, doc").fetchall())
    finally:
        conn.close()


def _clean(src: Path, out: Path, env: dict, *extra: str, workers: int = 2) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", "clean", str(src), "-o", str(out), "-q", "-w", str(workers), *extra],
                          cwd=ROOT, env=env, capture_output=True, timeout=180)  # (a run here takes seconds; a hang fails fast)


def _small_shard_env(tmp_path: Path) -> dict:
    """The environment of a `wirewash clean` subprocess whose shards are ~40 KB (many of them)."""
    settings = tmp_path / "small.toml"
    settings.write_text("[pipeline]\nshard_bytes = 40000\n")
    return {**os.environ, "WIREWASH_SETTINGS": str(settings)}


@pytest.mark.slow
def test_kill_9_anywhere_then_rerun_gives_the_uninterrupted_output(tmp_path):
    corpus = make_input(tmp_path / "in", n=150)
    env = _small_shard_env(tmp_path)
    ref = tmp_path / "ref"
    assert _clean(corpus, ref, env).returncode in (0, 3)
    want = {n: records(ref, n) for n in ("documents.jsonl.gz", "corpus.jsonl.gz")}
    for point in KILL_POINTS:
        out = tmp_path / point.replace(":", "-")
        tag = f"wirewash-kill-test-{point}"
        killed = _clean(corpus, out, {**env, "WIREWASH_KILL_AT": point, "WIREWASH_TEST_TAG": tag})
        assert killed.returncode == -9, (point, killed.stderr[-500:])
        time.sleep(0.5)
        assert not _processes_tagged(tag), point  # the pool's workers died with the driver
        again = _clean(corpus, out, env)
        assert again.returncode in (0, 3), (point, again.stderr[-800:])
        for name, rows in want.items():
            assert records(out, name) == rows, (point, name)
        assert _index_rows(out) == _index_rows(ref), point  # (the index step runs beside the write map)
        assert not (out / ".work").exists()
        phase, _, n = point.partition(":")
        if n:  # killed inside a map: the shards it had finished are not done again
            reused = json.loads((out / "report.json").read_text())["reused_shards"]
            assert reused and reused.get(phase, 0) >= int(n), (point, reused)


def _processes_tagged(tag: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if f"WIREWASH_TEST_TAG={tag}".encode() in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(int(pid))
        except OSError:
            continue
    return found


@pytest.mark.slow
def test_process_pool_dask_and_this_process_write_the_same_bytes(corpus, tmp_path, small_shards):
    outs = {}
    for name, make in (("inline", Executor), ("pool", lambda: PoolExecutor(2)), ("dask", lambda: DaskExecutor(workers=2))):
        outs[name] = tmp_path / name
        with make() as ex:
            if name == "dask":  # a local cluster listens on loopback only, dashboard included
                assert ex.client.scheduler.address.startswith("tcp://127.0.0.1:")
                assert ex.dashboard.startswith("http://127.0.0.1:")
                assert all(w.startswith("tcp://127.0.0.1:") for w in ex.client.scheduler_info()["workers"])
            pipeline.run(corpus, outs[name], executor=ex)
    for part in sorted((outs["inline"] / "corpus").iterdir()):
        for name in ("pool", "dask"):
            assert (outs[name] / "corpus" / part.name).read_bytes() == part.read_bytes(), (name, part.name)
    assert records(outs["dask"]) == records(outs["inline"])


@pytest.mark.slow
def test_an_appending_run_killed_while_writing_resumes_with_the_same_part_numbers(tmp_path):
    corpus = make_input(tmp_path / "in", n=120)
    env = _small_shard_env(tmp_path)
    out = tmp_path / "out"
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(sorted((ROOT / "seeds").glob("000_*.txt"))[0], first / "one.txt")
    assert _clean(first, out, env, "--append", workers=1).returncode == 0
    assert _clean(corpus, out, {**env, "WIREWASH_KILL_AT": "write:2"}, "--append", workers=1).returncode == -9
    assert _clean(corpus, out, env, "--append", workers=1).returncode in (0, 3)
    manifest = json.loads((out / "manifest.json").read_text())
    names = [p["part"] for p in manifest["parts"]]
    assert names == sorted(set(names)) and len(names) == len(list((out / "documents").iterdir()))
    ids = [d["id"] for d in records(out)]
    assert len(ids) == len(set(ids)) == manifest["documents"] == 1 + 127 - 1  # one earlier; 122 lines + 5 seeds read, one a duplicate record


def test_duplicate_ids_across_shards(tmp_path):
    """The ids reduce: the same record again is rejected, another text under a used id is
    renamed to the first free ``id~n`` (an ``id~1`` the input already has is skipped), an id an
    earlier run holds is renamed; the first holder keeps its id. Only clashing rows are named."""
    from types import SimpleNamespace

    from flows.corpus_steps import duplicate_ids
    from flows.shards import id_hashes

    tables = [
        [["a", "f1:1", "d1", 0], ["b", "f1:2", "d2", 1], ["old", "f1:3", "d9", 2]],
        [["a", "f2:1", "d1", 0], ["c", "f2:2", "d3", 1]],
        [["a", "f3:1", "dX", 0], ["a~1", "f3:2", "d4", 1], ["c", "f3:3", "d5", 2], ["z", "f3:4", "d6", 3]],
    ]
    shards = [SimpleNamespace(name=f"{k:05d}") for k in range(len(tables))]
    for s, t in zip(shards, tables):
        (tmp_path / s.name).mkdir()
        (tmp_path / s.name / "ids.json").write_text(json.dumps(t))
    work = SimpleNamespace(dir=lambda s: tmp_path / s.name)
    fixes = duplicate_ids(work, shards, {"old"})
    # earlier ids as the 64-bit hashes the driver keeps (an inbox's or an appended corpus's ids)
    assert duplicate_ids(work, shards, (), id_hashes(["zz", "old"])) == fixes
    assert fixes == {
        "00000": {"2": ["rename", "old~1", "id also used at an earlier run into this output folder"]},
        "00001": {"0": ["reject", "duplicate record: id 'a' with the same text was already read at f1:1"]},
        "00002": {"0": ["rename", "a~2", "id also used at f1:1"],
                  "2": ["rename", "c~1", "id also used at f2:2"]},
    }
    assert duplicate_ids(work, shards[:1]) == {}


def test_a_map_commits_each_shard_as_it_finishes(tmp_path):
    """A run that dies in the middle of a map keeps the shards that had finished: their completion
    records are written as each result arrives, not after the whole map (so a 1M-document run
    killed 25 minutes into its clean map does not start that map again)."""
    from flows.corpus_steps import mapped
    from flows.shards import Work

    shards = list(range(6))  # Work and mapped take shard numbers as well as Shards

    class DiesMidway(Executor):
        def map(self, fn, arglist, phase, progress=None, done=None):
            for i, args in enumerate(arglist[:3]):
                done(i, fn(*args))
            raise RuntimeError("the machine went away")

    work = Work(tmp_path, "plan")
    with pytest.raises(RuntimeError):
        mapped(work, DiesMidway(), "clean", lambda k: {"shard": k}, [(k,) for k in shards], None)
    assert [work.done("clean", k) for k in shards] == [{"shard": 0}, {"shard": 1}, {"shard": 2}, None, None, None]
    ran = []
    again = mapped(work, Executor(), "clean", lambda k: ran.append(k) or {"shard": k}, [(k,) for k in shards], None)
    assert ran == [3, 4, 5] and again == [{"shard": k} for k in shards] and work.reused == {"clean": 3}


def test_output_ids_reads_each_rows_id_without_holding_the_rows(tmp_path):
    """An appending run learns the ids already in the folder from its documents parts: the
    leading "id" value of each row (quotes, escapes and non-ASCII intact), any row order."""
    from cleaners.io import write_jsonl_gz
    from flows.stages import output_ids

    (tmp_path / "documents").mkdir()
    write_jsonl_gz(tmp_path / "documents" / "part-00000.jsonl.gz",
                   [{"id": 'say "hi"\\n', "text": "a"}, {"id": "Zürich–7", "text": "b"}])
    write_jsonl_gz(tmp_path / "documents" / "part-00001.jsonl.gz", [{"text": "c", "id": "late key"}])
    ids = output_ids(tmp_path)
    assert not isinstance(ids, (set, list))  # streamed
    assert list(ids) == ['say "hi"\\n', "Zürich–7", "late key"]


def test_single_file_views_follow_the_write_map_in_part_order_and_survive_its_failure(tmp_path):
    """The views are concatenated beside the write map, each part once it and the parts before
    it are written (shards finish in any order), after an appended-to corpus's earlier parts;
    a write map that fails leaves every view as it was and its own error is the one raised."""
    import pyarrow.parquet as pq

    from cleaners.io import write_jsonl, write_jsonl_gz, write_parquet
    from cleaners.rows import corpus_row
    from flows.corpus_steps import PhaseTimer, beside, single_file_views
    from flows.shards import Shard, Work

    out = tmp_path / "out"

    def write_part(n: int) -> None:
        for folder in ("documents", "corpus", "rejected"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        doc = Document(id=f"p{n}", text=f"Story number {n}.", source=f"in/{n}.txt")
        write_jsonl_gz(out / "documents" / f"part-{n:05d}.jsonl.gz", [{"id": doc.id}])
        write_jsonl_gz(out / "corpus" / f"part-{n:05d}.jsonl.gz", [{"id": doc.id}])
        write_parquet(out / "corpus" / f"part-{n:05d}.parquet", [corpus_row(doc)])
        write_jsonl(out / "rejected" / f"part-{n:05d}.jsonl", [{"source": f"bad{n}"}])

    def views() -> dict[str, list]:
        return {"documents": [r["id"] for r in records(out, "documents.jsonl.gz")],
                "corpus": [r["id"] for r in records(out, "corpus.jsonl.gz")],
                "parquet": pq.read_table(out / "corpus.parquet").column("id").to_pylist(),
                "rejected": [json.loads(x)["source"] for x in (out / "rejected.jsonl").read_text().split("\n") if x]}

    write_part(0)  # an earlier run's part
    shards = [Shard(k, (), 0) for k in range(3)]  # this run's parts 1, 2, 3
    work = Work(out, "plan")
    with beside(work, "views", lambda ended: single_file_views(out, work, shards, 1, ended), PhaseTimer(None)):
        for k in (2, 0, 1):
            write_part(1 + k)
            work.commit("write", {}, shards[k])
    want = {"documents": ["p0", "p1", "p2", "p3"], "corpus": ["p0", "p1", "p2", "p3"], "parquet": ["p0", "p1", "p2", "p3"],
            "rejected": ["bad0", "bad1", "bad2", "bad3"]}
    assert views() == want

    work = Work(out, "plan 2")  # a second (appending) run whose write map fails half-way
    more = [Shard(k, (), 0) for k in range(2)]
    with pytest.raises(OSError, match="disk full"):
        with beside(work, "views", lambda ended: single_file_views(out, work, more, 4, ended), PhaseTimer(None)):
            write_part(4)
            work.commit("write", {}, more[0])
            raise OSError("disk full")
    assert views() == want
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


_MARK = "as imported"


def _mark() -> str:
    return _MARK


def test_pool_workers_start_with_the_drivers_state(monkeypatch):
    """Pool workers are forked (Python's default start method on Linux up to 3.13), so a setting
    changed in the driver holds in them: the tests' small shards rely on it. Python 3.14's default,
    forkserver, would start them from a fresh import and fail this test. Naming "fork" explicitly
    made the Prefect serve test hang now and then (a deployment run after a server restart), so
    the default is kept: this test says when it stops being fork."""
    monkeypatch.setattr(sys.modules[__name__], "_MARK", "changed in the driver")
    with PoolExecutor(1) as ex:
        assert ex.call(_mark) == "changed in the driver"


def test_a_pool_is_never_larger_than_the_plan(tmp_path, monkeypatch):
    """One shard (the seeds) runs in this process whatever -w asks for; more shards get at most
    one worker each (a pool's start and each worker's model load are paid for nothing otherwise)."""
    asked = []
    real = pipeline.make_executor

    def recording(*a, **kw):
        executor = real(*a, **kw)
        asked.append(executor.workers)
        return executor

    monkeypatch.setattr(pipeline, "make_executor", recording)
    report = pipeline.run(ROOT / "seeds", tmp_path / "one", workers=8)
    assert asked == [1] and report["counts"]["written"] == 5
    src = tmp_path / "three"
    src.mkdir()
    for k, p in enumerate(sorted((ROOT / "seeds").glob("*.txt"))[:3]):
        (src / f"{k}.jsonl").write_text(json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8")}) + "\n", encoding="utf-8")
    from cleaners.settings import settings

    monkeypatch.setitem(settings()["pipeline"], "shard_bytes", 100)  # a shard a file
    pipeline.run(src, tmp_path / "three-out", workers=8)
    assert asked == [1, 3]


def test_fingerprint_arrays_map_as_np_load_maps_them(tmp_path):
    """The reduces map shards' .npy arrays with each header parsed once per version of the file:
    the same arrays as np.load(mmap_mode="r"), and a file written again is read again."""
    import numpy as np

    from flows.corpus_steps import _map_npy

    arrays = [np.arange(12, dtype=np.uint32).reshape(3, 4), np.zeros((0, 5), np.uint32), np.array([True, False]),
              np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(5, dtype=np.int64), np.array(3.5)]
    for k, arr in enumerate(arrays):
        path = tmp_path / f"a{k}.npy"
        np.save(path, arr)
        got, want = _map_npy(path), np.load(path, mmap_mode="r")
        assert got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want), arr
        del got, want
        np.save(path, np.arange(k + 7, dtype=np.int16))  # rewritten: another layout
        again = _map_npy(path)
        assert again.dtype == np.int16 and again.shape == (k + 7,) and again[-1] == k + 6


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_shards_of_a_large_json_lines_file_know_their_first_line(tmp_path, eol):
    """Each line range of a split JSON Lines file starts at the line number a whole-file read
    gives its first record (so a rejected record names its line), whatever the line ends."""
    lines = [json.dumps({"id": f"d{k}", "text": "x" * (k % 37)}).encode() for k in range(400)]
    data = eol.join(lines[:200]) + b"\r" + eol.join(lines[200:])  # (a stray CR; no line end after the last record)
    path = tmp_path / "big.jsonl"
    path.write_bytes(data)
    shards = plan_shards(path, 500, tmp_path / "spool")
    assert len(shards) > 20 or eol == b"\r"  # (ranges end after a newline: a file of CR line ends stays whole)
    for s in shards:
        for piece in s.pieces:
            before = data[: piece.start]
            assert piece.first_line == len(before.splitlines()) + 1
