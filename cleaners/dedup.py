"""Near-duplicate clustering of stories with MinHash + LSH (datasketch).

:func:`cluster` assigns a cluster label to each text of one batch;
:func:`choose_canonical` picks the copy to keep in each cluster.

>>> labels = cluster(["the cat sat on the mat today " * 5, "the cat sat on the mat today " * 5, "completely different words about trade"])
>>> labels[0] == labels[1] != labels[2]
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from datasketch import MinHash, MinHashLSH

from cleaners.settings import section

_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalize_for_dedup(text: str) -> str:
    """Lower-case, fold punctuation and whitespace.

    >>> normalize_for_dedup("U.S.-Japan  talks,\\n“tough”")
    'u s japan talks tough'
    """
    return _SPACE.sub(" ", _PUNCT.sub(" ", text.lower())).strip()


def shingles(text: str, kind: str = "char", size: int = 9) -> set[bytes]:
    """Shingles of the normalised text: ``size``-character or ``size``-word windows."""
    norm = normalize_for_dedup(text)
    if kind == "word":
        words = norm.split()
        if len(words) <= size:
            return {" ".join(words).encode()} if words else set()
        return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}
    if len(norm) <= size:
        return {norm.encode()} if norm else set()
    return {norm[i : i + size].encode() for i in range(len(norm) - size + 1)}


def signature(text: str, **overrides) -> MinHash:
    cfg = section("dedup", **overrides)
    m = MinHash(num_perm=cfg["num_perm"], seed=cfg["seed"])
    m.update_batch(list(shingles(text, cfg["shingle"], cfg["shingle_size"])))
    return m


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def cluster(texts: Sequence[str], **overrides) -> list[int]:
    """Cluster label per text: the smallest index of its near-duplicate group."""
    cfg = section("dedup", **overrides)
    sigs = [signature(t, **overrides) for t in texts]
    lsh = MinHashLSH(threshold=cfg["threshold"], num_perm=cfg["num_perm"])
    uf = _UnionFind(len(texts))
    for i, sig in enumerate(sigs):
        if not texts[i].strip():
            continue
        for j in lsh.query(sig):
            if sig.jaccard(sigs[j]) >= cfg["threshold"]:
                uf.union(i, j)
        lsh.insert(i, sig)
    return [uf.find(i) for i in range(len(texts))]


def canonical_rank(text: str, spin_score: float | None = None, n_metadata: int = 0, date: str | None = None) -> tuple:
    """Sort key: smaller is a better canonical copy (not spun, longer, more metadata, earlier)."""
    spun = 1 if (spin_score or 0.0) >= 0.5 else 0
    return (spun, -len(text), -n_metadata, date or "9999")


def choose_canonical(members: Sequence[int], ranks: Sequence[tuple]) -> int:
    """The member index with the best :func:`canonical_rank` (ties: the first)."""
    return min(members, key=lambda i: (ranks[i], i))
