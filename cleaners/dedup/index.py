"""A persistent, append-only dedup index in SQLite (no pickle).

Tables:

* ``meta(key, value)``: the :meth:`DedupConfig.identity` the index was built
  with (scheme, seed, num_perm, bands, rows, ...). Opening it with another
  configuration raises :class:`IndexConfigError`: band keys and signatures of
  different configurations (or datasketch 1.x ``legacy`` hash values) must
  never be compared.
* ``docs(doc, id, canonical, size, spin_size, sig, spin)``: one row per
  document; ``canonical`` is the number of the document kept for its cluster
  (NULL when it is itself canonical); ``sig``/``spin`` are the low ``SIG_BITS``/
  ``SPIN_BITS`` bits of each MinHash value (b-bit MinHash), enough to verify
  candidates; verification accounts for the chance agreement of so few bits.
* ``bands(band, hash, doc)``: a ``WITHOUT ROWID`` table whose primary key
  ``(band, hash, doc)`` is the ``(band, hash)`` index. Adding documents only
  appends rows; a query is one indexed join.

The database runs in WAL mode, so readers are not blocked by a writer; writers
(several processes may share one index) take the write lock for each ``add``.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cleaners.dedup.core import DedupConfig, Fingerprints, verify

SIG_BITS = 2  # text view: 128 perms -> 32 bytes; chance agreement 1/4
SPIN_BITS = 2  # spin-proof view: 64 perms -> 16 bytes; its threshold is far above chance
FORMAT = "wirewash-dedup-index/1"


class IndexConfigError(ValueError):
    """The index was built with another signature/band configuration."""


def index_identity(cfg: DedupConfig) -> dict:
    """What an index stores about how it was built; another configuration is refused."""
    return {"format": FORMAT, "sig_bits": SIG_BITS, "spin_bits": SPIN_BITS, **cfg.identity()}


def check_identity(have: dict, want: dict, where: str) -> None:
    """Raise :class:`IndexConfigError` naming every setting where ``have`` differs from ``want``."""
    diff = {k: (have.get(k), v) for k, v in want.items() if have.get(k) != v}
    if diff:
        detail = ", ".join(f"{k}: index {a!r} vs requested {b!r}" for k, (a, b) in sorted(diff.items()))
        raise IndexConfigError(f"dedup index {where} was built with another configuration ({detail})")


@dataclass(frozen=True, slots=True)  # slots: a run of copies against an index of copies holds many
class Match:
    """An indexed document that a new document copies."""

    doc: int
    id: str
    canonical: str  # the id kept for that document's cluster
    reason: str
    canonical_doc: int = -1  # its index number


def _pack(sig: np.ndarray, bits: int) -> np.ndarray:
    """Low ``bits`` bits of each value, packed: (n, num_perm * bits / 8) uint8."""
    low = (sig & np.uint32((1 << bits) - 1)).astype(np.uint8)
    per = 8 // bits
    n, p = low.shape
    pad = (-p) % per
    if pad:
        low = np.concatenate([low, np.zeros((n, pad), np.uint8)], axis=1)
    low = low.reshape(n, -1, per)
    out = np.zeros(low.shape[:2], dtype=np.uint8)
    for k in range(per):
        out |= low[:, :, k] << np.uint8(k * bits)
    return out


def _unpack(blob: bytes, num_perm: int, bits: int) -> np.ndarray:
    per = 8 // bits
    b = np.frombuffer(blob, dtype=np.uint8)
    parts = [(b >> np.uint8(k * bits)) & np.uint8((1 << bits) - 1) for k in range(per)]
    return np.stack(parts, axis=1).reshape(-1)[:num_perm]


def bbit_jaccard(a: np.ndarray, b: np.ndarray, bits: int) -> tuple[float, float]:
    """Jaccard estimate from b-bit MinHash values and its standard error.

    Low bits of unrelated values agree by chance ``c = 2**-bits``, so the share of
    agreeing values is ``E = J + (1 - J) c``; hence ``J = (E - c) / (1 - c)``.
    """
    return _bbit_estimate(int(np.count_nonzero(a == b)), len(a), bits)


def canonical_numbers(ids: Sequence[str], fp: Fingerprints, nums: Sequence[int], canonical: Sequence[int | str | None] | None) -> list[int | None]:
    """Check an ``add`` call and resolve its ``canonical`` argument: per document, the index
    number of its cluster's kept copy, or None for itself (see :meth:`DedupIndex.add`)."""
    if len(ids) != len(fp):
        raise ValueError("one id per fingerprint row")
    out: list[int | None] = []
    for c in canonical if canonical is not None else [None] * len(ids):
        if c is None:
            out.append(None)
        elif isinstance(c, str) and c.startswith("#"):
            out.append(int(c[1:]))
        elif isinstance(c, int):
            out.append(nums[c])
        else:
            raise ValueError(f"canonical must be None, a position or '#<index number>', not {c!r}")
    return out


class ClosingIndex:
    """``with`` support shared by the index backends: the block ends with :meth:`close`."""

    def close(self) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """A block of many :meth:`add` calls (a run's whole corpus) written as one; a backend
        that writes them faster together overrides this. Queries inside the block are not
        supported."""
        yield

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DedupIndex(ClosingIndex):
    """Signatures and LSH bands of every document seen so far, in one SQLite file."""

    def __init__(self, conn: sqlite3.Connection, cfg: DedupConfig, path: str):
        self.conn = conn
        self.cfg = cfg
        self.path = path
        self._bulk: _HeldBands | None = None

    # ---- lifecycle -------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, cfg: DedupConfig | None = None) -> "DedupIndex":
        """Open (or create) the index at ``path``; refuse one built with another configuration."""
        cfg = cfg or DedupConfig.from_settings()
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=120.0)  # another writer holds the lock only while it appends
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS docs(doc INTEGER PRIMARY KEY, id TEXT NOT NULL, canonical INTEGER,"
            " size INTEGER NOT NULL, spin_size INTEGER NOT NULL, sig BLOB NOT NULL, spin BLOB NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bands(band INTEGER NOT NULL, hash INTEGER NOT NULL, doc INTEGER NOT NULL,"
            " PRIMARY KEY(band, hash, doc)) WITHOUT ROWID"
        )
        want = index_identity(cfg)
        rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if not rows:
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in want.items()])
            conn.commit()
        else:
            try:
                check_identity({k: json.loads(v) for k, v in rows.items()}, want, path)
            except IndexConfigError:
                conn.close()
                raise
        return cls(conn, cfg, path)

    def save(self) -> None:
        """Commit and fold the WAL into the database file."""
        self.conn.commit()
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.save()
        self.conn.close()

    def __len__(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    # ---- writing ---------------------------------------------------------
    def add(self, ids: Sequence[str], fp: Fingerprints, canonical: Sequence[int | str | None] | None = None) -> list[int]:
        """Append documents (row i of ``fp`` is ``ids[i]``); returns their index numbers.

        ``canonical[i]`` is the copy kept for document i's cluster: None (itself), the
        position of another document of this call (int), or the index number of an
        earlier document as ``"#<number>"``.
        """
        if self._bulk is None:
            if self.conn.in_transaction:
                self.conn.commit()
            self.conn.execute("BEGIN IMMEDIATE")  # the write lock first: concurrent writers get distinct numbers
        start = self._bulk.next if self._bulk is not None else self._first_free()
        nums = list(range(start, start + len(ids)))
        try:
            canon = canonical_numbers(ids, fp, nums, canonical)
        except ValueError:
            if self._bulk is None:
                self.conn.rollback()
            raise
        sig, spin = _pack(fp.sig, SIG_BITS), _pack(fp.spin, SPIN_BITS)
        self.conn.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(n, ids[i], canon[i], int(fp.size[i]), int(fp.spin_size[i]), sig[i].tobytes(), spin[i].tobytes())
             for i, n in enumerate(nums)],
        )
        keys = fp.keys(self.cfg)
        live = ~fp.empty
        if self._bulk is not None:
            self._bulk.hold(np.asarray(nums, dtype=np.int64)[live], keys[live])
            self._bulk.next += len(ids)
            return nums
        doc_col = np.repeat(np.asarray(nums, dtype=np.int64)[live], keys.shape[1])
        band_col = np.tile(np.arange(keys.shape[1], dtype=np.int64), int(live.sum()))
        hash_col = keys[live].reshape(-1)
        order = np.lexsort((doc_col, hash_col, band_col))  # appends in key order fill B-tree pages densely
        for lo in range(0, len(order), 200_000):
            sel = order[lo : lo + 200_000]
            self.conn.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?, ?)",
                                  zip(band_col[sel].tolist(), hash_col[sel].tolist(), doc_col[sel].tolist()))
        self.conn.commit()
        return nums

    def _first_free(self) -> int:
        """The number the next document gets (inside the write lock)."""
        return self.conn.execute("SELECT COALESCE(MAX(doc), -1) + 1 FROM docs").fetchone()[0]

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Many :meth:`add` calls as one transaction: document rows as they come, band rows held
        in a temporary file and inserted when the block ends, band by band in key order.

        Each ``add`` on its own inserts its band rows at random places of the ``(band, hash)``
        B-tree, so a run that adds a million documents shard by shard rewrote most of the table's
        pages thousands of times (5 minutes of a 1M-document run); in key order the rows of a
        new index are appended and those of a grown one go in with one pass over each band's
        pages (``bench/index_bulk.py``). The index is unchanged until the block ends: an error
        inside it rolls every ``add`` of the block back."""
        if self._bulk is not None:
            yield
            return
        if self.conn.in_transaction:
            self.conn.commit()
        self.conn.execute("BEGIN IMMEDIATE")
        held = self._bulk = _HeldBands(Path(self.path).parent if self.path != ":memory:" else None, self._first_free())
        try:
            yield
            for band in range(self.cfg.bands + self.cfg.spin_bands + self.cfg.head_bands):
                docs, hashes = held.band(band)
                order = np.lexsort((docs, hashes))
                for lo in range(0, len(order), 200_000):
                    sel = order[lo : lo + 200_000]
                    self.conn.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?, ?)",
                                          zip([band] * len(sel), hashes[sel].tolist(), docs[sel].tolist()))
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise
        finally:
            self._bulk = None
            held.close()

    def remove(self, ids: Sequence[str]) -> int:
        """Forget the documents with these ids (and their band rows); returns how many.

        For recovery only: a batch whose run died after adding its documents but before
        the caller committed the batch is removed, then redone. Band rows have no index
        on ``doc``, so this scans the band table once.
        """
        ids = list(dict.fromkeys(ids))
        if not ids:
            return 0
        if self.conn.in_transaction:
            self.conn.commit()
        self.conn.execute("BEGIN IMMEDIATE")
        nums: list[int] = []
        for lo in range(0, len(ids), 500):
            part = ids[lo : lo + 500]
            marks = ",".join("?" * len(part))
            nums += [r[0] for r in self.conn.execute(f"SELECT doc FROM docs WHERE id IN ({marks})", part)]
        if nums:
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS gone(doc INTEGER PRIMARY KEY)")
            self.conn.execute("DELETE FROM gone")
            self.conn.executemany("INSERT OR IGNORE INTO gone VALUES (?)", [(n,) for n in nums])
            self.conn.execute("DELETE FROM bands WHERE doc IN (SELECT doc FROM gone)")
            self.conn.execute("DELETE FROM docs WHERE doc IN (SELECT doc FROM gone)")
        self.conn.commit()
        return len(nums)

    # ---- reading ---------------------------------------------------------
    def candidates(self, fp: Fingerprints) -> dict[int, set[int]]:
        """Indexed documents sharing at least one band key with each row of ``fp``: of each
        bucket, the first (earliest) ``[dedup] index_bucket_docs`` documents, so a query costs
        O(rows x bands x that bound) however many copies of one story the index holds."""
        keys = fp.keys(self.cfg)
        cur = self.conn.cursor()
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS q(qi INTEGER, band INTEGER, hash INTEGER)")
        cur.execute("DELETE FROM q")
        cur.executemany("INSERT INTO q VALUES (?, ?, ?)",
                        [(i, b, int(keys[i, b])) for i in range(len(fp)) if not fp.empty[i] for b in range(keys.shape[1])])
        out: dict[int, set[int]] = {}
        # the first index_bucket_docs documents of each bucket only (a range of the primary key):
        # a bucket of N copies of one story would otherwise hand each new copy all N of them
        sql = ("SELECT DISTINCT q.qi, b.doc FROM q JOIN bands b ON b.band = q.band AND b.hash = q.hash"
               " AND b.doc <= COALESCE((SELECT c.doc FROM bands c WHERE c.band = q.band AND c.hash = q.hash"
               " ORDER BY c.doc LIMIT 1 OFFSET ?), 9223372036854775807)")
        for qi, doc in cur.execute(sql, (self.cfg.index_bucket_docs - 1,)):
            out.setdefault(qi, set()).add(doc)
        cur.execute("DELETE FROM q")
        self.conn.commit()  # (temp table only) no transaction stays open between calls
        return out

    def query(self, fp: Fingerprints) -> dict[int, list[Match]]:
        """Verified matches in the index for each row of ``fp`` (rows with none are absent)."""
        cands = self.candidates(fp)
        if not cands:
            return {}
        wanted = sorted({d for ds in cands.values() for d in ds})
        info: dict[int, tuple] = {}
        for lo in range(0, len(wanted), 900):
            part = wanted[lo : lo + 900]
            marks = ",".join("?" * len(part))
            sql = ("SELECT d.doc, d.id, COALESCE(c.id, d.id), COALESCE(d.canonical, d.doc), d.size, d.spin_size, d.sig, d.spin"
                   f" FROM docs d LEFT JOIN docs c ON c.doc = d.canonical WHERE d.doc IN ({marks})")
            for row in self.conn.execute(sql, part):
                info[row[0]] = row
        return verify_candidates(self.cfg, fp, cands, info)


class _HeldBands:
    """The band keys of a :meth:`DedupIndex.bulk` block, one row ``(doc, key per band)`` of int64 a
    document appended to a temporary file (120 bytes a document), read back a band at a time."""

    def __init__(self, folder: Path | None, first: int):
        self.fh = tempfile.TemporaryFile(prefix=".wirewash-bands-", dir=folder)
        self.width = 0
        self.rows = 0
        self.next = first  # the number the block's next document gets

    def hold(self, docs: np.ndarray, keys: np.ndarray) -> None:
        if not len(docs):
            return
        self.width = keys.shape[1] + 1
        self.fh.write(np.ascontiguousarray(np.column_stack([docs, keys]), dtype=np.int64).tobytes())
        self.rows += len(docs)

    def band(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        if not self.rows:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        self.fh.flush()
        table = np.memmap(self.fh, dtype=np.int64, mode="r", shape=(self.rows, self.width))
        docs, hashes = np.array(table[:, 0]), np.array(table[:, b + 1])
        del table
        return docs, hashes

    def close(self) -> None:
        self.fh.close()


def verify_candidates(cfg: DedupConfig, fp: Fingerprints, cands: dict[int, set[int]],
                      info: dict[int, tuple]) -> dict[int, list[Match]]:
    """Verified matches among the candidates of each row of ``fp`` (shared by every backend).

    ``info[doc]`` is ``(doc, id, canonical id, canonical doc, size, spin_size, packed sig, packed spin)``;
    a candidate missing from ``info`` (removed meanwhile by another writer) is skipped. Each
    signature is unpacked once and the agreements of a row with all its candidates are counted
    at once; the estimates are then :func:`bbit_jaccard`'s, to the bit.
    """
    docs = sorted(info)
    if not docs or not cands:
        return {}
    pos = {d: k for k, d in enumerate(docs)}
    sigs = _unpack_rows([info[d][6] for d in docs], cfg.num_perm, SIG_BITS)
    spins = _unpack_rows([info[d][7] for d in docs], cfg.spin_num_perm, SPIN_BITS)
    qsig = _pack(fp.sig, SIG_BITS)
    qspin = _pack(fp.spin, SPIN_BITS)
    out: dict[int, list[Match]] = {}
    said: dict[str, str] = {}  # one string per distinct reason (copies of a story repeat a few)
    for qi, cand in cands.items():
        ds = [d for d in sorted(cand) if d in pos]
        if not ds:
            continue
        rows = np.fromiter(map(pos.__getitem__, ds), dtype=np.intp, count=len(ds))
        a = _unpack(qsig[qi].tobytes(), cfg.num_perm, SIG_BITS)
        a_spin = _unpack(qspin[qi].tobytes(), cfg.spin_num_perm, SPIN_BITS)
        agree = np.count_nonzero(sigs[rows] == a, axis=1).tolist()
        agree_spin = np.count_nonzero(spins[rows] == a_spin, axis=1).tolist()
        size, spin_size = int(fp.size[qi]), int(fp.spin_size[qi])
        for d, n_sig, n_spin in zip(ds, agree, agree_spin):
            _, did, canon, canon_doc, dsize, dspin_size, _, _ = info[d]
            j, j_se = _bbit_estimate(n_sig, cfg.num_perm, SIG_BITS)
            spin_j, spin_se = _bbit_estimate(n_spin, cfg.spin_num_perm, SPIN_BITS)
            why = verify(cfg, j, size, dsize, spin_j, spin_size, dspin_size, j_se, spin_se)
            if why:
                out.setdefault(qi, []).append(Match(d, did, canon, said.setdefault(why, why), canon_doc))
    return out


def _bbit_estimate(agreeing: int, n: int, bits: int) -> tuple[float, float]:
    """:func:`bbit_jaccard` from the number of agreeing values."""
    e = float(agreeing) / n
    c = 1.0 / (1 << bits)
    return max(0.0, (e - c) / (1.0 - c)), (e * (1.0 - e) / n) ** 0.5 / (1.0 - c)


def _unpack_rows(blobs: Sequence[bytes], num_perm: int, bits: int) -> np.ndarray:
    """:func:`_unpack` of many packed signatures of one width at once: (len(blobs), num_perm)."""
    per = 8 // bits
    width = -(-num_perm // per)
    b = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), width)
    parts = [(b >> np.uint8(k * bits)) & np.uint8((1 << bits) - 1) for k in range(per)]
    return np.stack(parts, axis=2).reshape(len(blobs), -1)[:, :num_perm]


def is_redis_url(target: object) -> bool:
    """Does ``target`` name a Redis server (``redis://``, ``rediss://``, ``unix://``) rather than a file?"""
    return isinstance(target, str) and target.split("://", 1)[0] in ("redis", "rediss", "unix") and "://" in target


def open_index(target: str | Path, cfg: DedupConfig | None = None):
    """Open the dedup index at ``target``: a Redis URL (``redis://host:port/db``) or an SQLite file path.

    Both backends have the same interface (``add``/``query``/``remove``/``save``/``close``/``len``),
    so :func:`cleaners.dedup.dedup_batch` works with either. Redis needs the ``redis`` extra.
    """
    if is_redis_url(target):
        from cleaners.dedup.redis_index import RedisDedupIndex  # lazy: redis-py is an optional extra

        return RedisDedupIndex.open(str(target), cfg)
    return DedupIndex.open(target, cfg)
