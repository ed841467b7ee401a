"""Near-dedup at scale: LSH banding as a Dask DataFrame shuffle, with band history on disk.

The CPU version of the approach NeMo Curator runs on GPUs:

1. MinHash signatures per document (:func:`signatures`, the one place they are computed).
2. Banding: ``b`` bands of ``r`` rows each (the same ``b``/``r`` datasketch's
   ``MinHashLSH`` picks for our threshold), one ``(band, bucket, doc)`` row per band.
3. Shuffle the new rows by band, so every band is in one partition; in each partition
   join the new rows with each other and with the *history* of that band (Parquet files
   under ``state/bands/band=K/``), giving candidate pairs from shared buckets. History is
   partitioned by band, so a new batch reads one band's history per partition and the
   history itself is never reshuffled.
4. Keep candidates whose estimated Jaccard (share of equal MinHash values) reaches the
   threshold — the same check ``cleaners.dedup.cluster`` makes — and take connected
   components of those edges. The edge set is exactly the one the in-memory
   ``MinHashLSH`` path finds, so both paths give the same clusters.

History holds the corpus documents only (published canonical copies); rows are written
per batch (``band=K/<batch>.parquet``) and read only for committed batches, so a batch
redone after a crash never matches itself.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cleaners import dedup
from cleaners.dedup.core import UnionFind
from cleaners.settings import section

BUCKET_SEED = 20240601


def signatures(texts: Sequence[str]) -> np.ndarray:
    """MinHash signatures, one ``uint64`` row per text (``cleaners.dedup.signature``).

    The single call site for signatures in this module: swap in a vectorised
    signature function here and every caller follows.
    """
    cfg = section("dedup")
    if not texts:
        return np.zeros((0, cfg["num_perm"]), dtype=np.uint64)
    return np.vstack([dedup.signature(t).hashvalues.astype(np.uint64) for t in texts])


def lsh_params() -> tuple[int, int]:
    """``(bands, rows)``: the banding datasketch's ``MinHashLSH`` uses for our settings."""
    from datasketch import MinHashLSH

    cfg = section("dedup")
    lsh = MinHashLSH(threshold=cfg["threshold"], num_perm=cfg["num_perm"])
    return lsh.b, lsh.r


def _multipliers(r: int) -> np.ndarray:
    rng = np.random.default_rng(BUCKET_SEED)
    return rng.integers(1, 2**63 - 1, size=r, dtype=np.uint64) | np.uint64(1)


def band_rows(ids: Sequence[str], sigs: np.ndarray) -> pd.DataFrame:
    """One ``(band, bucket, doc)`` row per document and band.

    ``bucket`` is a 64-bit multiply-add hash of the band's ``r`` MinHash values;
    a rare collision only adds a candidate that the Jaccard check then drops.
    """
    b, r = lsh_params()
    mult = _multipliers(r)
    n = len(ids)
    frames = []
    with np.errstate(over="ignore"):
        for band in range(b):
            block = sigs[:, band * r : (band + 1) * r]
            bucket = (block * mult).sum(axis=1, dtype=np.uint64).view(np.int64)
            frames.append(pd.DataFrame({"band": np.full(n, band, dtype=np.int32), "bucket": bucket, "doc": pd.Series(list(ids), dtype=object)}))
    if not frames:
        return pd.DataFrame({"band": pd.Series(dtype=np.int32), "bucket": pd.Series(dtype=np.int64), "doc": pd.Series(dtype=str)})
    return pd.concat(frames, ignore_index=True)


class BandHistory:
    """Band rows and signatures of the corpus, as Parquet under ``state/bands``."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def band_dir(self, band: int) -> Path:
        return self.root / f"band={band}"

    def append(self, batch: str, ids: Sequence[str], sigs: np.ndarray) -> None:
        """Write one batch's rows (idempotent: the file names are the batch name)."""
        rows = band_rows(ids, sigs)
        b, _ = lsh_params()
        for band in range(b):
            part = rows[rows.band == band][["bucket", "doc"]]
            _write_table_atomic(self.band_dir(band) / f"{batch}.parquet", pa.Table.from_pandas(part, preserve_index=False))
        sig_table = pa.table({"doc": list(ids), "sig": pa.array(list(sigs), type=pa.list_(pa.uint64()))})
        _write_table_atomic(self.root / "signatures" / f"{batch}.parquet", sig_table)

    def band_frame(self, band: int, batches: Sequence[str]) -> pd.DataFrame:
        files = [self.band_dir(band) / f"{b}.parquet" for b in batches]
        files = [f for f in files if f.exists()]
        if not files:
            return pd.DataFrame({"bucket": pd.Series(dtype=np.int64), "doc": pd.Series(dtype=str)})
        return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)

    def signatures_of(self, ids: set[str], batches: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        if not ids:
            return out
        for b in batches:
            f = self.root / "signatures" / f"{b}.parquet"
            if not f.exists():
                continue
            t = pq.read_table(f, filters=[("doc", "in", sorted(ids))])
            for doc, sig in zip(t.column("doc").to_pylist(), t.column("sig").to_pylist()):
                out[doc] = np.asarray(sig, dtype=np.uint64)
        return out


def _write_table_atomic(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _pairs_in_partition(df: pd.DataFrame, history_root: str, batches: tuple[str, ...]) -> pd.DataFrame:
    """Candidate pairs of one shuffled partition: new×new and new×history, per band."""
    history = BandHistory(history_root)
    out = []
    for band in sorted(df["band"].unique()):
        new = df[df["band"] == band][["bucket", "doc"]]
        same = new.merge(new, on="bucket", suffixes=("_a", "_b"))
        same = same[same["doc_a"] < same["doc_b"]]
        out.append(pd.DataFrame({"a": same["doc_a"].to_numpy(), "b": same["doc_b"].to_numpy()}))
        hist = history.band_frame(int(band), batches)
        if len(hist):
            cross = new.merge(hist, on="bucket", suffixes=("_a", "_b"))
            out.append(pd.DataFrame({"a": cross["doc_a"].to_numpy(), "b": cross["doc_b"].to_numpy()}))
    if not out:
        return pd.DataFrame({"a": pd.Series(dtype=str), "b": pd.Series(dtype=str)})
    return pd.concat(out, ignore_index=True).drop_duplicates()


def _band_chunk(chunk: tuple[list[str], np.ndarray]) -> pd.DataFrame:
    return band_rows(*chunk)


def candidate_pairs(ids: Sequence[str], sigs: np.ndarray, history: BandHistory, batches: Sequence[str], client=None) -> pd.DataFrame:
    """Doc pairs sharing a bucket in some band (new×new, new×history), via a Dask shuffle."""
    import dask
    import dask.dataframe as dd

    if len(ids) == 0:
        return pd.DataFrame({"a": pd.Series(dtype=str), "b": pd.Series(dtype=str)})
    b, _ = lsh_params()
    nparts = max(1, min(b, len(ids) * b // 2000 + 1))
    # band rows are built where the data lands: signature chunks are scattered to the workers
    step = max(1, -(-len(ids) // nparts))
    chunks = [(list(ids[i : i + step]), sigs[i : i + step]) for i in range(0, len(ids), step)]
    if client is not None:
        chunks = client.scatter(chunks)
    ddf = dd.from_delayed([dask.delayed(_band_chunk)(c) for c in chunks], meta=band_rows([], sigs[:0]), verify_meta=False)
    shuffled = ddf.shuffle("band", npartitions=nparts)
    meta = pd.DataFrame({"a": pd.Series(dtype=object), "b": pd.Series(dtype=object)})
    pairs = shuffled.map_partitions(_pairs_in_partition, str(history.root), tuple(batches), meta=meta)
    result = client.compute(pairs).result() if client is not None else pairs.compute(scheduler="sync")
    return result.drop_duplicates().reset_index(drop=True)


def cluster_with_history(
    ids: Sequence[str], sigs: np.ndarray, history: BandHistory, batches: Sequence[str], client=None
) -> tuple[dict[str, str], list[str]]:
    """Cluster the new docs among themselves and against the corpus history.

    Returns ``(label of each involved doc, history docs that joined a cluster)``:
    every new doc has a label; a history doc appears only if it has an edge to a new doc.
    """
    threshold = section("dedup")["threshold"]
    pairs = candidate_pairs(ids, sigs, history, batches, client)
    new_sig = {d: sigs[i] for i, d in enumerate(ids)}
    hist_ids = set(pairs["b"]) - set(new_sig) if len(pairs) else set()
    all_sig = {**history.signatures_of(hist_ids, batches), **new_sig}
    # nodes in id order, so UnionFind's smallest-position root is the smallest id of a cluster
    nodes = sorted(set(ids) | hist_ids)
    pos = {d: i for i, d in enumerate(nodes)}
    uf = UnionFind(len(nodes))
    involved = set(ids)  # history docs join only through a verified edge
    for a, b in zip(pairs["a"], pairs["b"]):
        sa, sb = all_sig.get(a), all_sig.get(b)
        if sa is None or sb is None:
            continue
        if np.count_nonzero(sa == sb) / len(sa) >= threshold:
            involved.add(b)
            uf.union(pos[a], pos[b])
    labels = {d: nodes[uf.find(pos[d])] for d in involved}
    joined = sorted(d for d in labels if d not in new_sig)
    return labels, joined
