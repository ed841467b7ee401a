"""Smoke test of bench/extraction.py on a few benchmark pages (skipped without the shared data)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT.parent / "shared" / "bench" / "extraction"

pytestmark = pytest.mark.skipif(not (DATASET / "ground-truth.json").exists(), reason="shared benchmark data absent")


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "bench"))
    import extraction

    return extraction


def test_runner_prints_every_row_and_beats_no_cleaning(bench):
    lines: list[str] = []
    rows = bench.run(DATASET, limit=8, cv=False, n_bootstrap=5, out=lines.append)
    assert set(rows) == {
        "text: no cleaning",
        "text: lines of 20+ words",
        "text: strip_boilerplate (shipped model)",
        "html: trafilatura precision, no comments",
        "html: html_to_text",
        "html: trafilatura default",
    }
    assert all(0 <= m["no_body"] <= 8 for m in rows.values())
    assert rows["text: no cleaning"]["no_body"] == 0  # the uncleaned dump holds every body
    assert all(0.0 <= m["f1"] <= 1.0 for m in rows.values())
    assert rows["text: strip_boilerplate (shipped model)"]["f1"] > rows["text: no cleaning"]["f1"]
    assert rows["html: html_to_text"]["seconds"] > 0
    assert any("x trafilatura's" in l for l in lines)
    assert any(l.startswith("pages=8") for l in lines)


def test_held_out_predictions_cover_every_page(bench):
    import fit_boilerplate

    pages = fit_boilerplate.load_pages(DATASET)[:10]
    folds = fit_boilerplate.domain_folds(pages)
    # pages of one domain never straddle folds
    by_domain: dict[str, set[int]] = {}
    for p, f in zip(pages, folds):
        by_domain.setdefault(p.domain, set()).add(f)
    assert all(len(v) == 1 for v in by_domain.values())
    pred = fit_boilerplate.cross_validate(pages, k=3)
    assert set(pred) == {p.id for p in pages}


def test_no_body_counts_pages_that_keep_none_of_their_body(bench):
    sys.path.insert(0, str(DATASET))
    import score

    truth = {"a": "one two three four five six", "b": "seven eight nine ten eleven", "c": ""}
    pred = {"a": "one two three four", "b": "nothing of it here at all"}
    assert bench.no_body(truth, pred, score) == 1  # "b"; "c" has no body to keep
