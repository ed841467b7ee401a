"""The dedup index on a Redis server, for several writers on several machines (no pickle).

Same interface and decisions as the SQLite :class:`cleaners.dedup.index.DedupIndex`;
open either with :func:`cleaners.dedup.index.open_index` (``redis://host:port/db``).

Why not datasketch's own Redis storage (``MinHashLSH(storage_config={"type": "redis"})``)?
In datasketch 2.0 it pickles every key by default (``prepickle`` is on for Redis), so
reading the index means ``pickle.loads`` of whatever any writer with server access put
there; it stores the band tables only (no signatures to verify candidates, no
configuration to refuse a mismatch), keys the bands by datasketch's own band hashes, and
has no atomic document numbering for concurrent writers. So the layout here is our own,
with every value plain bytes or JSON. Keys (``P`` is the prefix, default ``wirewash:dedup``):

* ``P:meta``: JSON of the configuration identity, set once with ``SET NX``; opening with
  another configuration raises :class:`IndexConfigError`.
* ``P:next``: the document-number counter; ``INCRBY`` hands each writer a distinct range.
* ``P:doc:<n>``: a hash per document: ``id``, ``canon`` (canonical id), ``canon_doc``,
  ``size``, ``spin_size``, ``sig``/``spin`` (b-bit packed signatures, as in SQLite) and
  ``keys`` (its band keys as little-endian int32, so :meth:`remove` can find its band sets).
* ``P:b:<band>:<hash>``: a set of document numbers (the LSH band table).
* ``P:docs``: the set of all document numbers (``len``); ``P:id:<id>``: numbers of an id.

A document's keys are written in one ``MULTI``/``EXEC`` transaction (up to 2000 documents
each), so a reader never sees band entries of a document whose signatures are not there yet.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from cleaners.dedup.core import DedupConfig, Fingerprints
from cleaners.dedup.index import (
    SIG_BITS,
    SPIN_BITS,
    IndexConfigError,
    ClosingIndex,
    Match,
    _pack,
    canonical_numbers,
    check_identity,
    index_identity,
    verify_candidates,
)

DEFAULT_PREFIX = "wirewash:dedup"


class RedisDedupIndex(ClosingIndex):
    """Signatures and LSH bands of every document seen so far, on a Redis server."""

    def __init__(self, client, cfg: DedupConfig, url: str, prefix: str = DEFAULT_PREFIX):
        self.client = client
        self.cfg = cfg
        self.path = url  # the address it was opened from (the SQLite index's attribute name)
        self.prefix = prefix

    def _k(self, *parts: object) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    # ---- lifecycle -------------------------------------------------------
    @classmethod
    def open(cls, url: str, cfg: DedupConfig | None = None, prefix: str = DEFAULT_PREFIX) -> "RedisDedupIndex":
        """Connect to ``url`` (``redis://host:port/db``); refuse an index built with another configuration."""
        import redis  # lazy: the optional ``redis`` extra

        cfg = cfg or DedupConfig.from_settings()
        client = redis.Redis.from_url(url)
        self = cls(client, cfg, url, prefix)
        want = index_identity(cfg)
        client.set(self._k("meta"), json.dumps(want, sort_keys=True), nx=True)  # the first writer decides
        try:
            check_identity(json.loads(client.get(self._k("meta"))), want, f"{url} ({prefix})")
        except IndexConfigError:
            client.close()
            raise
        return self

    def save(self) -> None:
        """Nothing to do: every ``add`` is on the server when it returns (durability is the server's setting)."""

    def close(self) -> None:
        self.client.close()

    def __len__(self) -> int:
        return int(self.client.scard(self._k("docs")))

    # ---- writing ---------------------------------------------------------
    def add(self, ids: Sequence[str], fp: Fingerprints, canonical: Sequence[int | str | None] | None = None) -> list[int]:
        """Append documents; same contract as :meth:`cleaners.dedup.index.DedupIndex.add`."""
        canonical_numbers(ids, fp, range(len(ids)), canonical)  # check before taking numbers
        if not ids:
            return []
        end = int(self.client.incrby(self._k("next"), len(ids)))  # atomic: writers get distinct numbers
        nums = list(range(end - len(ids), end))
        numbers = canonical_numbers(ids, fp, nums, canonical)
        earlier = [n for n in numbers if n is not None and not nums[0] <= n <= nums[-1]]
        pipe = self.client.pipeline(transaction=False)
        for n in earlier:
            pipe.hget(self._k("doc", n), "id")
        earlier_ids = dict(zip(earlier, pipe.execute()))
        canon: list[tuple[str, int] | None] = []
        for i, n in enumerate(numbers):
            if n is None:
                canon.append(None)
            elif nums[0] <= n <= nums[-1]:
                canon.append((ids[n - nums[0]], n))
            else:
                cid = earlier_ids.get(n)
                canon.append((cid.decode() if cid is not None else ids[i], n))
        sig, spin = _pack(fp.sig, SIG_BITS), _pack(fp.spin, SPIN_BITS)
        keys = fp.keys(self.cfg)
        # a bucket keeps its first [dedup] index_bucket_docs documents only (as the SQLite index's
        # query reads only those): a story copied thousands of times costs a bounded query, not N
        rows = [keys[i].astype("<i4") if not fp.empty[i] else np.empty(0, "<i4") for i in range(len(nums))]
        buckets = sorted({(b, h) for row in rows for b, h in enumerate(row.tolist())})
        pipe = self.client.pipeline(transaction=False)
        for b, h in buckets:
            pipe.scard(self._k("b", b, h))
        fill = dict(zip(buckets, pipe.execute()))
        cap = self.cfg.index_bucket_docs
        pipe = self.client.pipeline(transaction=True)
        for i, n in enumerate(nums):
            row = rows[i]
            c = canon[i]
            pipe.hset(self._k("doc", n), mapping={
                "id": ids[i], "canon": c[0] if c else ids[i], "canon_doc": c[1] if c else n,
                "size": int(fp.size[i]), "spin_size": int(fp.spin_size[i]),
                "sig": sig[i].tobytes(), "spin": spin[i].tobytes(), "keys": row.tobytes(),
            })
            pipe.sadd(self._k("docs"), n)
            pipe.sadd(self._k("id", ids[i]), n)
            for b, h in enumerate(row.tolist()):
                if fill[(b, h)] < cap:
                    pipe.sadd(self._k("b", b, h), n)
                    fill[(b, h)] += 1
            if (i + 1) % 2000 == 0:  # bounded transactions; each document's keys stay in one
                pipe.execute()
        pipe.execute()
        return nums

    def remove(self, ids: Sequence[str]) -> int:
        """Forget the documents with these ids (and their band entries); returns how many."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return 0
        pipe = self.client.pipeline(transaction=False)
        for i in ids:
            pipe.smembers(self._k("id", i))
        nums = sorted({int(n) for members in pipe.execute() for n in members})
        if not nums:
            return 0
        pipe = self.client.pipeline(transaction=False)
        for n in nums:
            pipe.hget(self._k("doc", n), "keys")
        band_rows = pipe.execute()
        pipe = self.client.pipeline(transaction=True)
        for n, blob in zip(nums, band_rows):
            for b, h in enumerate(np.frombuffer(blob or b"", "<i4").tolist()):
                pipe.srem(self._k("b", b, h), n)
            pipe.delete(self._k("doc", n))
            pipe.srem(self._k("docs"), n)
        for i in ids:
            pipe.delete(self._k("id", i))
        pipe.execute()
        return len(nums)

    # ---- reading ---------------------------------------------------------
    def candidates(self, fp: Fingerprints) -> dict[int, set[int]]:
        """Indexed documents sharing at least one band key with each row of ``fp``."""
        keys = fp.keys(self.cfg)
        rows = [i for i in range(len(fp)) if not fp.empty[i]]
        pipe = self.client.pipeline(transaction=False)
        for i in rows:
            pipe.sunion([self._k("b", b, int(h)) for b, h in enumerate(keys[i].tolist())])
        out: dict[int, set[int]] = {}
        for i, members in zip(rows, pipe.execute()):
            if members:
                out[i] = {int(n) for n in members}
        return out

    def query(self, fp: Fingerprints) -> dict[int, list[Match]]:
        """Verified matches in the index for each row of ``fp`` (rows with none are absent)."""
        cands = self.candidates(fp)
        if not cands:
            return {}
        wanted = sorted({d for ds in cands.values() for d in ds})
        pipe = self.client.pipeline(transaction=False)
        fields = ("id", "canon", "canon_doc", "size", "spin_size", "sig", "spin")
        for d in wanted:
            pipe.hmget(self._k("doc", d), fields)
        info: dict[int, tuple] = {}
        for d, vals in zip(wanted, pipe.execute()):
            if vals[0] is None:  # removed by another writer since the band lookup
                continue
            did, canon, canon_doc, size, spin_size, sig, spin = vals
            info[d] = (d, did.decode(), canon.decode(), int(canon_doc), int(size), int(spin_size), sig, spin)
        return verify_candidates(self.cfg, fp, cands, info)
