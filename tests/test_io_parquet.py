"""corpus.parquet is a flat, typed table that `datasets.load_dataset("parquet", ...)` reads.

`datasets` itself is not a test dependency (it pulls pandas, huggingface_hub, requests and
more); this checks what it relies on: one Parquet file with a plain schema of named,
non-null-typed columns, read back through pyarrow.dataset as `datasets` does. The
`datasets` round trip runs when `datasets` happens to be installed.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from cleaners.document import Document
from cleaners.io import write_parquet
from cleaners.rows import CORPUS_COLUMNS, corpus_row

NAMES = [name for name, _ in CORPUS_COLUMNS]


def records():
    return [
        corpus_row(Document(id="a", source="s.jsonl:1", text="Zürich “quotes” 🚋", url="http://e.org/a", metadata={"lang": "de", "n": 1}, spin_score=0.25, cluster_id="a")),
        corpus_row(Document(id="b", source="s.jsonl:2", text="second", cluster_id="a")),  # None fields
    ]


def test_schema_is_flat_and_typed(tmp_path):
    p = tmp_path / "corpus.parquet"
    assert write_parquet(p, records()) == 2
    schema = pq.read_schema(p)
    assert schema.names == NAMES
    for field in schema:
        assert not pa.types.is_null(field.type) and not pa.types.is_nested(field.type), field
    assert schema.field("spin_score").type == pa.float64() and schema.field("text").type == pa.string()
    assert schema.field("word_count").type == pa.int64() and schema.field("metadata").type == pa.string()


def test_read_back_through_pyarrow_dataset(tmp_path):
    write_parquet(tmp_path / "corpus.parquet", records())
    table = ds.dataset(str(tmp_path), format="parquet").to_table()
    rows = table.to_pylist()
    assert rows[0]["text"] == "Zürich “quotes” 🚋" and rows[0]["spin_score"] == 0.25
    assert rows[1]["url"] is None and rows[1]["spin_score"] is None


def test_empty_corpus_still_has_the_schema(tmp_path):
    write_parquet(tmp_path / "corpus.parquet", [])
    assert pq.read_table(tmp_path / "corpus.parquet").schema.names == NAMES


def test_datasets_load_dataset_when_installed(tmp_path):
    datasets = pytest.importorskip("datasets", reason="`datasets` is not a test dependency (heavy); checked by hand, see README")
    write_parquet(tmp_path / "corpus.parquet", records())
    dset = datasets.load_dataset("parquet", data_files=str(tmp_path / "corpus.parquet"), split="train", cache_dir=str(tmp_path / "cache"))
    assert dset.num_rows == 2 and dset[0]["text"] == "Zürich “quotes” 🚋"


def test_rows_as_json_lines_write_the_same_file_as_rows_and_as_pyarrow_lists(tmp_path):
    """A part written from its JSON lines (what the write map does), from the row dicts, and
    from Python lists the way pyarrow builds tables directly: the same bytes, the same values
    (floats to the last bit, large ints, text outside the BMP)."""
    import json

    from cleaners.io import json_lines, parquet_schema

    rows = records() + [corpus_row(Document(id="c", source="s:3", text="x\u2028y \\ \"q\"", spin_score=0.1 + 0.2, metadata={"k": [1, 2.5]}))]
    rows[2]["word_count"] = 2**62
    write_parquet(tmp_path / "dicts.parquet", rows)
    write_parquet(tmp_path / "lines.parquet", json_lines(rows))
    schema = parquet_schema()
    pq.write_table(pa.table({n: [r[n] for r in rows] for n in schema.names}, schema=schema), tmp_path / "lists.parquet", compression="zstd")
    got = [(tmp_path / f"{k}.parquet").read_bytes() for k in ("dicts", "lines", "lists")]
    assert got[0] == got[1] == got[2]
    back = pq.read_table(tmp_path / "lines.parquet").to_pylist()
    assert back[2]["spin_score"] == 0.1 + 0.2 and back[2]["word_count"] == 2**62 and json.loads(back[2]["metadata"]) == {"k": [1, 2.5]}


def test_writing_and_joining_parts_imports_no_pandas(tmp_path):
    """pyarrow imports pandas (0.2 s, 60 MB) when a table is built from Python objects or read with
    read_table: every pool worker would pay it for its first part, and the driver for the views."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, json\n"
        "from cleaners.io import write_parquet, concat_parquet_atomic, json_lines\n"
        "rows = [json.loads(sys.argv[1])]\n"
        "write_parquet(sys.argv[2] + '/a.parquet', rows); write_parquet(sys.argv[2] + '/b.parquet', json_lines(rows))\n"
        "write_parquet(sys.argv[2] + '/c.parquet', [])\n"
        "n = concat_parquet_atomic(sys.argv[2] + '/all.parquet', [sys.argv[2] + f'/{k}.parquet' for k in 'abc'])\n"
        "print(n, 'pandas' in sys.modules)\n"
    )
    import json

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code, json.dumps(records()[0]), str(tmp_path)], cwd=root,
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "False"]
