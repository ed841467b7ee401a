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
