"""What CLI users expect: --version, -o - on stdout, --config with validation, skipped files listed."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = (
    "<html><head><title>Rail strike ends</title></head><body><nav>Home | News | Sport</nav><article>"
    "<p>Rail workers ended a two-day strike on Friday after the operator agreed to review night-shift rosters and to "
    "hire forty more drivers before the summer timetable starts, union officials said.</p>"
    "<p>Trains will run normally from Saturday morning, the operator said in a statement.</p></article></body></html>"
)


def cli(*args, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "flows.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          input=stdin, timeout=300)


def _flat(err: bytes) -> bytes:
    """stderr with rich's line wrapping undone."""
    return b" ".join(err.split())


def test_version():
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.decode().startswith("wirewash ")


def test_dash_o_streams_the_corpus_as_json_lines_on_stdout(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(PAGE)
    proc = cli("clean", page, "-o", "-")
    assert proc.returncode == 0, proc.stderr
    (rec,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rec["text"].startswith("Rail workers ended") and "Home | News" not in rec["text"]
    assert b"'read': 1" in proc.stderr  # the counts go to stderr, never into the stream
    assert not (ROOT / "-").exists()
    proc = cli("clean", "-", "-o", "-", stdin=PAGE.encode())  # stdin to stdout, like trafilatura < page.html
    assert proc.returncode == 0 and json.loads(proc.stdout.splitlines()[0])["text"].startswith("Rail workers")


def _page_folder(tmp_path: Path) -> Path:
    """A folder holding one news page."""
    page = tmp_path / "in" / "page.html"
    page.parent.mkdir()
    page.write_text(PAGE)
    return page


def test_config_overrides_settings_and_refuses_unknown_keys(tmp_path):
    page = _page_folder(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("[dedup]\nnum_prem = 64\n")
    proc = cli("clean", page.parent, "-o", tmp_path / "out", "--config", bad)
    assert proc.returncode == 2 and b"unknown setting dedup.num_prem" in _flat(proc.stderr)
    assert not (tmp_path / "out").exists()
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[pipeline]\nshard_bytes = "big"\n')
    proc = cli("clean", page.parent, "-o", tmp_path / "out", "--config", wrong)
    assert proc.returncode == 2 and b"pipeline.shard_bytes must be int" in _flat(proc.stderr)
    good = tmp_path / "good.toml"
    good.write_text("[input]\nmax_document_bytes = 100\n")  # the page is bigger: rejected by this run's setting
    proc = cli("clean", page.parent, "-o", tmp_path / "out", "-q", "--config", good)
    assert proc.returncode == 3
    (r,) = [json.loads(l) for l in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert "max_document_bytes" in r["reason"]


def test_files_no_reader_takes_are_listed(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "page.html").write_text(PAGE)
    (src / "notes.docx").write_bytes(b"PK\x03\x04")
    (src / "table.csv").write_text("a,b\n")
    proc = cli("clean", src, "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["skipped"]["count"] == 2 and report["skipped"]["files"] == ["notes.docx", "table.csv"]
    assert b"skipped" in proc.stderr and b"notes.docx" in _flat(proc.stderr)
    assert "notes.docx" in (tmp_path / "out" / "report.html").read_text()


def test_inspect_reads_the_parts_when_there_are_no_single_file_views(tmp_path):
    page = _page_folder(tmp_path)
    cfg = tmp_path / "parts.toml"
    cfg.write_text("[pipeline]\nsingle_file_views = false\n")
    out = tmp_path / "out"
    assert cli("clean", page.parent, "-o", out, "-q", "--config", cfg).returncode == 0
    assert not (out / "documents.jsonl.gz").exists() and (out / "documents" / "part-00000.jsonl.gz").exists()
    proc = cli("inspect", out, "page")
    assert proc.returncode == 0 and b"page" in proc.stdout
