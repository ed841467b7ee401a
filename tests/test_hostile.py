"""Bad and hostile input: every case is named in rejected.jsonl and the report, and the rest is written.

Each case has a reader-level test; ``test_cli_hostile_tree`` puts them all in one input
folder and runs ``wirewash clean`` on it as a user would (exit code 3, corpus written).

Permissions: the tests run as root, and ``chmod 000`` does not stop root from reading a
file, so "unreadable" is simulated two ways: a FIFO named ``.txt`` (reading it would block
forever) and a ``Path.read_bytes`` patched to raise ``PermissionError``.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaners.document import Document
from cleaners.io import iter_inputs, max_document_bytes, read_inputs, read_jsonl_gz
from flows import stages
from flows.runner import run_pipeline
from conftest import write_warc

ROOT = Path(__file__).resolve().parents[1]
STORY = (
    "The city council voted on Tuesday to expand the bus network, adding four routes that will "
    "connect the northern suburbs with the hospital district.\n\n"
    "Officials said the new routes would start running in the spring and cost about two million a year."
)


def reasons_by_source(rejected):
    return {(r.source, r.line): r.reason for r in rejected}


# ---------------------------------------------------------------- one case a test


def test_binary_file_with_text_extension(tmp_path):
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40)
    (tmp_path / "noise.html").write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 65, 66, 200, 201]) * 500)  # no NUL bytes
    docs, rejected = read_inputs(tmp_path)
    assert docs == []
    reasons = reasons_by_source(rejected)
    assert "binary" in reasons[("photo.txt", None)]
    assert "binary" in reasons[("noise.html", None)] and "control characters" in reasons[("noise.html", None)]


def test_invalid_utf8_is_decoded_not_rejected(tmp_path):
    mostly = ("Zürich café résumé naïve " * 20).encode() + b"\xff\xfe bad bytes \xc3\x28 end"
    (tmp_path / "mostly.txt").write_bytes(mostly)
    (tmp_path / "legacy.txt").write_bytes(("Ein schöner Tag in Köln, sagte der Bürgermeister. " * 10).encode("cp1252"))
    docs, rejected = read_inputs(tmp_path)
    assert rejected == []
    by_id = {d.id: d for d in docs}
    # mostly UTF-8: the good characters survive, the bad bytes become U+FFFD and are counted
    assert by_id["mostly"].text.startswith("Zürich café") and by_id["mostly"].metadata["invalid_bytes_replaced"] == 3
    # wholly legacy bytes: detected, not mangled into replacement characters
    assert "schöner" in by_id["legacy"].text and "Köln" in by_id["legacy"].text and "\ufffd" not in by_id["legacy"].text
    assert by_id["legacy"].metadata["encoding"] != "utf-8"


def test_utf16_with_bom_is_text_not_binary(tmp_path):
    (tmp_path / "wide.txt").write_bytes("Grüße aus Berlin".encode("utf-16"))
    docs, rejected = read_inputs(tmp_path)
    assert rejected == [] and docs[0].text == "Grüße aus Berlin"


def test_empty_file_and_whitespace_only_document(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.html").write_text(" \n\t\r\n  ", encoding="utf-8")
    (tmp_path / "d.jsonl").write_text('{"text": "   "}\n{"text": ""}\n{"text": "fine"}\n', encoding="utf-8")
    docs, rejected = read_inputs(tmp_path)
    assert [d.text for d in docs] == ["fine"]
    reasons = reasons_by_source(rejected)
    assert reasons[("empty.txt", None)] == "empty file (0 bytes)"
    assert "whitespace only" in reasons[("blank.html", None)]
    assert "whitespace only" in reasons[("d.jsonl", 1)] and reasons[("d.jsonl", 2)] == "empty document"


def test_50mb_single_document_is_rejected_by_size_without_reading(tmp_path, monkeypatch):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:
        fh.write(b"word " * (50_000_000 // 5))
    assert big.stat().st_size == 50_000_000 > max_document_bytes()
    read = []
    orig = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or orig(self))
    (tmp_path / "ok.txt").write_text(STORY, encoding="utf-8")
    t0 = time.perf_counter()
    docs, rejected = read_inputs(tmp_path)
    assert time.perf_counter() - t0 < 5
    assert [d.id for d in docs] == ["ok"] and "huge.txt" not in read  # never loaded into memory
    (r,) = rejected
    assert r.source == "huge.txt" and "50.0 MB" in r.reason and "max_document_bytes" in r.reason


def test_50mb_json_line_is_rejected_and_neighbours_kept(tmp_path):
    f = tmp_path / "big.jsonl"
    with open(f, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "a", "text": STORY}) + "\n")
        fh.write(json.dumps({"id": "b", "text": "x" * 50_000_000}) + "\n")
        fh.write(json.dumps({"id": "c", "text": STORY + " Later."}) + "\n")
    docs, rejected = read_inputs(f)
    assert [d.id for d in docs] == ["a", "c"]
    assert rejected[0].line == 2 and "over the" in rejected[0].reason


def test_truncated_gzip_reports_file_and_keeps_complete_lines(tmp_path):
    payload = "".join(json.dumps({"id": f"r{i}", "text": f"story {i} " * 50}) + "\n" for i in range(300))
    data = gzip.compress(payload.encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) * 2 // 3])
    (tmp_path / "notgz.jsonl.gz").write_bytes(b"this was never gzip")
    docs, rejected = read_inputs(tmp_path)
    assert 0 < len(docs) < 300 and [d.id for d in docs] == [f"r{i}" for i in range(len(docs))]
    reasons = {r.source: r.reason for r in rejected}
    assert "truncated" in reasons["cut.jsonl.gz"] and "gzip" in reasons["notgz.jsonl.gz"]


def test_malformed_json_lines_in_the_middle(tmp_path):
    lines = [json.dumps({"id": "a", "text": "one"}), "{broken", "[1, 2]", "[" * 100_000 + "]" * 100_000, '{"text": 5}', json.dumps({"id": "b", "text": "two"})]
    (tmp_path / "m.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, rejected = read_inputs(tmp_path)
    assert [d.id for d in docs] == ["a", "b"]
    assert [r.line for r in rejected] == [2, 3, 4, 5]
    assert all(r.source == "m.jsonl" and len(r.reason.splitlines()) == 1 for r in rejected)


def test_duplicate_ids_exact_copy_rejected_other_text_renamed(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "x", "text": "first"}) + "\n" + json.dumps({"id": "x", "text": "first"}) + "\n"
        + json.dumps({"id": "x", "text": "different"}) + "\n",
        encoding="utf-8",
    )
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "x", "text": "another"}) + "\n", encoding="utf-8")
    docs, rejected = read_inputs(tmp_path)
    assert [d.id for d in docs] == ["x", "x~1", "x~2"]
    assert docs[1].metadata["input_id"] == "x" and "a.jsonl:1" in docs[1].metadata["id_collision"]
    (r,) = rejected
    assert (r.source, r.line) == ("a.jsonl", 2) and "duplicate record" in r.reason and "a.jsonl:1" in r.reason


def test_unreadable_file_fifo_and_permission_error(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block the run forever
    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    (tmp_path / "dir.txt").mkdir()  # a directory with a text extension is walked, not read
    (tmp_path / "dir.txt" / "inner.txt").write_text("inside", encoding="utf-8")
    orig = Path.read_bytes

    def deny(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return orig(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    docs, rejected = read_inputs(tmp_path)
    assert [d.text for d in docs] == ["inside"]
    reasons = {r.source: r.reason for r in rejected}
    assert reasons["pipe.txt"].startswith("not a regular file")
    assert reasons["secret.txt"] == "cannot read file: Permission denied"


def test_symlink_loops(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "story.txt").write_text("s", encoding="utf-8")
    os.symlink("..", tmp_path / "a" / "up")  # directory loop
    os.symlink("self.txt", tmp_path / "self.txt")  # a link to itself
    docs, rejected = read_inputs(tmp_path)
    assert [d.source for d in docs] == [os.path.join("a", "story.txt")]
    (r,) = rejected
    assert r.source == "self.txt" and "symbolic links" in r.reason


def test_deeply_nested_html_and_entity_tricks_finish(tmp_path):
    depth = 50_000
    nested = "<html><body>" + "<div>" * depth + "<p>" + STORY + "</p>" + "</div>" * depth + "</body></html>"
    tricks = (
        "<html><head><title>&lt;script&gt;alert(1)&lt;/script&gt;</title></head><body><article>"
        "<p>" + STORY + " &amp;amp;lt;b&amp;gt; &#0; &#x110000; &#xD800; &#99999999999; &NotAnEntity; &#x;"
        + "&amp;" * 2000 + "</p><p>" + "&lt;" * 5000 + "</p></article></body></html>"
    )
    (tmp_path / "nested.html").write_text(nested, encoding="utf-8")
    (tmp_path / "tricks.html").write_text(tricks, encoding="utf-8")
    docs, rejected = read_inputs(tmp_path)
    assert rejected == [] and len(docs) == 2
    t0 = time.perf_counter()
    results = stages.clean_documents(docs)
    assert time.perf_counter() - t0 < 30
    for res in results:  # each is either cleaned text or a one-line rejection naming the file
        if isinstance(res, Document):
            assert res.text.strip() and "\x00" not in res.text
            assert not any(0xD800 <= ord(c) <= 0xDFFF for c in res.text)
        else:
            assert res.source.endswith(".html") and len(res.reason.splitlines()) == 1


def test_gzipped_documents_bombs_and_cuts(tmp_path):
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(_article(STORY)))
    (tmp_path / "note.txt.gz").write_bytes(gzip.compress(STORY.encode()))
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * 60_000_000, compresslevel=9))  # ~60 KB on disk
    whole = gzip.compress((STORY * 50).encode())
    (tmp_path / "cut.txt.gz").write_bytes(whole[: len(whole) // 2])
    t0 = time.perf_counter()
    docs, rejected = read_inputs(tmp_path)
    assert time.perf_counter() - t0 < 5
    assert sorted(d.id for d in docs) == ["note", "page"]
    assert next(d for d in docs if d.id == "page").html.startswith("<html>")
    reasons = {r.source: r.reason for r in rejected}
    assert "over the" in reasons["bomb.txt.gz"] and "truncated" in reasons["cut.txt.gz"]


# ---------------------------------------------------------------- WARC and stdin


def _warc(path: Path, records, gz: bool = True) -> None:
    write_warc(path, records, gz)


def _article(text: str, charset: str = "utf-8") -> bytes:
    return f"<html><head><title>T</title></head><body><article><p>{text}</p></article></body></html>".encode(charset)


@pytest.mark.parametrize("gz", [True, False])
def test_warc_response_records(tmp_path, gz):
    name = "crawl.warc.gz" if gz else "crawl.warc"
    _warc(
        tmp_path / name,
        [
            ("http://example.org/a", "200 OK", "text/html; charset=utf-8", _article(STORY)),
            ("http://example.org/logo.png", "200 OK", "image/png", b"\x89PNG\x00\x00"),
            ("http://example.org/gone", "404 Not Found", "text/html", b"<html>not found</html>"),
            ("http://example.org/b", "200 OK", "text/html; charset=iso-8859-1", _article("Caf\u00e9 in M\u00fcnchen " * 20, "latin-1")),
        ],
        gz=gz,
    )
    docs, rejected = read_inputs(tmp_path)
    assert rejected == []
    assert [d.url for d in docs] == ["http://example.org/a", "http://example.org/b"]
    assert docs[0].crawl_date and docs[0].date is None and docs[0].html and "urn" in docs[0].metadata["warc_record_id"]
    assert "Café in München" in docs[1].html and docs[1].metadata["encoding"] == "iso-8859-1"
    cleaned = stages.clean_documents(docs)
    assert "bus network" in cleaned[0].text


def test_truncated_warc_keeps_earlier_records(tmp_path):
    recs = [(f"http://example.org/{i}", "200 OK", "text/html", _article(f"{STORY} number {i}")) for i in range(20)]
    _warc(tmp_path / "full.warc.gz", recs)
    data = (tmp_path / "full.warc.gz").read_bytes()
    (tmp_path / "full.warc.gz").unlink()
    (tmp_path / "cut.warc.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.warc").write_bytes(b"not a warc at all\n" * 10)
    docs, rejected = read_inputs(tmp_path)
    assert 0 < len(docs) < 20
    reasons = {r.source: r.reason for r in rejected}
    assert set(reasons) == {"cut.warc.gz", "junk.warc"}
    assert all(len(r.splitlines()) == 1 for r in reasons.values())


@pytest.mark.parametrize(
    "payload, kind",
    [
        (b'{"id": "s1", "text": "from a pipe"}\n{"id": "s2", "text": "second"}\n', "jsonl"),
        (gzip.compress(b'{"id": "s1", "text": "from a pipe"}\n'), "jsonl.gz"),
        (b"<html><body><p>hi</p></body></html>", "html"),
        (gzip.compress(b"<html><body><p>hi</p></body></html>"), "html"),
        (b"just some text", "txt"),
    ],
)
def test_stdin_is_sniffed(payload, kind):
    items = list(iter_inputs("-", stdin=io.BytesIO(payload)))
    docs = [d for d in items if isinstance(d, Document)]
    assert docs and len(docs) == len(items)
    if kind.startswith("jsonl"):
        assert docs[0].id == "s1" and docs[0].text == "from a pipe" and docs[0].source == "<stdin>:1"
    elif kind == "html":
        assert docs[0].html and docs[0].source == "<stdin>"
    else:
        assert docs[0].text == "just some text"


def test_empty_stdin_is_rejected():
    (r,) = list(iter_inputs("-", stdin=io.BytesIO(b"")))
    assert r.source == "<stdin>" and "empty" in r.reason


# ---------------------------------------------------------------- the whole run


def build_hostile_tree(root: Path) -> None:
    root.mkdir()
    for i, topic in enumerate(["harbour", "library", "stadium"]):
        (root / f"good{i}.txt").write_text(STORY.replace("bus network", f"{topic} plans") + f" Item {i} " * 30, encoding="utf-8")
    (root / "binary.txt").write_bytes(b"\x00\x01\x02" * 1000)
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_text("   \n\n ", encoding="utf-8")
    with open(root / "huge.txt", "wb") as fh:
        fh.write(b"a" * 50_000_000)
    data = gzip.compress("".join(json.dumps({"id": f"z{i}", "text": f"zeta {i} " * 40}) + "\n" for i in range(100)).encode())
    (root / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (root / "mixed.jsonl").write_text('{"id": "m1", "text": "m one is fine"}\n{oops\n{"id": "m1", "text": "m one is fine"}\n', encoding="utf-8")
    os.mkfifo(root / "pipe.txt")
    os.symlink(".", root / "loop")
    os.symlink("self.txt", root / "self.txt")
    (root / "adversarial.txt").write_text("." * 1_000_000 + "\n" + STORY, encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    build_hostile_tree(base / "in")
    out = base / "out"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "clean", str(base / "in"), "-o", str(out), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    return proc, out, time.perf_counter() - t0


@pytest.mark.slow
def test_cli_hostile_tree(hostile_run):
    proc, out, seconds = hostile_run
    assert proc.returncode == 3, proc.stderr  # documented: finished, some input rejected
    rejected = [json.loads(l) for l in (out / "rejected.jsonl").read_text().splitlines()]
    report = json.loads((out / "report.json").read_text())
    assert report["rejected"] == rejected and report["counts"]["rejected"] == len(rejected)
    by_source = {}
    for r in rejected:
        by_source.setdefault(r["source"], []).append(r)
        assert r["reason"] and "\n" not in r["reason"]
    for name in ["binary.txt", "empty.txt", "blank.txt", "huge.txt", "cut.jsonl.gz", "mixed.jsonl", "pipe.txt", "self.txt"]:
        assert name in by_source, name
    assert sorted(r["line"] for r in by_source["mixed.jsonl"]) == [2, 3]
    doc_ids = {d["id"] for d in read_jsonl_gz(out / "documents.jsonl.gz")}
    assert {"good0", "good1", "good2", "m1", "adversarial"} <= doc_ids
    assert any(i.startswith("z") for i in doc_ids)  # the complete half of the truncated gzip
    corpus_ids = {d["id"] for d in read_jsonl_gz(out / "corpus.jsonl.gz")}
    assert corpus_ids & {"good0", "good1", "good2", "adversarial"} and "m1" in corpus_ids  # one copy of the story cluster
    page = (out / "report.html").read_text(encoding="utf-8")
    for r in rejected:  # every problem is on the page too, with its file and reason
        assert html.escape(r["source"]) in page and html.escape(r["reason"]) in page
    assert seconds < 120


def test_a_cleaner_crash_rejects_one_document_with_a_one_line_reason(monkeypatch):
    from cleaners import textfix

    def crash(text):
        if "poison" in text:
            raise ValueError("bad state\nspanning\nlines")
        return text, []

    monkeypatch.setattr(textfix, "fix_text_explained", crash)
    docs = [Document(id="ok", source="ok.txt", text=STORY), Document(id="bad", source="bad.txt", text="poison " + STORY)]
    res = stages.clean_documents(docs)
    assert isinstance(res[0], Document)
    assert res[1].source == "bad.txt" and res[1].reason == "ValueError in crash: bad state spanning lines"
