"""Output rows: the same columns, order and types in corpus Parquet, corpus JSON Lines and
documents/, with ISO dates, the registered domain, the language and a content hash."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cleaners.document import Document
from cleaners.rows import CORPUS_COLUMNS, corpus_row, document_row, registered_domain
from conftest import write_warc

ROOT = Path(__file__).resolve().parents[1]
NAMES = [name for name, _ in CORPUS_COLUMNS]
PY_TYPES = {"string": str, "float": float, "int": int}

BUS = ("The city council voted on Tuesday to extend the night bus service until the end of the year. "
       "A survey had found that most shift workers had no other way to get home after midnight.\n\n"
       "The extension will cost about two million a year and is paid for from the parking budget, "
       "the council's transport committee said in a statement after the vote.")
RATES = ("Der Stadtrat hat am Dienstag beschlossen, den Nachtbusverkehr bis zum Jahresende zu verlängern. "
         "Eine Umfrage hatte gezeigt, dass viele Schichtarbeiter keine andere Möglichkeit haben, nach Hause zu kommen.\n\n"
         "Die Verlängerung kostet rund zwei Millionen Euro im Jahr und wird aus dem Parkhaushalt bezahlt, "
         "teilte der Verkehrsausschuss nach der Abstimmung mit.")
PAGE = ("<html lang='fr'><head><title>Le bus de nuit prolongé</title>"
        "<meta property='article:published_time' content='2024-05-02T08:30:00+02:00'></head><body><article>"
        "<h1>Le bus de nuit prolongé</h1>"
        "<p>Le conseil municipal a voté mardi la prolongation du service de bus de nuit jusqu'à la fin de l'année, "
        "après qu'une enquête a montré que la plupart des travailleurs de nuit n'avaient pas d'autre moyen de rentrer.</p>"
        "<p>La prolongation coûtera environ deux millions d'euros par an, financés par le budget du stationnement, "
        "a indiqué la commission des transports dans un communiqué publié après le vote.</p>"
        "</article></body></html>")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("rows")
    src = base / "in"
    src.mkdir()
    lines = [
        {"id": "bus", "text": BUS, "url": "https://news.example.co.uk/bus", "date": "May 2, 2024",
         "crawl_date": "2024-05-03T10:00:00Z", "author": "A. Writer"},
        {"id": "bus-copy", "text": BUS.replace(" after midnight", ""), "url": "https://example.co.uk/b2",
         "date": "sometime in spring"},
        {"id": "rates", "text": RATES, "site": "Beispiel.de", "date": "3. Mai 2024"},
    ]
    (src / "a.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    write_warc(src / "crawl.warc.gz", [("https://www.exemple.fr/bus", "200 OK", "text/html; charset=utf-8", PAGE.encode(),
                                        "2024-05-04T06:00:00Z")])
    out = base / "out"
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "clean", str(src), "-o", str(out), "-q"],
                          cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    return out


def _jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rb") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_parquet_and_jsonl_rows_have_the_same_columns_order_types_and_values(run):
    table = pq.read_table(run / "corpus.parquet")
    assert table.schema.names == NAMES
    kinds = {"string": pa.string(), "float": pa.float64(), "int": pa.int64()}
    assert [table.schema.field(n).type for n in NAMES] == [kinds[k] for _, k in CORPUS_COLUMNS]
    rows = _jsonl(run / "corpus.jsonl.gz")
    assert [list(r) for r in rows] == [NAMES] * len(rows)
    for r in rows:
        for name, kind in CORPUS_COLUMNS:
            assert r[name] is None or type(r[name]) is PY_TYPES[kind], (name, r[name])
    assert table.to_pylist() == rows  # the same values, typed the same, in both formats
    parts = pq.read_table(run / "corpus" / "part-00000.parquet")  # the parts too (what load_dataset reads)
    assert parts.schema.names == NAMES


def test_documents_rows_are_corpus_rows_plus_duplicate_of_and_provenance(run):
    docs = _jsonl(run / "documents.jsonl.gz")
    assert [list(d) for d in docs] == [[*NAMES, "duplicate_of", "provenance"]] * len(docs)
    copy = next(d for d in docs if d["id"] == "bus-copy")
    assert copy["duplicate_of"] == "bus" and copy["cluster_id"] == "bus" and copy["cluster_size"] == 2
    assert {d["id"] for d in _jsonl(run / "corpus.jsonl.gz")} == {d["id"] for d in docs if d["duplicate_of"] is None}


def test_row_fields(run):
    rows = {r["id"]: r for r in _jsonl(run / "documents.jsonl.gz")}
    bus, copy, rates = rows["bus"], rows["bus-copy"], rows["rates"]
    assert (bus["date"], bus["crawl_date"]) == ("2024-05-02", "2024-05-03T10:00:00+00:00")
    assert bus["domain"] == "example.co.uk" and bus["language"] == "en" and bus["language_score"] > 0.8
    assert bus["content_hash"] == hashlib.sha256(bus["text"].encode("utf-8")).hexdigest()
    assert bus["char_count"] == len(bus["text"]) and bus["word_count"] == len(bus["text"].split())
    assert json.loads(bus["metadata"]) == {"author": "A. Writer"}
    assert copy["date"] is None and json.loads(copy["metadata"])["date_raw"] == "sometime in spring"  # kept, not lost
    assert (rates["domain"], rates["date"], rates["language"]) == ("beispiel.de", "2024-05-03", "de")
    warc = next(r for r in rows.values() if r["source"].startswith("crawl.warc.gz"))
    # a WARC page: the published date from the page, the crawl time from WARC-Date (no longer the page's date)
    assert warc["date"] is not None and warc["date"].startswith("2024-05-02")
    assert warc["crawl_date"] == "2024-05-04T06:00:00+00:00"
    assert (warc["domain"], warc["language"]) == ("exemple.fr", "fr")


def test_stdout_stream_has_the_same_rows(run, tmp_path):
    src = tmp_path / "one.txt"
    src.write_text(BUS, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "clean", str(src), "-o", "-", "-q"],
                          cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 1 and list(rows[0]) == NAMES and rows[0]["language"] == "en"


def test_corpus_row_without_url_date_or_letters():
    r = corpus_row(Document(id="x", source="s", text="12 34 56"))
    assert (r["domain"], r["date"], r["crawl_date"], r["language"], r["language_score"]) == (None, None, None, None, None)
    assert r["cluster_id"] == "x" and r["cluster_size"] == 1 and r["metadata"] == "{}"
    d = document_row(Document(id="x", source="s", text="t", duplicate_of="y", provenance=({"stage": "dedup", "cluster_size": 3},)))
    assert d["duplicate_of"] == "y" and d["cluster_size"] == 3 and d["provenance"] == [{"stage": "dedup", "cluster_size": 3}]


@pytest.mark.parametrize("url, want", [
    ("https://www.bbc.co.uk/news/x", "bbc.co.uk"),
    ("http://sub.a.example.com:8080/p?q=1", "example.com"),
    ("https://user.github.io/post", "user.github.io"),  # a private suffix: each user's site is its own domain
    ("http://[2001:db8::1]/x", "2001:db8::1"),
    ("https://xn--bcher-kva.de/a", "xn--bcher-kva.de"),
    ("not a url", None),
    (None, None),
])
def test_registered_domain(url, want):
    assert registered_domain(url) == want


def test_single_file_view_takes_parts_written_before_the_row_schema(tmp_path):
    """An appending run into a corpus an earlier version wrote: its parts lack the newer
    columns, which are null in corpus.parquet (nothing fails, nothing is dropped)."""
    from cleaners.io import concat_parquet_atomic, write_parquet

    old = pa.table({"id": ["o"], "source": ["s"], "url": [None], "title": [None], "date": ["2020-01-01"],
                    "text": ["old text"], "cluster_id": ["o"], "spin_score": [None], "metadata": ["{}"]},
                   schema=pa.schema([(n, pa.float64() if n == "spin_score" else pa.string()) for n in
                                     ("id", "source", "url", "title", "date", "text", "cluster_id", "spin_score", "metadata")]))
    pq.write_table(old, tmp_path / "part-00000.parquet")
    write_parquet(tmp_path / "part-00001.parquet", [corpus_row(Document(id="n", source="t", text="new text"))])
    assert concat_parquet_atomic(tmp_path / "all.parquet", [tmp_path / "part-00000.parquet", tmp_path / "part-00001.parquet"]) == 2
    rows = pq.read_table(tmp_path / "all.parquet").to_pylist()
    assert [list(r) for r in rows] == [NAMES, NAMES]
    assert (rows[0]["text"], rows[0]["date"], rows[0]["word_count"]) == ("old text", "2020-01-01", None)
    assert (rows[1]["text"], rows[1]["word_count"]) == ("new text", 2)


def test_a_corpus_read_again_keeps_its_metadata_flat(run):
    """wirewash's own rows as input (a second pass, another tool's output): the metadata string
    is unpacked into the document's metadata, not nested as a string inside it."""
    from cleaners.io import iter_inputs

    docs = [d for d in iter_inputs(run / "corpus.jsonl.gz") if isinstance(d, Document)]
    bus = next(d for d in docs if d.id == "bus")
    assert bus.metadata["author"] == "A. Writer" and "metadata" not in bus.metadata
    assert bus.crawl_date == "2024-05-03T10:00:00+00:00" and bus.date == "2024-05-02"
