"""Outputs are written atomically: a failed or killed write never leaves a complete-looking file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaners.document import Document
from cleaners.io import read_jsonl_gz, write_jsonl_gz, write_parquet
from flows import stages

ROOT = Path(__file__).resolve().parents[1]


def failing_records(n_ok: int):
    for i in range(n_ok):
        yield {"id": str(i), "text": "x" * 1000}
    raise RuntimeError("disk full (simulated)")


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "documents.jsonl.gz"
    write_jsonl_gz(target, [{"id": "old"}])
    with pytest.raises(RuntimeError):
        write_jsonl_gz(target, failing_records(500))
    assert read_jsonl_gz(target) == [{"id": "old"}]  # the previous complete file, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents.jsonl.gz"]


def test_failed_first_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        write_jsonl_gz(tmp_path / "new.jsonl.gz", failing_records(10))
    assert list(tmp_path.iterdir()) == []


def test_failed_parquet_write_keeps_the_old_file(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    target = tmp_path / "corpus.parquet"
    write_parquet(target, [Document(id="old", source="s", text="t").to_record()])

    def half_then_fail(table, where, **kw):
        Path(where).write_bytes(b"PAR1 half a file")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(pq, "write_table", half_then_fail)
    with pytest.raises(OSError):
        write_parquet(target, [Document(id="new", source="s", text="t").to_record()])
    monkeypatch.undo()
    assert pq.read_table(target).column("id").to_pylist() == ["old"]
    assert [p.name for p in tmp_path.iterdir()] == ["corpus.parquet"]


def test_failed_run_leaves_no_report_so_the_folder_does_not_look_finished(tmp_path, monkeypatch):
    docs = stages.dedup_stage([Document(id="a", source="a.txt", text="a story about the harbour and its cranes")])
    stages.write_stage(docs, [], tmp_path)
    assert (tmp_path / "report.json").exists()  # a finished run

    def boom(*a, **k):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(stages, "write_parquet", boom)
    with pytest.raises(OSError):
        stages.write_stage(docs, [], tmp_path)
    assert not (tmp_path / "report.json").exists()  # report.json is the run's completion mark
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_killed_writer_leaves_only_a_hidden_temp_file(tmp_path):
    target = tmp_path / "documents.jsonl.gz"
    code = (
        "import sys, time\n"
        "from cleaners.io import write_jsonl_gz\n"
        "def slow():\n"
        "    for i in range(10**6):\n"
        "        if i == 50: print('writing', flush=True)\n"
        "        if i > 50: time.sleep(0.01)\n"
        "        yield {'id': i, 'text': 'x' * 100}\n"
        f"write_jsonl_gz({str(target)!r}, slow())\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert not target.exists()
    left = [p.name for p in tmp_path.iterdir()]
    assert left and all(n.startswith(".documents.jsonl.gz.") and n.endswith(".tmp") for n in left)


def test_gzip_writer_is_standard_gzip_at_every_level(tmp_path):
    """The fast writer (ISA-L where installed) writes ordinary gzip that the standard library
    reads back, the same bytes for the same input (no timestamp), at the low levels the pipeline
    uses and at zlib's higher ones."""
    import gzip

    from cleaners.io import gzip_open, write_jsonl_gz

    rows = [{"id": f"d{i}", "text": "Zürich — " * (i % 50) + "x" * (i % 7)} for i in range(5000)]
    for level in (1, 3, 6):
        a, b = tmp_path / f"a{level}.jsonl.gz", tmp_path / f"b{level}.jsonl.gz"
        assert write_jsonl_gz(a, rows, level=level) == len(rows)
        write_jsonl_gz(b, rows, level=level)
        assert a.read_bytes() == b.read_bytes()
        with gzip.open(a, "rt", encoding="utf-8") as fh:
            assert [json.loads(line) for line in fh] == rows
        with gzip_open(a, "rt", encoding="utf-8") as fh:
            assert fh.read().count("\n") == len(rows)
    size = {level: (tmp_path / f"a{level}.jsonl.gz").stat().st_size for level in (1, 3, 6)}
    assert size[6] <= size[3] <= size[1]
