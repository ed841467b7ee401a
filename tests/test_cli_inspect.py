"""The CLI as a user meets it: stdin, progress bars with docs/s, `inspect`, --help, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from cleaners.io import read_jsonl_gz
from flows.cli import app
from flows.explain import line_diff

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, stdin: bytes | None = None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=ROOT, input=stdin, capture_output=True, timeout=300, env=env,
    )


@pytest.fixture(scope="module")
def seed_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "out"
    proc = run_cli("clean", str(ROOT / "seeds"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    return out, proc


def test_progress_bars_name_each_phase_with_elapsed_time(seed_out):
    _, proc = seed_out
    err = proc.stderr.decode()
    for phase in ("clean", "repeats", "ids", "finish", "despin", "dedup", "write"):
        assert any(l.strip().startswith(phase) and "0:00:" in l and "eta" in l for l in err.splitlines()), (phase, err)
    assert "1/1 shards" in err and "report.html" in err


def test_stdin_input(tmp_path):
    stories = {
        "p0": "The harbour board approved a new crane terminal on Thursday after a year of public hearings.",
        "q": "A second story about rail freight volumes rising sharply this winter in the northern provinces.",
    }
    payload = "".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in stories.items()).encode()
    out = tmp_path / "out"
    proc = run_cli("clean", "-", "-o", str(out), "--quiet", stdin=payload)
    assert proc.returncode == 0, proc.stderr.decode()
    docs = read_jsonl_gz(out / "documents.jsonl.gz")
    assert {d["id"]: d["text"] for d in docs} == stories and docs[0]["source"] == "<stdin>:1"


def test_stdin_with_a_bad_line_exits_3(tmp_path):
    proc = run_cli("clean", "-", "-o", str(tmp_path / "o"), "--quiet", stdin=b'{"id": "a", "text": "Officials said on Monday that the talks in the capital would resume next week after a short break."}\n{nope\n')
    assert proc.returncode == 3
    (rej,) = [json.loads(l) for l in (tmp_path / "o" / "rejected.jsonl").read_text().splitlines()]
    assert rej == {"source": "<stdin>", "reason": rej["reason"], "line": 2} and "malformed JSON" in rej["reason"]


def test_an_unwritable_output_is_a_usage_error_found_before_the_run(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = run_cli("clean", str(ROOT / "seeds"), "-o", str(blocker / "out"), "--quiet")
    assert proc.returncode == 2
    assert "cannot write to" in proc.stderr.decode() and "Traceback" not in proc.stderr.decode()


def test_usage_error_exits_2():
    assert run_cli("clean", "--no-such-option", "x").returncode == 2


def test_inspect_shows_removed_lines_with_reasons(seed_out):
    out, _ = seed_out
    docs = {d["id"][:3]: d for d in read_jsonl_gz(out / "documents.jsonl.gz")}
    bp = next(p for p in docs["004"]["provenance"] if p["stage"] == "boilerplate")
    proc = run_cli("inspect", str(out), "004", env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    text = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert docs["004"]["id"] in text and "boilerplate" in text and "dedup" in text
    for r in bp["removed"][:5]:
        assert f"- {r['text'][:40]}" in text and f"[{r['reason']}]" in text
    assert docs["004"]["text"].split("\n")[0][:40] in text  # kept text is shown too


def test_inspect_coloured_output_when_forced(seed_out):
    out, _ = seed_out
    proc = run_cli("inspect", str(out), "004", env={"FORCE_COLOR": "1", "COLUMNS": "160", "PATH": "/usr/bin:/bin"})
    assert "\x1b[31m" in proc.stdout.decode()  # removed lines in red


def test_inspect_unknown_id_and_wrong_folder_exit_2(seed_out, tmp_path):
    out, _ = seed_out
    bad = run_cli("inspect", str(out), "no-such-doc")
    assert bad.returncode == 2 and "no document" in bad.stderr.decode()
    assert run_cli("inspect", str(tmp_path), "x").returncode == 2


def test_line_diff_places_removed_lines_among_kept_ones():
    rec = {
        "text": "First body line.\n\nSecond body line.",
        "provenance": [
            {"stage": "boilerplate", "headline": "The Headline", "removed": [
                {"line": 0, "text": "Menu", "reason": "phrase:nav"},
                {"line": 3, "text": "Advertisement", "reason": "phrase:ads"},
                {"line": 6, "text": "© 2024", "reason": "phrase:copyright"},
            ]},
        ],
    }
    rows = [(r.kind, r.text) for r in line_diff(rec)]
    assert rows == [("h", "The Headline"), ("-", "Menu"), (" ", "First body line."), (" ", ""), ("-", "Advertisement"),
                    (" ", "Second body line."), ("-", "© 2024")]


def test_help_explains_every_option_of_every_command():
    cmd = typer.main.get_command(app)
    assert set(cmd.commands) >= {"clean", "run", "inspect"}
    for name, sub in cmd.commands.items():
        assert sub.help, name
        for param in sub.params:
            if param.name == "help":
                continue
            assert getattr(param, "help", None) and len(param.help) > 15, f"{name} {param.name}: no help"
    proc = run_cli("clean", "--help", env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    text = proc.stdout.decode()
    assert proc.returncode == 0 and "standard input" in text and "Exit codes" in text and ".warc" in text
