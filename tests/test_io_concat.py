"""Concatenating corpus files without parsing them (used for the inbox's cumulative corpus)."""

from __future__ import annotations

import gzip
import json

import pyarrow.parquet as pq
import pytest

from cleaners.io import concat_files_atomic, concat_parquet_atomic, read_jsonl_gz, write_jsonl_gz, write_parquet


def _recs(prefix, n):
    return [{"id": f"{prefix}{i}", "text": f"body {prefix} {i} é", "title": None, "spin_score": 0.1 * i,
             "metadata": {"k": i}} for i in range(n)]


def _parts(tmp_path, sizes, suffix, write):
    """One file per (name, record count), written with ``write``; their paths in order."""
    paths = []
    for name, n in sizes:
        p = tmp_path / f"{name}{suffix}"
        write(p, _recs(name, n))
        paths.append(p)
    return paths


def test_gzip_members_concatenate_to_all_records(tmp_path):
    parts = _parts(tmp_path, (("a", 3), ("empty", 0), ("b", 2)), ".jsonl.gz", write_jsonl_gz)
    out = tmp_path / "all.jsonl.gz"
    concat_files_atomic(out, parts)
    want = _recs("a", 3) + _recs("b", 2)
    assert read_jsonl_gz(out) == want
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        assert [json.loads(l) for l in fh] == want


def test_parquet_parts_stream_into_one_file(tmp_path):
    parts = _parts(tmp_path, (("a", 3), ("empty", 0), ("b", 4)), ".parquet", write_parquet)
    out = tmp_path / "all.parquet"
    assert concat_parquet_atomic(out, parts) == 7
    t = pq.read_table(out)
    assert t.column("id").to_pylist() == [f"a{i}" for i in range(3)] + [f"b{i}" for i in range(4)]
    assert json.loads(t.column("metadata").to_pylist()[4]) == {"k": 1}


def test_a_failed_concat_leaves_the_old_file(tmp_path):
    out = tmp_path / "all.jsonl.gz"
    write_jsonl_gz(out, _recs("old", 2))
    with pytest.raises(FileNotFoundError):
        concat_files_atomic(out, [tmp_path / "missing.jsonl.gz"])
    assert read_jsonl_gz(out) == _recs("old", 2)
    assert [p.name for p in tmp_path.iterdir()] == ["all.jsonl.gz"]  # no temp file left behind
