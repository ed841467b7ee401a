import gzip
import json

import pyarrow.parquet as pq

from cleaners.rows import corpus_row
from cleaners.document import Document
from cleaners.io import (
    Rejected,
    decode_bytes,
    read_inputs,
    read_jsonl_gz,
    safe_id,
    write_jsonl_gz,
    write_parquet,
)


def test_reads_txt_html_and_jsonl(tmp_path):
    (tmp_path / "a.txt").write_text("plain text story", encoding="utf-8")
    (tmp_path / "b.html").write_text("<html><body><p>hi</p></body></html>", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.jsonl").write_text(
        json.dumps({"id": "x1", "text": "t1", "url": "http://e.com/1", "lang": "en"}) + "\n"
        + json.dumps({"html": "<p>h</p>", "title": "T"}) + "\n",
        encoding="utf-8",
    )
    (tmp_path / "ignored.bin").write_bytes(b"\x00\x01")
    docs, rejected = read_inputs(tmp_path)
    assert rejected == []
    by_id = {d.id: d for d in docs}
    assert by_id["a"].text == "plain text story" and by_id["a"].html is None
    assert by_id["b"].html and by_id["b"].text == ""
    assert by_id["x1"].url == "http://e.com/1" and by_id["x1"].metadata == {"lang": "en"}
    assert any(d.title == "T" and d.html == "<p>h</p>" for d in docs)


def test_malformed_json_line_is_rejected_and_rest_kept(tmp_path):
    f = tmp_path / "d.jsonl"
    f.write_text('{"text": "one"}\n{broken\n{"text": "three"}\n', encoding="utf-8")
    docs, rejected = read_inputs(f)
    assert [d.text for d in docs] == ["one", "three"]
    assert len(rejected) == 1 and rejected[0].line == 2 and "d.jsonl" in rejected[0].source
    assert "malformed JSON" in rejected[0].reason


def test_truncated_gzip_keeps_complete_records(tmp_path):
    payload = "".join(json.dumps({"id": f"r{i}", "text": f"story {i} " * 50}) + "\n" for i in range(200))
    data = gzip.compress(payload.encode())
    f = tmp_path / "cut.jsonl.gz"
    f.write_bytes(data[: len(data) // 2])
    docs, rejected = read_inputs(f)
    assert 0 < len(docs) < 200
    assert all(d.text.startswith("story") for d in docs)
    assert any("truncated" in r.reason for r in rejected)


def test_duplicate_ids_are_made_unique(tmp_path):
    f = tmp_path / "d.jsonl"
    f.write_text('{"id": "same", "text": "a"}\n{"id": "same", "text": "b"}\n', encoding="utf-8")
    docs, _ = read_inputs(f)
    assert len({d.id for d in docs}) == 2


def test_empty_and_binary_files_are_rejected_by_name(tmp_path):
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x00\x01binary")
    (tmp_path / "ok.txt").write_text("fine", encoding="utf-8")
    docs, rejected = read_inputs(tmp_path)
    assert [d.id for d in docs] == ["ok"]
    reasons = {r.source: r.reason for r in rejected}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["bin.txt"]


def test_missing_input_is_a_rejection_not_a_crash(tmp_path):
    docs, rejected = read_inputs(tmp_path / "nope")
    assert docs == [] and isinstance(rejected[0], Rejected)


def test_decode_falls_back_to_html_meta_charset():
    html = '<html><head><meta charset="iso-8859-1"></head><body>Ol\xe9</body></html>'.encode("latin-1")
    text, enc = decode_bytes(html, is_html=True)
    assert "Olé" in text and enc == "iso-8859-1"


def test_safe_id_never_makes_a_path():
    for raw in ["../x", "/etc/passwd", "a/b\\c", "..", ""]:
        sid = safe_id(raw)
        assert "/" not in sid and "\\" not in sid and sid not in ("", ".", "..")


def test_jsonl_gz_round_trip(tmp_path):
    recs = [Document(id=str(i), source="s", text=f"héllo {i}").to_record() for i in range(3)]
    p = tmp_path / "o" / "x.jsonl.gz"
    assert write_jsonl_gz(p, recs) == 3
    assert read_jsonl_gz(p) == recs
    assert not list(p.parent.glob(".*tmp"))


def test_parquet_round_trip(tmp_path):
    recs = [corpus_row(Document(id=str(i), source="s", text=f"t{i}", metadata={"a": i})) for i in range(3)]
    p = tmp_path / "c.parquet"
    write_parquet(p, recs)
    table = pq.read_table(p)
    assert table.column("text").to_pylist() == ["t0", "t1", "t2"]
    assert [json.loads(m)["a"] for m in table.column("metadata").to_pylist()] == [0, 1, 2]
