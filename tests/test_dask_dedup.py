"""Dask banding dedup finds the same clusters as datasketch's in-memory MinHashLSH (char view)."""

import json
from pathlib import Path

import numpy as np
import pytest

from cleaners import dedup
from cleaners.dedup.core import UnionFind
from cleaners.settings import section
from flows import dask_dedup
from inbox_scenario import drop_tail, restyle, seed_texts

SYNTH = Path(__file__).resolve().parents[2] / "shared" / "bench" / "dedup" / "synth_v1.jsonl"


def _texts() -> list[str]:
    out = []
    for text in seed_texts().values():
        out += [text, drop_tail(text, 0.1), restyle(text), drop_tail(text, 0.5), restyle(drop_tail(text, 0.3))]
    return out


def _partition(labels) -> set[frozenset]:
    groups: dict = {}
    for i, lab in labels:
        groups.setdefault(lab, set()).add(i)
    return {frozenset(g) for g in groups.values()}


def _minhashlsh_clusters(sigs) -> list[int]:
    """The in-memory reference: datasketch MinHashLSH candidates, estimated Jaccard check, components."""
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    threshold = section("dedup")["threshold"]
    num_perm = sigs.shape[1]
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    mh = [LeanMinHash(MinHash(num_perm=num_perm, hashvalues=row, scheme="affine32")) for row in sigs]
    uf = UnionFind(len(mh))
    for i, m in enumerate(mh):
        for j in lsh.query(m):
            if float((sigs[i] == sigs[j]).mean()) >= threshold:
                uf.union(i, j)
        lsh.insert(i, m)
    return [uf.find(i) for i in range(len(mh))]


def _check_same_as_in_memory(texts, tmp_path):
    ids = [f"d{i:04d}" for i in range(len(texts))]
    sigs = dask_dedup.signatures(texts)
    labels, joined = dask_dedup.cluster_with_history(ids, sigs, dask_dedup.BandHistory(tmp_path / "bands"), [])
    assert joined == []
    expected = _partition(enumerate(_minhashlsh_clusters(sigs)))
    got = _partition((ids.index(d), lab) for d, lab in labels.items())
    assert got == expected
    return expected


def test_banding_shuffle_matches_minhashlsh(tmp_path):
    expected = _check_same_as_in_memory(_texts(), tmp_path)
    assert any(len(g) > 1 for g in expected) and len(expected) > 1  # the check is not trivial


@pytest.mark.skipif(not SYNTH.exists(), reason="shared dedup benchmark not present")
def test_banding_shuffle_matches_minhashlsh_on_synth(tmp_path):
    texts = [json.loads(l)["text"] for l in SYNTH.read_text(encoding="utf-8").splitlines()]
    _check_same_as_in_memory(texts, tmp_path)


def test_new_batch_joins_band_history_of_committed_batches_only(tmp_path):
    texts = _texts()
    old_idx = list(range(0, len(texts), 5))  # the five originals form the corpus
    new_idx = [i for i in range(len(texts)) if i not in old_idx]
    history = dask_dedup.BandHistory(tmp_path / "bands")
    history.append("b1", [f"old{i}" for i in old_idx], dask_dedup.signatures([texts[i] for i in old_idx]))
    # an uncommitted batch's rows are on disk too (a crash before commit): never read
    history.append("b2", [f"ghost{i}" for i in new_idx], dask_dedup.signatures([texts[i] for i in new_idx]))
    assert sorted(p.name for p in (tmp_path / "bands").iterdir())[:2] == ["band=0", "band=1"]
    new_ids = [f"new{i}" for i in new_idx]
    labels, joined = dask_dedup.cluster_with_history(new_ids, dask_dedup.signatures([texts[i] for i in new_idx]), history, ["b1"])
    assert not any(d.startswith("ghost") for d in labels)
    # same clusters as clustering corpus + new in memory, restricted to new docs and the corpus docs they join
    order = old_idx + new_idx
    names = [f"old{i}" for i in old_idx] + new_ids
    full = dedup.cluster([texts[i] for i in order])
    expected = _partition((names[k], lab) for k, lab in enumerate(full) if names[k] in labels)
    assert _partition(labels.items()) == expected
    assert joined and all(d.startswith("old") for d in joined)


def test_band_rows_one_row_per_band_and_doc():
    sigs = dask_dedup.signatures(["some text here about trade", "other words entirely"])
    rows = dask_dedup.band_rows(["a", "b"], sigs)
    b, r = dask_dedup.lsh_params()
    assert len(rows) == 2 * b and set(rows.band) == set(range(b))
    assert rows.bucket.dtype == np.int64
