"""The dedup index on a real Redis server: same decisions as SQLite, config refused, several writers."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time

import pytest

from cleaners.dedup import DedupConfig, DedupIndex, IndexConfigError, canonical_rank, dedup_batch, fingerprint, open_index
from cleaners.document import Document
from flows import stages

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server not found (Debian: apt-get install redis-server; .ci/run installs it)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A throw-away redis-server on a free loopback port, no persistence, stopped after the module."""
    redis = pytest.importorskip("redis", reason="the redis extra is not installed (pip install -e '.[redis]')")
    work = tmp_path_factory.mktemp("redis")
    port = _free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(work), "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None:
                    pytest.fail(f"redis-server exited with {proc.returncode}")
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not answer within 5 s")
        yield url
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def url(redis_url):
    """The server, emptied: every test starts from no index."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url


def _ranks(texts):
    return [canonical_rank(t) for t in texts]


def test_open_index_picks_the_backend(url, tmp_path):
    from cleaners.dedup.redis_index import RedisDedupIndex

    with open_index(url) as index:
        assert isinstance(index, RedisDedupIndex) and len(index) == 0
    with open_index(tmp_path / "d.sqlite") as index:
        assert isinstance(index, DedupIndex)


def test_same_decisions_as_sqlite(url, tmp_path, seeds):
    """Two runs (seeds, then a near copy + a shortened copy + a repeat) decide identically on both backends."""
    cfg = DedupConfig.from_settings()
    run1_ids, run1 = [f"r1-{k}" for k in sorted(seeds)], [seeds[k] for k in sorted(seeds)]
    near = seeds["000"].replace("Reuters", "wire") + "\nReporting by a wire desk."
    run2_ids = ["r2-near", "r2-short", "r2-fresh", "r1-002"]
    run2 = [near, seeds["001"][: len(seeds["001"]) // 3], "A completely different story about river levels. " * 20,
            seeds["002"]]
    results = {}
    for name, target in (("sqlite", tmp_path / "d.sqlite"), ("redis", url)):
        with open_index(target, cfg) as index:
            first = dedup_batch(run1_ids, run1, _ranks(run1), index)
        with open_index(target, cfg) as index:
            second = dedup_batch(run2_ids, run2, _ranks(run2), index)
            assert len(index) == len(run1) + 3  # the repeated r1-002 is not added twice
        results[name] = (first, second)
    assert results["redis"] == results["sqlite"]
    first, second = results["redis"]
    by_id = dict(zip(run1_ids, first))
    assert by_id["r1-001"].cluster_id != by_id["r1-003"].cluster_id  # same event, different stories
    assert second[0].duplicate_of == "r1-000" and "earlier run" in second[0].reason
    assert second[1].duplicate_of == "r1-001" and second[1].reason.startswith("shortened copy")
    assert second[2].duplicate_of is None
    assert second[3].reason == "canonical (earlier run)" or second[3].reason.startswith("duplicate (earlier run)")


def test_stored_as_bytes_and_json_not_pickle(url, seeds):
    import redis

    cfg = DedupConfig.from_settings()
    with open_index(url, cfg) as index:
        index.add(["a", "b"], fingerprint([seeds["000"], seeds["002"]], cfg), [None, 0])
    client = redis.Redis.from_url(url)
    meta = json.loads(client.get("wirewash:dedup:meta"))
    assert meta["scheme"] == "affine32" and meta["num_perm"] == cfg.num_perm and meta["bands"] == cfg.bands
    doc = client.hgetall("wirewash:dedup:doc:1")
    assert doc[b"id"] == b"b" and doc[b"canon"] == b"a" and doc[b"canon_doc"] == b"0"
    assert len(doc[b"sig"]) == cfg.num_perm * 2 // 8  # 2-bit packed, as in SQLite
    n_bands = cfg.bands + cfg.spin_bands + cfg.head_bands
    assert len(doc[b"keys"]) == 4 * n_bands
    band_keys = [k for k in client.scan_iter("wirewash:dedup:b:*")]
    assert n_bands <= len(band_keys) <= 2 * n_bands
    assert not any(v.startswith(b"\x80") for k in band_keys for v in client.smembers(k))  # no pickle protocol header
    client.close()


@pytest.mark.parametrize("change", [{"num_perm": 256}, {"seed": 2}, {"bands": 8}, {"hashfunc": "sha1"}])
def test_refuses_another_configuration(url, change):
    open_index(url, DedupConfig.from_settings()).close()
    with pytest.raises(IndexConfigError, match=next(iter(change))):
        open_index(url, DedupConfig.from_settings(**change))
    open_index(url, DedupConfig.from_settings(threshold=0.6)).close()  # thresholds are not identity


def test_prefixes_are_separate_indexes(url, seeds):
    from cleaners.dedup.redis_index import RedisDedupIndex

    cfg = DedupConfig.from_settings()
    with RedisDedupIndex.open(url, cfg, prefix="one") as one:
        one.add(["x"], fingerprint([seeds["000"]], cfg))
    with RedisDedupIndex.open(url, DedupConfig.from_settings(seed=2), prefix="two") as two:
        assert len(two) == 0  # another prefix: another index, even with another configuration


def test_two_writers_get_distinct_numbers_and_find_each_other(url, seeds):
    cfg = DedupConfig.from_settings()
    keys = ("000", "001", "002", "004")
    fps = [fingerprint([seeds[k]], cfg) for k in keys]
    errors, numbers = [], []
    start = threading.Barrier(len(keys))

    def writer(k):
        try:
            with open_index(url, cfg) as index:
                start.wait()
                for r in range(5):
                    numbers.extend(index.add([f"w{k}-{r}"], fps[k]))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(len(keys))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == list(range(20))
    with open_index(url, cfg) as index:
        assert len(index) == 20
        for k in range(len(keys)):
            assert {m.id for m in index.query(fps[k])[0]} == {f"w{k}-{r}" for r in range(5)}


def test_two_processes_dedup_against_each_other(url, seeds, tmp_path):
    """Separate processes (not threads) share the index: the second finds the first's documents."""
    import sys

    script = tmp_path / "writer.py"
    script.write_text(
        "import sys\n"
        "from cleaners.dedup import DedupConfig, fingerprint, open_index\n"
        "url, doc_id, path = sys.argv[1:]\n"
        "text = open(path, encoding='utf-8').read()\n"
        "cfg = DedupConfig.from_settings()\n"
        "with open_index(url, cfg) as index:\n"
        "    print(index.add([doc_id], fingerprint([text], cfg))[0])\n"
    )
    procs = []
    for k in ("000", "003"):
        p = tmp_path / f"{k}.txt"
        p.write_text(seeds[k], encoding="utf-8")
        procs.append(subprocess.Popen([sys.executable, str(script), url, f"p{k}", str(p)], stdout=subprocess.PIPE,
                                      text=True, cwd=stages.Path(__file__).resolve().parents[1]))
    nums = sorted(int(p.communicate(timeout=120)[0]) for p in procs)
    assert nums == [0, 1] and all(p.returncode == 0 for p in procs)
    cfg = DedupConfig.from_settings()
    with open_index(url, cfg) as index:
        hits = index.query(fingerprint([seeds["000"] + "\nMore reporting.", seeds["001"]], cfg))
    assert [m.id for m in hits[0]] == ["p000"] and 1 not in hits


def test_remove_forgets_documents_and_their_bands(url, seeds):
    import redis

    cfg = DedupConfig.from_settings()
    with open_index(url, cfg) as index:
        index.add(["keep", "drop"], fingerprint([seeds["000"], seeds["002"]], cfg))
        assert index.remove(["drop", "never-added"]) == 1
        assert len(index) == 1
        assert index.query(fingerprint([seeds["002"]], cfg)) == {}
        assert [m.id for m in index.query(fingerprint([seeds["000"]], cfg))[0]] == ["keep"]
    client = redis.Redis.from_url(url)
    members = {m for k in client.scan_iter("wirewash:dedup:b:*") for m in client.smembers(k)}
    assert members == {b"0"} and not client.exists("wirewash:dedup:doc:1")
    client.close()


def test_dedup_stage_run2_against_run1_through_env_url(url, seeds, tmp_path, monkeypatch):
    monkeypatch.setenv("WIREWASH_DEDUP_INDEX", url)
    target = stages.dedup_index_path(tmp_path / "out1")
    assert target == url
    docs = [Document(id=k, source=f"{k}.txt", text=v) for k, v in seeds.items()]
    out1 = stages.dedup_stage(docs, target)
    assert all(d.duplicate_of is None for d in out1)
    # run 2 writes to another output folder, but the shared index remembers run 1
    copy = Document(id="later", source="later.txt", text=seeds["003"].replace("Reuters", "wire"))
    (out2,) = stages.dedup_stage([copy], stages.dedup_index_path(tmp_path / "out2"))
    assert out2.duplicate_of == "003" and "earlier run" in out2.provenance[-1]["decision"]
    assert not (tmp_path / "out1" / "state").exists()  # no SQLite file was made


def test_pipeline_runs_share_a_redis_index_under_its_writer_lock(url, seeds, tmp_path, monkeypatch):
    """Two `wirewash clean` pipelines into two folders, one Redis index: the second finds the
    first's story (the dedup step's query-then-add holds the index's Redis lock, released after)."""
    import redis

    from cleaners.io import read_jsonl_gz
    from flows import pipeline
    from flows.shards import Executor

    monkeypatch.setenv("WIREWASH_DEDUP_INDEX", url)
    for name, text in (("a", seeds["003"]), ("b", seeds["003"].replace("Reuters", "wire"))):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(text, encoding="utf-8")
        pipeline.run(tmp_path / name, tmp_path / f"out-{name}", executor=Executor())
    (first,) = read_jsonl_gz(tmp_path / "out-a" / "documents.jsonl.gz")
    (second,) = read_jsonl_gz(tmp_path / "out-b" / "documents.jsonl.gz")
    assert first["duplicate_of"] is None and second["duplicate_of"] == first["id"]
    client = redis.Redis.from_url(url)
    assert not client.exists("wirewash:index-writer")  # the lock went with the step
    client.close()
    assert not (tmp_path / "out-a" / "state" / "dedup.sqlite").exists()


def test_a_bucket_keeps_its_first_documents_only(url, seeds):
    """Thousands of copies of one story: each bucket holds the first index_bucket_docs of them,
    so a query stays bounded, and a new copy still finds the story."""
    import dataclasses

    import redis

    cfg = dataclasses.replace(DedupConfig.from_settings(), index_bucket_docs=8)
    copies = [seeds["000"] + f"\nUpdate {i}." for i in range(40)]
    with open_index(url, cfg) as index:
        index.add([f"c{i}" for i in range(40)], fingerprint(copies, cfg))
        hits = index.query(fingerprint([seeds["000"] + "\nLater update."], cfg))
    assert hits[0] and hits[0][0].id.startswith("c")
    client = redis.Redis.from_url(url)
    sizes = [client.scard(k) for k in client.scan_iter("wirewash:dedup:b:*")]
    client.close()
    assert sizes and max(sizes) <= 8
