"""End to end: `wirewash clean seeds -o OUT` in a subprocess, as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaners.io import read_jsonl_gz
from seed_labels import LABELS, chrome_lines, expected_body_lines, output_lines

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("seedrun")
    proc = run_cli("clean", str(ROOT / "seeds"), "-o", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    return out


def test_outputs_exist(seed_run):
    for name in ["documents.jsonl.gz", "corpus.jsonl.gz", "corpus.parquet", "report.json", "rejected.jsonl"]:
        assert (seed_run / name).exists(), name


def test_every_seed_cleaned_with_provenance(seed_run, seeds):
    docs = {d["id"][:3]: d for d in read_jsonl_gz(seed_run / "documents.jsonl.gz")}
    assert sorted(docs) == sorted(seeds)
    for sid, d in docs.items():
        kept = output_lines(text_before_spin_repair(d))
        assert all(" ".join(l.replace("•", " ").split()) in kept for l in expected_body_lines(sid, seeds[sid])), sid
        assert not [c for c in chrome_lines(sid) if c in kept], sid
        assert d["title"] == LABELS[sid]["headline"] or (LABELS[sid]["headline"] is None)
        stages = [p["stage"] for p in d["provenance"]]
        assert stages == ["textfix", "boilerplate", "spin", "spin-corpus", "dedup"]
        assert d["cluster_id"]


def text_before_spin_repair(d: dict) -> str:
    """Undo the spin stages' repairs from the provenance alone (so every change must be listed)."""
    text = d["text"]
    for p in reversed(d["provenance"]):
        if p["stage"] not in ("spin", "spin-corpus"):
            continue
        shift, parts, pos = 0, [], 0
        for r in sorted(p["repairs"], key=lambda r: r["span"][0]):
            at = r["span"][0] + shift
            assert text[at : at + len(r["new"])] == r["new"]
            parts += [text[pos:at], r["old"]]
            pos = at + len(r["new"])
            shift += len(r["new"]) - len(r["old"])
        text = "".join(parts) + text[pos:]
    return text


def test_spun_seed_repaired_and_clean_seeds_untouched(seed_run, seeds):
    docs = {d["id"][:3]: d for d in read_jsonl_gz(seed_run / "documents.jsonl.gz")}
    assert docs["003"]["spin_score"] >= 0.35 and "might maybe maybe well well" not in docs["003"]["text"]
    for sid in ("000", "001", "002", "004"):
        assert not any(p.get("repairs") for p in docs[sid]["provenance"] if p["stage"].startswith("spin")), sid


def test_removed_lines_are_explained(seed_run):
    docs = {d["id"][:3]: d for d in read_jsonl_gz(seed_run / "documents.jsonl.gz")}
    bp = next(p for p in docs["004"]["provenance"] if p["stage"] == "boilerplate")
    reasons = {r["reason"] for r in bp["removed"]}
    assert "template" in reasons and "icon-sprite" in reasons


def test_corpus_and_report_agree(seed_run):
    report = json.loads((seed_run / "report.json").read_text())
    corpus = read_jsonl_gz(seed_run / "corpus.jsonl.gz")
    table = pq.read_table(seed_run / "corpus.parquet")
    assert report["counts"]["read"] == 5 and report["counts"]["rejected"] == 0
    assert report["counts"]["written"] == len(corpus) == table.num_rows
    assert report["counts"]["chrome_lines_removed"] > 20


def test_rejected_input_sets_exit_code_and_rest_is_written(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text((ROOT / "seeds").glob("000_*").__next__().read_text(), encoding="utf-8")
    (src / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli("clean", str(src), "-o", str(out), "--quiet")
    assert proc.returncode == 3
    assert len(read_jsonl_gz(out / "corpus.jsonl.gz")) == 1
    rej = [json.loads(l) for l in (out / "rejected.jsonl").read_text().splitlines()]
    assert rej[0]["source"] == "bad.jsonl" and rej[0]["line"] == 1


def test_clean_path_does_not_import_prefect(tmp_path):
    code = (
        "import sys\nfrom flows.runner import run_pipeline\n"
        f"run_pipeline({str(ROOT / 'seeds')!r}, {str(tmp_path)!r})\n"
        "assert 'prefect' not in sys.modules, 'prefect imported'\n"
        # nor datasketch (it imports scipy: ~0.6 s of every start); its permutations are shipped
        "assert 'datasketch' not in sys.modules and 'scipy' not in sys.modules, 'datasketch imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_help_explains_options():
    proc = run_cli("clean", "--help")
    assert proc.returncode == 0
    assert "--output" in proc.stdout and "--workers" in proc.stdout
