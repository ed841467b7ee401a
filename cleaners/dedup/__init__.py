"""Near-duplicate clustering of stories: fast datasketch-compatible MinHash, LSH, a persistent index.

:func:`cluster` assigns a cluster label to each text of one batch;
:func:`choose_canonical` picks the copy to keep in each cluster;
:class:`DedupIndex` remembers earlier runs (SQLite band table; or a Redis server for several
writers: :func:`open_index` takes a path or a ``redis://`` URL).

>>> labels = cluster(["the cat sat on the mat today " * 5, "the cat sat on the mat today " * 5, "completely different words about trade"])
>>> labels[0] == labels[1] != labels[2]
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cleaners.dedup.core import (
    DedupConfig,
    Fingerprints,
    cluster,
    cluster_fingerprints,
    containment_from_jaccard,
    fingerprint,
    verify,
)
from cleaners.dedup.batch import Decision, dedup_batch
from cleaners.dedup.index import DedupIndex, IndexConfigError, is_redis_url, open_index
from cleaners.dedup.signature import permutations, poly_hash32
from cleaners.dedup.views import normalize_for_dedup, shingles, spin_proof_view, view_hashes

if TYPE_CHECKING:
    from datasketch import MinHash

__all__ = [
    "DedupConfig", "DedupIndex", "Decision", "dedup_batch", "Fingerprints", "IndexConfigError", "canonical_rank", "choose_canonical",
    "cluster", "cluster_fingerprints", "containment_from_jaccard", "fingerprint", "is_redis_url", "normalize_for_dedup", "open_index",
    "permutations", "poly_hash32", "shingles", "signature", "spin_proof_view", "verify",
]


def signature(text: str, **overrides) -> MinHash:
    """The text-view signature of one text as a datasketch ``MinHash`` (settings ``[dedup]``)."""
    cfg = DedupConfig.from_settings(**overrides)
    perm = permutations(cfg.num_perm, cfg.seed)
    hashes = view_hashes(normalize_for_dedup(text), cfg.shingle, cfg.shingle_size, cfg.hashfunc)
    return perm.to_datasketch(perm.minhash(hashes), hashfunc=poly_hash32 if cfg.hashfunc == "poly" else None)


def canonical_rank(text: str, spin_score: float | None = None, n_metadata: int = 0, date: str | None = None) -> tuple:
    """Sort key: smaller is a better canonical copy (not spun, longer, more metadata, earlier)."""
    spun = 1 if (spin_score or 0.0) >= 0.5 else 0
    return (spun, -len(text), -n_metadata, date or "9999")


def choose_canonical(members: Sequence[int], ranks: Sequence[tuple]) -> int:
    """The member index with the best :func:`canonical_rank` (ties: the first)."""
    return min(members, key=lambda i: (ranks[i], i))
