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
    }
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
