"""Bounded on hostile input and consistent under concurrency, at the level of whole runs:
decompression and line bounds per file, capped rejection lists, one run per output folder,
one writer per dedup index, leftovers of killed writes swept."""

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cleaners.io import read_jsonl_gz
from flows.shards import folder_lock

ROOT = Path(__file__).resolve().parents[1]
STORY = ("The city council voted on Tuesday to expand the bus network, adding four routes that will connect the "
         "northern suburbs with the hospital district. Officials said the routes would start in the spring and cost "
         "about two million a year, paid for by the regional transport fund and a new parking levy.")
OTHER = ("Farmers in the valley reported the earliest cherry harvest in two decades after a warm and dry April, and "
         "the growers' association said wholesale prices fell by a fifth within a week as supermarkets cut orders.")


def clean(src, out, *extra, settings: Path | None = None, env_extra: dict | None = None):
    env = {**os.environ, **(env_extra or {})}
    if settings:
        env["WIREWASH_SETTINGS"] = str(settings)
    return subprocess.run([sys.executable, "-m", "flows.cli", "clean", str(src), "-o", str(out), "-q", "-w", "1", *map(str, extra)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def low_limits(tmp_path: Path) -> Path:
    p = tmp_path / "limits.toml"
    p.write_text("[input]\nmax_decompressed_bytes = 200000\nmax_lines_per_file = 1000\nmax_rejections_per_file = 5\n")
    return p


def rejected(out: Path) -> list[dict]:
    return [json.loads(l) for l in (out / "rejected.jsonl").read_text().splitlines()]


def test_a_gzip_bomb_keeps_what_came_before_the_bound(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    good = "".join(json.dumps({"id": f"d{i}", "text": (STORY if i % 2 else OTHER) + f" Item {i}."}) + "\n" for i in range(4))
    (src / "bomb.jsonl.gz").write_bytes(gzip.compress(good.encode() + b" " * 50_000_000))  # 50 MB of blanks after 4 records
    out = tmp_path / "out"
    proc = clean(src, out, settings=low_limits(tmp_path))
    assert proc.returncode == 3, proc.stderr
    assert len(read_jsonl_gz(out / "documents.jsonl.gz")) == 4
    (r,) = rejected(out)
    assert r["source"] == "bomb.jsonl.gz" and "decompressed size over the" in r["reason"] and "max_decompressed_bytes" in r["reason"]


def test_a_file_of_junk_lines_is_bounded_and_summarised(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    junk = b"{nope\n" * 50_000
    (src / "junk.jsonl.gz").write_bytes(gzip.compress(json.dumps({"id": "ok", "text": STORY}).encode() + b"\n" + junk))
    out = tmp_path / "out"
    proc = clean(src, out, settings=low_limits(tmp_path))
    assert proc.returncode == 3, proc.stderr
    rows = rejected(out)
    assert len(rows) == 5 + 2  # five listed, one saying where the line bound cut, one counting the rest
    (summary,) = [r for r in rows if "max_rejections_per_file" in r["reason"]]
    assert "994 × malformed JSON" in summary["reason"]
    (bound,) = [r for r in rows if "max_lines_per_file" in r["reason"]]
    assert bound["line"] == 1001
    report = json.loads((out / "report.json").read_text())
    assert len(json.dumps(report)) < 20_000
    assert [d["id"] for d in read_jsonl_gz(out / "documents.jsonl.gz")] == ["ok"]


def test_a_second_run_into_a_busy_output_folder_is_refused(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "bus.txt").write_text(STORY)
    out = tmp_path / "out"
    with folder_lock(out):  # a run in progress
        proc = clean(src, out)
    assert proc.returncode == 2 and "another wirewash run" in proc.stderr
    assert not (out / "documents.jsonl.gz").exists()
    assert clean(src, out).returncode == 0  # the lock went with its holder


def test_leftovers_of_killed_writes_are_swept(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "bus.txt").write_text(STORY)
    out = tmp_path / "out"
    killed = clean(src, out, env_extra={"WIREWASH_KILL_AT": "write"})
    assert killed.returncode == -9
    (out / ".documents.jsonl.gz.x1y2.tmp").write_bytes(b"\0" * 1000)  # what a killed atomic write leaves
    (out / "state" / ".dedup.tmp").write_bytes(b"")
    assert clean(src, out).returncode == 0  # the same run again finishes it
    assert not list(out.rglob("*.tmp")) and not (out / ".work").exists()


def test_two_runs_sharing_one_index_see_each_others_copies(tmp_path):
    """Each run queries the shared index and adds to it under the index's writer lock, so the
    second of two concurrent runs always finds the first one's copy of the story."""
    index = tmp_path / "shared" / "dedup.sqlite"
    outs = []
    for name, text in (("a", STORY), ("b", STORY.replace("Tuesday", "Tuesday evening"))):
        src = tmp_path / f"in-{name}"
        src.mkdir()
        (src / f"{name}.txt").write_text(text)
        outs.append((src, tmp_path / f"out-{name}"))
    results = {}

    def go(i):
        results[i] = clean(*outs[i], env_extra={"WIREWASH_DEDUP_INDEX": str(index)})

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results.values()), [r.stderr for r in results.values()]
    docs = [read_jsonl_gz(out / "documents.jsonl.gz")[0] for _, out in outs]
    assert sum(1 for d in docs if d["duplicate_of"]) == 1  # exactly one saw the other's copy
    dup = next(d for d in docs if d["duplicate_of"])
    assert dup["duplicate_of"] in {d["id"] for d in docs}


def test_a_warc_gzip_bomb_is_cut_at_the_bound(tmp_path):
    import io as _io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    src = tmp_path / "in"
    src.mkdir()
    with open(src / "crawl.warc.gz", "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        page = f"<html><body><article><p>{STORY}</p></article></body></html>".encode()
        for i, body in enumerate([page, b"<html>" + b" " * 5_000_000 + b"</html>"]):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"http://example.org/{i}", "response", payload=_io.BytesIO(body), http_headers=headers))
    out = tmp_path / "out"
    proc = clean(src, out, settings=low_limits(tmp_path))
    assert proc.returncode == 3, proc.stderr
    (r,) = rejected(out)
    assert "max_decompressed_bytes" in r["reason"]
    assert len(read_jsonl_gz(out / "documents.jsonl.gz")) == 1  # the record before the bound is kept


def test_dedup_candidates_of_thousands_of_copies_grow_linearly():
    """The pipeline's dedup reduce: N copies of one story share every bucket; the candidate pairs
    (each member with the bucket's first and with the one before it) grow like N, not N^2."""
    import numpy as np

    from flows.corpus_steps import _candidate_pairs

    counts = []
    for n in (1000, 2000, 4000):
        keys = np.zeros((n, 14), dtype=np.int64)  # every band of every copy equal
        keys[n // 2 :, 5] = 7  # one band splits them in two buckets
        pairs = _candidate_pairs(keys, np.ones(n, dtype=bool), 32)
        assert (pairs[:, 0] < pairs[:, 1]).all() and len(np.unique(pairs, axis=0)) == len(pairs)
        counts.append(len(pairs))
    assert counts[1] <= 2.1 * counts[0] and counts[2] <= 2.1 * counts[1]
    small = _candidate_pairs(np.zeros((10, 14), dtype=np.int64), np.ones(10, dtype=bool), 32)
    assert len(small) == 45  # a small bucket still gives every pair
