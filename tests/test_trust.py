"""Nothing lost: a mistyped path, an OUT that already holds a corpus, one bad field, a file name
that is not UTF-8 or holds markup, a symlink out of the input folder, output permissions.

Each case runs `wirewash clean` as a user does (a subprocess) beside good documents.
"""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaners.io import read_jsonl_gz
from conftest import write_warc

ROOT = Path(__file__).resolve().parents[1]
STORY = (
    "The city council voted on Tuesday to expand the bus network, adding four routes that will "
    "connect the northern suburbs with the hospital district.\n\n"
    "Officials said the new routes would start running in the spring and cost about two million a year."
)
OTHER = (
    "Farmers in the valley reported the earliest cherry harvest in two decades after a warm and dry April.\n\n"
    "The regional growers' association said prices at the wholesale market fell by a fifth within a week."
)


def clean(*args, umask: int | None = None, stdin: bytes | None = None):
    pre = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "clean", *map(str, args)],
        cwd=ROOT, capture_output=True, timeout=300, preexec_fn=pre, input=stdin,
    )


def strict_json(line: bytes):
    """JSON as the RFC has it: NaN and Infinity are not JSON; the bytes must be UTF-8."""
    def refuse(token):
        raise ValueError(f"not JSON: {token}")

    return json.loads(line.decode("utf-8"), parse_constant=refuse)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` but the run lock (which names the last run's pid)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".wirewash.lock"}


@pytest.fixture()
def earlier(tmp_path):
    """An OUT holding the corpus of an earlier run."""
    src = tmp_path / "first"
    src.mkdir()
    (src / "bus.txt").write_text(STORY, encoding="utf-8")
    out = tmp_path / "out"
    proc = clean(src, "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    return out


# ---------------------------------------------------------------- the OUT contract


def test_a_mistyped_input_path_is_a_usage_error_and_out_is_untouched(earlier, tmp_path):
    before = snapshot(earlier)
    proc = clean(tmp_path / "data" / "typo", "-o", earlier)
    assert proc.returncode == 2
    assert b"no such file or directory" in proc.stderr and b"typo" in proc.stderr
    assert snapshot(earlier) == before


def test_a_second_run_into_a_corpus_refuses_without_a_mode(earlier, tmp_path):
    src = tmp_path / "second"
    src.mkdir()
    (src / "cherries.txt").write_text(OTHER, encoding="utf-8")
    before = snapshot(earlier)
    proc = clean(src, "-o", earlier, "-q")
    assert proc.returncode == 2
    assert b"--append" in proc.stderr and b"--overwrite" in proc.stderr
    assert snapshot(earlier) == before
    assert clean(src, "-o", earlier, "-q", "--append", "--overwrite").returncode == 2
    assert snapshot(earlier) == before


def test_append_adds_to_the_corpus_and_every_duplicate_points_at_a_written_document(earlier, tmp_path):
    src = tmp_path / "second"
    src.mkdir()
    (src / "bus.txt").write_text(STORY, encoding="utf-8")  # the same file name and story again
    (src / "bus-copy.txt").write_text(STORY.replace("Tuesday", "Tuesday evening"), encoding="utf-8")
    (src / "cherries.txt").write_text(OTHER, encoding="utf-8")
    proc = clean(src, "-o", earlier, "-q", "--append")
    assert proc.returncode == 0, proc.stderr
    docs = read_jsonl_gz(earlier / "documents.jsonl.gz")
    ids = [d["id"] for d in docs]
    assert len(docs) == 4 and len(set(ids)) == 4  # the earlier document stays; no id is reused
    assert docs[0]["source"] == "bus.txt" and docs[0]["duplicate_of"] is None
    again = next(d for d in docs[1:] if d["source"] == "bus.txt")
    assert again["id"] != docs[0]["id"] and json.loads(again["metadata"])["input_id"] == docs[0]["id"]
    dups = [d for d in docs if d["duplicate_of"]]
    assert {d["source"] for d in dups} == {"bus.txt", "bus-copy.txt"}
    assert all(d["duplicate_of"] in ids for d in dups)
    corpus = read_jsonl_gz(earlier / "corpus.jsonl.gz")
    assert [d["source"] for d in corpus] == ["bus.txt", "cherries.txt"]
    assert pq.read_table(earlier / "corpus.parquet").column("id").to_pylist() == [d["id"] for d in corpus]
    report = json.loads((earlier / "report.json").read_text())
    assert report["earlier"] == {"parts": 1, "corpus_documents": 1, "documents": 1}
    assert sorted(p.name for p in (earlier / "corpus").glob("*.parquet")) == ["part-00000.parquet", "part-00001.parquet"]
    assert report["counts"]["read"] == 3 and report["counts"]["duplicates"] == 2


def test_overwrite_replaces_the_corpus_and_its_index(earlier, tmp_path):
    src = tmp_path / "second"
    src.mkdir()
    (src / "bus-copy.txt").write_text(STORY.replace("Tuesday", "Tuesday evening"), encoding="utf-8")
    proc = clean(src, "-o", earlier, "-q", "--overwrite")
    assert proc.returncode == 0, proc.stderr
    (doc,) = read_jsonl_gz(earlier / "documents.jsonl.gz")
    assert doc["source"] == "bus-copy.txt" and doc["duplicate_of"] is None  # the old index went with the old corpus


def test_an_unwritable_out_is_found_before_cleaning(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "bus.txt").write_text(STORY, encoding="utf-8")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "out"):
        proc = clean(src, "-o", out, "-q")
        assert proc.returncode == 2, proc.stderr
        assert str(blocker).encode() in proc.stderr
    assert blocker.read_text() == "not a folder"


# ---------------------------------------------------------------- one bad field


def _warc(path: Path, records) -> None:
    write_warc(path, [(uri, "200 OK", "text/html; charset=utf-8", body) for uri, body in records])


def _html(text: str) -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    return f"<html><head><title>T</title></head><body><article>{paras}</article></body></html>".encode()


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    base = tmp_path_factory.mktemp("poisoned")
    src = base / "in"
    src.mkdir()
    lines = [
        {"id": "good", "text": STORY, "url": "https://www.example.com/bus"},
        {"id": "bad-url", "text": OTHER, "url": "http://[oops/a"},
        {"id": "surrogate", "text": STORY.replace("bus", "tram") + " \udcff", "url": "https://example.org/\udcff",
         "title": "T\ud800", "author": "A\udcff"},
        {"id": "nan", "text": OTHER.replace("cherry", "apricot"), "rating": float("nan"), "views": float("inf")},
    ]
    (src / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n", encoding="utf-8")
    _warc(src / "crawl.warc.gz", [("http://[::1/x", _html(STORY.replace("council", "assembly")))])
    with open(os.path.join(os.fsencode(src), b"caf\xe9-story.txt"), "wb") as fh:  # a name that is not UTF-8
        fh.write(OTHER.replace("valley", "delta").encode())
    (src / "bad[").mkdir()
    (src / "bad[" / "bold]name.txt").write_bytes(b"")  # rejected, and its path "bad[/bold]name.txt" is rich markup
    (src / "esc\x1b[31mred.txt").write_bytes(b"")  # rejected, and its name holds an escape sequence
    outside = base / "secret.txt"
    outside.write_text(STORY.replace("bus", "ferry"), encoding="utf-8")
    os.symlink(outside, src / "link.txt")
    out = base / "out"
    proc = clean(src, "-o", out)  # not quiet: the rejected names are printed
    return proc, out


def test_bad_fields_never_abort_the_run(poisoned):
    proc, out = poisoned
    assert proc.returncode == 3, proc.stderr  # finished; some input (empty files, the symlink) rejected
    docs = {d["id"]: d for d in map(strict_json, gzip.decompress((out / "documents.jsonl.gz").read_bytes()).splitlines())}
    assert {"good", "bad-url", "surrogate", "nan"} <= set(docs)
    assert len(docs) == 6  # and the WARC record and the file with a non-UTF-8 name
    assert docs["bad-url"]["url"] is None and json.loads(docs["bad-url"]["metadata"])["invalid_url"] == "http://[oops/a"
    assert "\ufffd" in docs["surrogate"]["text"] and json.loads(docs["surrogate"]["metadata"])["sanitised"]
    assert json.loads(docs["nan"]["metadata"])["rating"] is None and json.loads(docs["nan"]["metadata"])["views"] is None
    warc = next(d for d in docs.values() if d["source"].startswith("crawl.warc.gz"))
    assert warc["url"] is None and json.loads(warc["metadata"])["invalid_url"] == "http://[::1/x"
    named = next(d for d in docs.values() if d["source"].startswith("caf"))
    assert named["source"] == "caf\\xe9-story.txt"  # the bytes stay visible, the output stays UTF-8
    corpus = [strict_json(line) for line in gzip.decompress((out / "corpus.jsonl.gz").read_bytes()).splitlines()]
    assert pq.read_table(out / "corpus.parquet").column("id").to_pylist() == [d["id"] for d in corpus]
    json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (out / "report.html").read_text(encoding="utf-8")


def test_names_with_markup_or_escapes_are_printed_plainly(poisoned):
    proc, out = poisoned
    assert b"MarkupError" not in proc.stderr
    assert b"\x1b[31m" not in proc.stderr  # the name's escape sequence never reaches the terminal
    rejected = [strict_json(l) for l in (out / "rejected.jsonl").read_bytes().splitlines()]
    sources = {r["source"] for r in rejected}
    assert "bad[/bold]name.txt" in sources and "esc\x1b[31mred.txt" in sources  # the file keeps its real name
    text = proc.stderr.decode("utf-8", "replace")
    assert "bad[/bold]name.txt" in text and "esc\\x1b[31mred.txt" in text


def test_a_symlink_out_of_the_input_folder_is_reported_not_read(poisoned):
    proc, out = poisoned
    rejected = [strict_json(l) for l in (out / "rejected.jsonl").read_bytes().splitlines()]
    (link,) = [r for r in rejected if r["source"] == "link.txt"]
    assert "outside the input folder" in link["reason"] and "secret.txt" in link["reason"]
    assert not any("ferry" in d["text"] for d in read_jsonl_gz(out / "documents.jsonl.gz"))


# ---------------------------------------------------------------- permissions


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_outputs_get_the_mode_an_ordinary_write_gives(tmp_path, umask, mode):
    src = tmp_path / "in"
    src.mkdir()
    (src / "bus.txt").write_text(STORY, encoding="utf-8")
    out = tmp_path / "out"
    assert clean(src, "-o", out, "-q", umask=umask).returncode == 0
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith("dedup.sqlite-")]
    assert {p.name for p in files} >= {"documents.jsonl.gz", "corpus.jsonl.gz", "corpus.parquet", "report.json", "report.html"}
    wrong = {p.name: oct(p.stat().st_mode & 0o777) for p in files if p.stat().st_mode & 0o777 != mode}
    assert not wrong
