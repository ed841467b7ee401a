"""Fingerprints, verification of candidate pairs, and batch clustering.

A document's :class:`Fingerprints` row holds the MinHash signatures of three
views (the text view, the spin-proof view, see :mod:`cleaners.dedup.views`, and
the opening characters) and the sizes of the first two shingle sets. Candidate
pairs share an LSH band in any view: ``datasketch.MinHashLSH`` with explicit
bands x rows (a view with a single band is grouped by its key, which
MinHashLSH does not support). Each candidate is verified before it joins a
cluster (:func:`verify`):

* ``near-duplicate``: estimated Jaccard of the text view >= ``threshold``;
* ``shortened copy``: estimated containment of the smaller document in the
  larger one >= ``containment`` (a prefix or subset of a longer story);
* ``spun copy``: estimated Jaccard of the spin-proof view >= ``spin_threshold``.

A third, candidates-only view, the opening ``head_chars`` of the text, finds
shortened copies (wire stories are cut from the bottom), whose Jaccard with
the full story is too low for the text-view bands.

Clusters are the connected components of verified pairs, found without listing the pairs
(:func:`cluster_fingerprints`): documents arrive in order, and each is verified against the
clusters already present in its buckets, a few members of each, so a cluster of N copies
costs O(N) verifications, not the N^2/2 pairs its shared buckets hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from cleaners.dedup.signature import SCHEME, permutations
from cleaners.dedup.views import normalize_for_dedup, spin_proof_view, view_signatures
from cleaners.settings import section


@dataclass(frozen=True)
class DedupConfig:
    """Everything that fixes signatures and band keys (stored with an index; never mixed)."""

    num_perm: int
    seed: int
    shingle: str
    shingle_size: int
    hashfunc: str
    bands: int
    rows: int
    spin_num_perm: int
    spin_shingle_size: int
    spin_bands: int
    spin_rows: int
    threshold: float
    containment: float
    containment_min_shingles: int
    containment_z: float
    containment_min_ratio: float
    spin_threshold: float
    spin_min_shingles: int
    head_chars: int
    head_bands: int
    head_rows: int
    scheme: str = SCHEME
    # bounds of the bucket clustering (not part of the signatures; see cluster_fingerprints)
    bucket_members: int = 32
    bucket_clusters: int = 64
    index_bucket_docs: int = 64

    @classmethod
    def from_settings(cls, **overrides: Any) -> "DedupConfig":
        cfg = section("dedup", **overrides)
        return cls(**{f.name: cfg[f.name] for f in fields(cls) if f.name in cfg})

    def identity(self) -> dict[str, Any]:
        """The fields an index must agree on (the verification thresholds may differ)."""
        keys = ("scheme", "num_perm", "seed", "shingle", "shingle_size", "hashfunc", "bands", "rows",
                "spin_num_perm", "spin_shingle_size", "spin_bands", "spin_rows",
                "head_chars", "head_bands", "head_rows")
        return {k: getattr(self, k) for k in keys}

    @property
    def head_num_perm(self) -> int:
        """Signature width of the opening view (one value even without head bands)."""
        return max(1, self.head_bands * self.head_rows)

    def signing_keys(self) -> list[tuple[int, int]]:
        """``(num_perm, seed)`` of each view's signatures (text, spin-proof, opening), as
        :func:`fingerprint` signs them: the permutations ``cleaners/data/minhash_permutations.json``
        ships (``scripts/make_minhash_permutations.py``)."""
        return sorted({(self.num_perm, self.seed), (self.spin_num_perm, self.seed), (self.head_num_perm, self.seed)})

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm or self.spin_bands * self.spin_rows > self.spin_num_perm:
            raise ValueError("bands x rows must not exceed the number of permutations")


@dataclass
class Fingerprints:
    """Per-document signatures and band keys for a batch (row i = document i)."""

    sig: np.ndarray  # (n, num_perm) uint32, text view
    size: np.ndarray  # (n,) distinct text-view shingles
    spin: np.ndarray  # (n, spin_num_perm) uint32, spin-proof view
    spin_size: np.ndarray  # (n,)
    empty: np.ndarray  # (n,) bool: nothing to compare
    head: np.ndarray  # (n, head_bands * head_rows) uint32, the opening `head_chars` (candidates only)

    def __len__(self) -> int:
        return len(self.size)

    def take(self, rows: Sequence[int]) -> "Fingerprints":
        """The fingerprints of the given rows only."""
        idx = np.asarray(rows, dtype=np.intp)
        return Fingerprints(self.sig[idx], self.size[idx], self.spin[idx], self.spin_size[idx], self.empty[idx],
                            self.head[idx])

    def keys(self, cfg: DedupConfig) -> np.ndarray:
        """(n, bands + spin_bands + head_bands) int64 band keys: a signed 24-bit fold of each band's values.

        (24 bits keep an index row at ~14 bytes; a chance collision only adds a candidate,
        which verification then rejects.)
        """
        parts = [_band_keys(self.sig, cfg.bands, cfg.rows), _band_keys(self.spin, cfg.spin_bands, cfg.spin_rows),
                 _band_keys(self.head, cfg.head_bands, cfg.head_rows)]
        return np.concatenate(parts, axis=1)


def _band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    n = sig.shape[0]
    x = sig[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    h = np.zeros((n, bands), dtype=np.uint64)
    for r in range(rows):
        h = (h ^ x[:, :, r]) * np.uint64(0x100000001B3)
        h ^= h >> np.uint64(29)
    return ((h >> np.uint64(40)) & np.uint64(0xFFFFFF)).astype(np.int64) - (1 << 23)  # SQLite stores it in 3 bytes


def fingerprint(texts: Sequence[str], cfg: DedupConfig, chunk: int = 1024) -> Fingerprints:
    """Signatures of the three views for every text (vectorised hashing; ``chunk`` texts at a time bound memory)."""
    n = len(texts)
    head_perm = cfg.head_num_perm
    fp = Fingerprints(np.empty((n, cfg.num_perm), np.uint32), np.empty(n, np.int64),
                      np.empty((n, cfg.spin_num_perm), np.uint32), np.empty(n, np.int64), np.empty(n, bool),
                      np.empty((n, head_perm), np.uint32))
    for lo in range(0, n, chunk):
        part = list(texts[lo : lo + chunk])
        hi = lo + len(part)
        norms = [normalize_for_dedup(t) for t in part]
        view_signatures(norms, cfg.shingle, cfg.shingle_size, cfg.num_perm, cfg.seed, cfg.hashfunc,
                        out=fp.sig[lo:hi], sizes=fp.size[lo:hi])
        view_signatures(norms, cfg.shingle, cfg.shingle_size, head_perm, cfg.seed, cfg.hashfunc, limit=cfg.head_chars,
                        out=fp.head[lo:hi])
        fp.empty[lo:hi] = [not t for t in norms]
        del norms
        spin = [spin_proof_view(t) for t in part]
        view_signatures(spin, "word", cfg.spin_shingle_size, cfg.spin_num_perm, cfg.seed, cfg.hashfunc,
                        out=fp.spin[lo:hi], sizes=fp.spin_size[lo:hi])
    return fp


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def containment_from_jaccard(j: float, size_a: int, size_b: int) -> float:
    """Estimated |A & B| / min(|A|, |B|) from Jaccard and the two set sizes.

    >>> round(containment_from_jaccard(0.3, 300, 1000), 2)   # A is a 30 % prefix of B
    1.0
    """
    if j <= 0 or min(size_a, size_b) == 0:
        return 0.0
    inter = j * (size_a + size_b) / (1.0 + j)
    return min(1.0, inter / min(size_a, size_b))


def verify(cfg: DedupConfig, j: float, size_a: int, size_b: int, spin_j: float, spin_a: int, spin_b: int,
           j_se: float | None = None, spin_se: float | None = None) -> str | None:
    """The reason two documents are copies of one story, or ``None``.

    Against the index, signatures are b-bit (a few low bits of each value, which
    agree by chance), so the Jaccard estimates are noisier: the containment and
    spin-proof rules then use the lower bounds ``j - containment_z * j_se`` and
    ``spin_j - containment_z * spin_se`` (the estimates' standard errors).
    Full-width MinHash values have no chance agreement and need no bound.
    """
    if j >= cfg.threshold:
        return f"near-duplicate (estimated jaccard {j:.2f})"
    small, large = sorted((size_a, size_b))
    if small >= cfg.containment_min_shingles and small >= cfg.containment_min_ratio * large:
        c = containment_from_jaccard(j - cfg.containment_z * (j_se or 0.0), size_a, size_b)
        if c >= cfg.containment:
            return f"shortened copy (estimated containment {c:.2f})"
    if min(spin_a, spin_b) >= cfg.spin_min_shingles and spin_j - cfg.containment_z * (spin_se or 0.0) >= cfg.spin_threshold:
        return f"spun copy (spin-proof view jaccard {spin_j:.2f})"
    return None


def pair_agreements(a: Fingerprints, b: Fingerprints, view: str = "sig") -> np.ndarray:
    """For each row j, how many MinHash values of ``view`` (``sig`` or ``spin``) rows ``a[j]``
    and ``b[j]`` share: over the view's width, :func:`jaccard` of the pair, for many pairs at once.

    >>> x = Fingerprints(np.array([[1, 2, 3, 4], [5, 6, 7, 8]], np.uint32), np.array([9, 9]), np.zeros((2, 2), np.uint32),
    ...                  np.array([0, 0]), np.array([False, False]), np.zeros((2, 1), np.uint32))
    >>> pair_agreements(x, x.take([1, 1])).tolist()
    [0, 4]
    """
    return np.count_nonzero(getattr(a, view) == getattr(b, view), axis=1)


def verify_pair(fp: Fingerprints, i: int, k: int, cfg: DedupConfig) -> str | None:
    if fp.empty[i] or fp.empty[k]:
        return None
    return verify(cfg, jaccard(fp.sig[i], fp.sig[k]), int(fp.size[i]), int(fp.size[k]),
                  jaccard(fp.spin[i], fp.spin[k]), int(fp.spin_size[i]), int(fp.spin_size[k]))


class UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def candidate_pairs(fp: Fingerprints, cfg: DedupConfig) -> set[tuple[int, int]]:
    """Pairs (i < k) that share a band in either view, via ``datasketch.MinHashLSH``.

    Every pair of every bucket: quadratic in a bucket's size (8,000 copies of one story are
    32 million pairs). The reference that :func:`cluster_fingerprints` agrees with (tests and
    ``bench/hostile_scaling.py``); the pipeline does not list pairs.
    """
    pairs: set[tuple[int, int]] = set()
    views = ((fp.sig, cfg.num_perm, cfg.bands, cfg.rows), (fp.spin, cfg.spin_num_perm, cfg.spin_bands, cfg.spin_rows),
             (fp.head, cfg.head_bands * cfg.head_rows, cfg.head_bands, cfg.head_rows))
    for sigs, num_perm, bands, rows in views:
        if bands == 0:
            continue
        if bands == 1:  # MinHashLSH needs two bands or more: group by the one band's key instead
            buckets: dict[int, list[int]] = {}
            for i, key in enumerate(_band_keys(sigs, 1, rows)[:, 0].tolist()):
                if not fp.empty[i]:
                    buckets.setdefault(key, []).append(i)
            pairs.update((a, b) for group in buckets.values() for x, a in enumerate(group) for b in group[x + 1 :])
            continue
        from datasketch import MinHashLSH  # (the reference only: importing datasketch imports scipy)

        perm = permutations(num_perm, cfg.seed)
        lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
        with lsh.insertion_session() as session:
            for i in range(len(fp)):
                if not fp.empty[i]:
                    session.insert(i, perm.to_datasketch(sigs[i], lean=True), check_duplication=False)
        for i in range(len(fp)):
            if fp.empty[i]:
                continue
            for k in lsh.query(perm.to_datasketch(sigs[i], lean=True)):
                if k > i:
                    pairs.add((i, k))
    return pairs


def cluster_pairs_reference(fp: Fingerprints, cfg: DedupConfig) -> tuple[list[int], dict[tuple[int, int], str]]:
    """Connected components of verified :func:`candidate_pairs` (quadratic in a bucket: tests only)."""
    uf = UnionFind(len(fp))
    reasons: dict[tuple[int, int], str] = {}
    for i, k in sorted(candidate_pairs(fp, cfg)):
        if uf.find(i) == uf.find(k):
            continue
        why = verify_pair(fp, i, k, cfg)
        if why:
            uf.union(i, k)
            reasons[(i, k)] = why
    return [uf.find(i) for i in range(len(fp))], reasons


def bucket_keys(fp: Fingerprints, cfg: DedupConfig) -> list[list]:
    """Per view band, every document's bucket: the band's values themselves (as
    ``datasketch.MinHashLSH`` buckets them), or the folded :func:`_band_keys` for a view of one
    band (as :func:`candidate_pairs` groups it)."""
    out: list[list] = []
    views = ((fp.sig, cfg.bands, cfg.rows), (fp.spin, cfg.spin_bands, cfg.spin_rows),
             (fp.head, cfg.head_bands, cfg.head_rows))
    for sigs, bands, rows in views:
        if bands == 1:
            out.append(_band_keys(sigs, 1, rows)[:, 0].tolist())
            continue
        for b in range(bands):
            band = np.ascontiguousarray(sigs[:, b * rows : (b + 1) * rows])
            out.append(band.view(f"V{band.itemsize * rows}").ravel().tolist())
    return out


@dataclass
class ClusterStats:
    """What :func:`cluster_fingerprints` did: verifications made, and how often a bound cut the work."""

    verified: int = 0  # candidate checks (document against one member)
    members_dropped: int = 0  # members let go from a bucket: its cluster there had bucket_members
    clusters_dropped: int = 0  # documents not kept in a bucket that already held bucket_clusters clusters


def cluster_fingerprints(fp: Fingerprints, cfg: DedupConfig,
                         stats: ClusterStats | None = None) -> tuple[list[int], dict[tuple[int, int], str]]:
    """Connected components of verified candidate pairs, and why each merging pair matched.

    Candidates share an LSH bucket (:func:`bucket_keys`), but no pair is listed: documents
    arrive in order, and each bucket keeps, per cluster present in it, up to ``bucket_members``
    members (beyond that, the first half and the latest half: a story that drifts copy by copy
    still meets its recent copies). A new document gathers the clusters of its buckets and is
    verified against their members, cluster by cluster, until one member matches (then it
    joins that cluster; a document may join several, merging them). A pair whose documents
    are already in one cluster is never checked, and a copy of a story matches the first
    member it is checked against: N copies cost O(N) checks (all pairs of their buckets: N^2/2).

    Below the bounds this finds exactly the clusters of :func:`cluster_pairs_reference` (every
    candidate pair is checked unless its documents were already connected). The bounds keep a
    pathological batch linear: ``bucket_members`` (a cluster larger than that in one bucket
    is matched against its first and latest members there), ``bucket_clusters`` (a bucket that holds that
    many clusters that never matched each other, say many pages opening with one site's
    chrome, takes no more; a later document is still checked against the ones it holds).
    ``stats`` counts what the bounds left out.
    """
    stats = stats if stats is not None else ClusterStats()
    n = len(fp)
    uf = UnionFind(n)
    find = uf.find
    reasons: dict[tuple[int, int], str] = {}
    keys = bucket_keys(fp, cfg)
    # per view band, bucket key -> {cluster root: members}, or just the member of a bucket of one
    # (most buckets: an int instead of a dict and a list keeps memory near MinHashLSH's)
    tables: list[dict[object, int | dict[int, list[int]]]] = [{} for _ in keys]
    max_members, max_clusters = cfg.bucket_members, cfg.bucket_clusters
    for i in range(n):
        if fp.empty[i]:
            continue
        mine = []
        found: dict[int, set[int]] = {}  # cluster root -> its members in i's buckets
        for table, column in zip(tables, keys):
            key = column[i]
            bucket = table.get(key)
            mine.append((table, key))
            if bucket is None:
                continue
            if type(bucket) is int:
                bucket = table[key] = {find(bucket): [bucket]}
            else:
                _rekey(bucket, find, max_members, stats)
            for root, members in bucket.items():
                found.setdefault(root, set()).update(members)
        for root in sorted(found):
            if find(root) == find(i):  # i joined a cluster that has merged with this one
                continue
            members = sorted(found[root])
            m, why = _first_match(fp, i, members, cfg)
            stats.verified += len(members)
            if why is not None:
                uf.union(i, m)
                reasons[(m, i)] = why
        root = find(i)
        for table, key in mine:
            bucket = table.get(key)
            if bucket is None:
                table[key] = i
                continue
            _rekey(bucket, find, max_members, stats)
            members = bucket.get(root)
            if members is None:
                if len(bucket) >= max_clusters:
                    stats.clusters_dropped += 1
                    continue
                bucket[root] = [i]
            else:
                members.append(i)
                if len(members) > max_members:  # the first half stays; the oldest of the latest goes
                    del members[max_members // 2]
                    stats.members_dropped += 1
    return [find(i) for i in range(n)], dict(sorted(reasons.items()))


def _rekey(bucket: dict[int, list[int]], find, max_members: int, stats: ClusterStats) -> bool:
    """Bring a bucket's cluster keys up to date after merges (members of merged clusters
    pooled; of more than ``max_members``, the earliest and the latest half kept); True when
    something changed."""
    stale = [r for r in bucket if find(r) != r]
    if not stale:
        return False
    for r in stale:
        members = bucket.pop(r)
        into = bucket.setdefault(find(r), [])
        into.extend(members)
    for r, members in bucket.items():
        if len(members) > max_members:
            members.sort()
            stats.members_dropped += len(members) - max_members
            del members[max_members // 2 : len(members) - (max_members - max_members // 2)]
    return True


def _first_match(fp: Fingerprints, i: int, members: Sequence[int], cfg: DedupConfig) -> tuple[int, str | None]:
    """The first of ``members`` (ascending) that document ``i`` verifies against and why, or
    ``(-1, None)``. The estimates against all members are computed at once (numpy) and screened
    with :func:`verify`'s rules; :func:`verify` itself decides, in order, for those that pass."""
    idx = np.asarray(members, dtype=np.intp)
    j = np.count_nonzero(fp.sig[idx] == fp.sig[i], axis=1) / fp.sig.shape[1]
    spin_j = np.count_nonzero(fp.spin[idx] == fp.spin[i], axis=1) / fp.spin.shape[1]
    size, spin_size = fp.size[idx], fp.spin_size[idx]
    small, large = np.minimum(size, fp.size[i]), np.maximum(size, fp.size[i])
    with np.errstate(divide="ignore", invalid="ignore"):
        contained = j * (size + fp.size[i]) / (1.0 + j) / small
    eps = 1e-9  # the screen may let a borderline member through; verify() has the last word
    may = ~fp.empty[idx] & (
        (j >= cfg.threshold - eps)
        | ((small >= cfg.containment_min_shingles) & (small >= cfg.containment_min_ratio * large)
           & (j > 0) & (contained >= cfg.containment - eps))
        | ((np.minimum(spin_size, fp.spin_size[i]) >= cfg.spin_min_shingles) & (spin_j >= cfg.spin_threshold - eps))
    )
    for k in np.flatnonzero(may).tolist():
        why = verify_pair(fp, members[k], i, cfg)
        if why:
            return members[k], why
    return -1, None


def cluster(texts: Sequence[str], **overrides: Any) -> list[int]:
    """Cluster label per text: the smallest index of its near-duplicate group."""
    cfg = DedupConfig.from_settings(**overrides)
    labels, _ = cluster_fingerprints(fingerprint(texts, cfg), cfg)
    return labels
