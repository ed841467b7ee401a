"""Dedup fingerprints computed per shard (on the workers) and joined on the driver."""

import dataclasses
import random

import numpy as np

from cleaners.dedup import DedupConfig, canonical_rank, dedup_batch, fingerprint
from flows.inbox import join_fingerprints


def _texts(n=12, seed=3):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(400)]
    texts = [" ".join(rng.choice(words) for _ in range(120)) for _ in range(n)]
    texts[5] = texts[2] + " and one more sentence at the end."  # a near duplicate
    return texts


def test_joined_shard_fingerprints_equal_the_batch_fingerprint_and_decisions():
    cfg = DedupConfig.from_settings()
    texts = _texts()
    whole = fingerprint(texts, cfg)
    parts = [(cfg, fingerprint(texts[a:b], cfg)) for a, b in ((0, 4), (4, 4), (4, 9), (9, 12))]  # one empty shard
    joined_cfg, joined = join_fingerprints(parts)
    assert joined_cfg == cfg
    for f in dataclasses.fields(whole):
        assert np.array_equal(getattr(joined, f.name), getattr(whole, f.name)), f.name
    ids, ranks = [f"d{i}" for i in range(len(texts))], [canonical_rank(t) for t in texts]
    assert dedup_batch(ids, texts, ranks, cfg=cfg, precomputed=(cfg, joined)) == dedup_batch(ids, texts, ranks, cfg=cfg)
    dec = dedup_batch(ids, texts, ranks, cfg=cfg)
    assert dec[2].cluster_id == dec[5].cluster_id and {dec[2].duplicate_of, dec[5].duplicate_of} == {None, dec[2].cluster_id}


def test_precomputed_fingerprints_are_used_only_under_the_same_config():
    cfg = DedupConfig.from_settings()
    texts = _texts()
    ids, ranks = [f"d{i}" for i in range(len(texts))], [canonical_rank(t) for t in texts]
    fake = fingerprint(["same words for every document here"] * len(texts), cfg)  # every doc looks identical
    normal = dedup_batch(ids, texts, ranks, cfg=cfg)
    used = dedup_batch(ids, texts, ranks, cfg=cfg, precomputed=(cfg, fake))
    assert sum(d.duplicate_of is None for d in used) == 1 < sum(d.duplicate_of is None for d in normal)
    other = DedupConfig.from_settings(seed=cfg.seed + 1)
    assert dedup_batch(ids, texts, ranks, cfg=cfg, precomputed=(other, fake)) == normal
    assert join_fingerprints([(cfg, fake), (other, fake)]) is None
