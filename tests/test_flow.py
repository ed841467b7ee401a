"""The Prefect flow writes the same documents as the direct CLI path."""

import pytest

from cleaners.io import read_jsonl_gz
from flows.runner import run_pipeline

pytestmark = pytest.mark.prefect


def _strip_volatile(recs):
    return sorted((r["id"], r["text"], r["title"], r["cluster_id"], r["duplicate_of"]) for r in recs)


def test_flow_matches_direct_runner(prefect_harness, tmp_path, seeds):
    from flows.clean_corpus import clean_corpus
    from conftest import SEEDS

    flow_out, direct_out = tmp_path / "flow", tmp_path / "direct"
    report = clean_corpus(str(SEEDS), str(flow_out))
    run_pipeline(SEEDS, direct_out)
    assert report["counts"]["read"] == len(seeds)
    a = read_jsonl_gz(flow_out / "documents.jsonl.gz")
    b = read_jsonl_gz(direct_out / "documents.jsonl.gz")
    assert _strip_volatile(a) == _strip_volatile(b)
    assert [r["provenance"] for r in a] == [r["provenance"] for r in b]
