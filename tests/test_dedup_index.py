"""The persistent dedup index and run-2-against-run-1 deduplication."""

import contextlib
import shutil
import sqlite3

import numpy as np
import pytest

from cleaners.dedup import DedupConfig, DedupIndex, IndexConfigError, canonical_rank, dedup_batch, fingerprint
from cleaners.dedup.index import _pack, _unpack, bbit_jaccard
from cleaners.document import Document
from cleaners.io import read_jsonl_gz
from flows import stages
from flows.runner import run_pipeline


def _ranks(texts):
    return [canonical_rank(t) for t in texts]


def test_bbit_pack_round_trip_and_estimate():
    rng = np.random.default_rng(0)
    sig = rng.integers(0, 2**32, size=(3, 128), dtype=np.uint32)
    for bits in (2, 4):
        packed = _pack(sig, bits)
        assert packed.shape == (3, 128 * bits // 8)
        assert np.array_equal(_unpack(packed[1].tobytes(), 128, bits), sig[1] & ((1 << bits) - 1))
    other = sig[0].copy()
    other[64:] = rng.integers(0, 2**32, size=64, dtype=np.uint32)
    a, b = _unpack(_pack(sig[:1], 4)[0].tobytes(), 128, 4), _unpack(_pack(other[None], 4)[0].tobytes(), 128, 4)
    j, se = bbit_jaccard(a, b, 4)
    assert abs(j - 0.5) < 3 * se and 0.03 < se < 0.08
    assert bbit_jaccard(a, a, 4)[0] == 1.0
    # unrelated signatures: the chance agreement of 4 low bits is corrected away
    c = _unpack(_pack(sig[2:3], 4)[0].tobytes(), 128, 4)
    assert bbit_jaccard(a, c, 4)[0] < 3 * bbit_jaccard(a, c, 4)[1]


def test_index_save_open_round_trip(tmp_path, seeds):
    cfg = DedupConfig.from_settings()
    path = tmp_path / "state" / "dedup.sqlite"
    fp = fingerprint([seeds["000"], seeds["002"]], cfg)
    with DedupIndex.open(path, cfg) as index:
        assert index.add(["s000", "s002"], fp) == [0, 1]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    n_bands = cfg.bands + cfg.spin_bands + cfg.head_bands
    assert conn.execute("SELECT COUNT(*) FROM bands").fetchone()[0] == 2 * n_bands
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    assert meta["scheme"] == '"affine32"' and meta["num_perm"] == str(cfg.num_perm) and meta["bands"] == str(cfg.bands)
    conn.close()

    index = DedupIndex.open(path, cfg)
    assert len(index) == 2
    q = fingerprint([seeds["000"] + "\nReporting by a wire desk.", seeds["001"]], cfg)
    hits = index.query(q)
    assert [m.id for m in hits[0]] == ["s000"] and 1 not in hits
    index.add(["copy"], q.take([0]), ["#0"])  # appends only the new rows
    index.close()
    again = DedupIndex.open(path, cfg)
    assert len(again) == 3
    assert {(m.id, m.canonical) for m in again.query(q.take([0]))[0]} == {("s000", "s000"), ("copy", "s000")}
    again.close()


@pytest.mark.parametrize("change", [{"num_perm": 256}, {"seed": 2}, {"bands": 8}, {"hashfunc": "sha1"}])
def test_index_refuses_another_configuration(tmp_path, change):
    path = tmp_path / "dedup.sqlite"
    DedupIndex.open(path, DedupConfig.from_settings()).close()
    with pytest.raises(IndexConfigError, match=next(iter(change))):
        DedupIndex.open(path, DedupConfig.from_settings(**change))
    # thresholds are not part of the identity: verification may be re-tuned on an existing index
    DedupIndex.open(path, DedupConfig.from_settings(threshold=0.6)).close()


def test_run2_dedups_against_run1(tmp_path, seeds):
    path = tmp_path / "dedup.sqlite"
    cfg = DedupConfig.from_settings()
    run1 = [seeds["000"], seeds["001"]]
    with DedupIndex.open(path, cfg) as index:
        first = dedup_batch(["r1-000", "r1-001"], run1, _ranks(run1), index)
    assert [d.duplicate_of for d in first] == [None, None]
    longer = seeds["000"] + "\n\nThis longer copy would be canonical in a batch of its own."
    run2 = [longer, seeds["002"], seeds["001"][: len(seeds["001"]) // 3]]
    with DedupIndex.open(path, cfg) as index:
        second = dedup_batch(["r2-000", "r2-002", "r2-001-short"], run2, _ranks(run2), index)
        assert len(index) == 5
    assert second[0].duplicate_of == "r1-000" and second[0].cluster_id == "r1-000"
    assert "earlier run" in second[0].reason
    assert second[1].duplicate_of is None
    assert second[2].duplicate_of == "r1-001" and second[2].reason.startswith("shortened copy")
    # run 3 sees run 2's documents too, and a repeated input keeps its earlier decision
    with DedupIndex.open(path, cfg) as index:
        third = dedup_batch(["r3-002", "r1-000"], [seeds["002"], seeds["000"]], _ranks([seeds["002"]] * 2), index)
        assert len(index) == 6
    assert third[0].duplicate_of == "r2-002"
    assert third[1].duplicate_of is None and third[1].reason == "canonical (earlier run)"


def test_dedup_stage_keeps_index_under_output_folder(tmp_path, seeds):
    docs = [Document(id=k, source=f"{k}.txt", text=v) for k, v in seeds.items()]
    path = stages.dedup_index_path(tmp_path)
    out1 = stages.dedup_stage(docs, path)
    assert path == tmp_path / "state" / "dedup.sqlite" and path.exists()
    assert all(d.duplicate_of is None for d in out1)
    copy = Document(id="later", source="later.txt", text=seeds["003"].replace("Reuters", "wire"))
    (out2,) = stages.dedup_stage([copy], path)
    assert out2.duplicate_of == "003"
    assert out2.provenance[-1]["stage"] == "dedup" and "earlier run" in out2.provenance[-1]["decision"]


def test_runner_second_run_into_same_output(tmp_path):
    from conftest import SEEDS

    out = tmp_path / "out"
    run_pipeline(SEEDS, out)
    later = tmp_path / "later"
    later.mkdir()
    src = sorted(SEEDS.glob("000_*.txt"))[0]
    shutil.copy(src, later / "reposted.txt")
    (later / "fresh.txt").write_text("A completely different story about river levels in spring. " * 20)
    with pytest.raises(stages.OutputError, match="--append"):
        run_pipeline(later, out)  # a corpus is never replaced without being told
    report = run_pipeline(later, out, mode="append")
    recs = {r["source"].split("/")[-1]: r for r in read_jsonl_gz(out / "documents.jsonl.gz")}
    assert len(recs) == 7  # the first run's five seeds stay, the two new files follow
    first_id = src.stem
    assert recs["reposted.txt"]["duplicate_of"] == first_id
    assert recs["fresh.txt"]["duplicate_of"] is None
    assert report["counts"]["duplicates"] == 1


@pytest.mark.prefect
def test_flow_second_run_uses_the_same_index(prefect_harness, tmp_path):
    from conftest import SEEDS
    from flows.clean_corpus import clean_corpus

    out = tmp_path / "out"
    run_pipeline(SEEDS, out)  # run 1 with the direct driver
    later = tmp_path / "later"
    later.mkdir()
    src = sorted(SEEDS.glob("002_*.txt"))[0]
    shutil.copy(src, later / "again.txt")
    clean_corpus(str(later), str(out), mode="append")  # run 2 with the Prefect flow, same output folder
    rec = read_jsonl_gz(out / "documents.jsonl.gz")[-1]
    assert rec["duplicate_of"] == src.stem


def test_index_does_not_match_different_stories_of_one_event(tmp_path, seeds):
    """b-bit signatures agree by chance; short same-topic texts must still not become 'copies'."""
    cfg = DedupConfig.from_settings()
    with DedupIndex.open(tmp_path / "d.sqlite", cfg) as index:
        index.add(["001", "000"], fingerprint([seeds["001"], seeds["000"]], cfg))
        probes = [seeds["003"], seeds["003"][: len(seeds["003"]) // 3], seeds["002"][: len(seeds["002"]) // 4], seeds["004"]]
        assert index.query(fingerprint(probes, cfg)) == {}


def test_two_writers_share_one_index(tmp_path, seeds):
    import threading

    cfg = DedupConfig.from_settings()
    path = tmp_path / "d.sqlite"
    DedupIndex.open(path, cfg).close()
    fps = [fingerprint([seeds[k]], cfg) for k in ("000", "001", "002", "004")]
    errors, numbers = [], []

    def writer(k):
        try:
            with DedupIndex.open(path, cfg) as index:
                for _ in range(5):
                    numbers.extend(index.add([f"w{k}"], fps[k]))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == list(range(20))
    with DedupIndex.open(path, cfg) as index:
        assert len(index) == 20
        assert {m.id for m in index.query(fps[1])[0]} == {"w1"}


def test_remove_forgets_documents_and_their_bands(tmp_path, seeds):
    cfg = DedupConfig.from_settings()
    path = tmp_path / "dedup.sqlite"
    with DedupIndex.open(path, cfg) as index:
        index.add(["keep", "drop"], fingerprint([seeds["000"], seeds["002"]], cfg))
        assert index.remove(["drop", "never-added"]) == 1
        assert len(index) == 1
        assert index.query(fingerprint([seeds["002"]], cfg)) == {}
        assert [m.id for m in index.query(fingerprint([seeds["000"]], cfg))[0]] == ["keep"]
    conn = sqlite3.connect(path)
    n_bands = cfg.bands + cfg.spin_bands + cfg.head_bands
    assert conn.execute("SELECT COUNT(*) FROM bands").fetchone()[0] == n_bands
    conn.close()


def _tables(path) -> tuple[list, list]:
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("SELECT * FROM docs ORDER BY doc").fetchall(),
                conn.execute("SELECT * FROM bands ORDER BY band, hash, doc").fetchall())
    finally:
        conn.close()


def test_bulk_writes_the_same_index_as_one_add_at_a_time_and_is_all_or_nothing(tmp_path, seeds):
    cfg = DedupConfig.from_settings()
    texts = [seeds[k] for k in ("000", "001", "002", "004")] + [seeds["000"] + "\nReporting by a wire desk.", "", seeds["002"][:900]]
    fp = fingerprint(texts, cfg)
    ids = [f"d{i}" for i in range(len(texts))]
    calls = [([0, 1, 2], None), ([3, 5], None), ([4, 6], ["#1", 0])]  # copies point at earlier numbers or positions
    paths = {}
    for name in ("one", "bulk"):
        paths[name] = tmp_path / name / "dedup.sqlite"
        with DedupIndex.open(paths[name], cfg) as index:
            index.add(["old"], fingerprint([seeds["004"]], cfg))  # a grown index: rows go in among earlier ones
            with index.bulk() if name == "bulk" else contextlib.nullcontext():
                for rows, canonical in calls:
                    index.add([ids[r] for r in rows], fp.take(rows), canonical)
    assert _tables(paths["bulk"]) == _tables(paths["one"])
    docs, bands = _tables(paths["bulk"])
    assert len(docs) == 8 and len(bands) == 7 * (cfg.bands + cfg.spin_bands + cfg.head_bands)  # (the empty text has no bands)
    with DedupIndex.open(paths["bulk"], cfg) as index:
        assert [m.id for m in index.query(fp.take([4]))[0]] == ["d0", "d4"]  # (found through the bulk-written bands)
        before = _tables(paths["bulk"])
        with pytest.raises(ValueError), index.bulk():
            index.add(["late"], fp.take([1]))
            index.add(["bad"], fp.take([2]), ["nonsense"])
        assert len(index) == 8
    assert _tables(paths["bulk"]) == before  # an error inside the block rolled the whole block back
