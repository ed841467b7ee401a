"""What an inbox has already been turned into: the manifest, the run lock, the batches.

Everything lives under ``OUT/state/`` so an output folder carries its own memory:

- ``manifest.sqlite``: one row per input file *content* (BLAKE2b of the bytes), so a
  renamed or re-dropped file is recognised and never processed twice; one row per
  batch (``pending`` until its shard and the cumulative corpus are written, then
  ``done``). A batch is planned (files and name fixed) in one transaction *before*
  any output is written, so a run killed half-way is redone by the next run with
  exactly the same files and the same shard name: outputs are overwritten, never
  added twice.
- ``inbox.lock``: an ``fcntl`` lock held for a whole run. The kernel drops it when
  the holder dies (even on ``kill -9``), so a crashed run never blocks the next one,
  and two live runs never work on the same output folder at once.

No Prefect import here: this is plain bookkeeping, tested on its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cleaners.io import iter_files
from flows.shards import id_hashes

DIGEST_BYTES = 16


def file_digest(path: str | os.PathLike[str]) -> str:
    """BLAKE2b-128 of a file's bytes (the manifest key)."""
    h = hashlib.blake2b(digest_size=DIGEST_BYTES)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class InboxFile:
    """One input file of a batch: where it was found, relative name, content digest."""

    path: str
    rel: str
    digest: str


@dataclass(frozen=True)
class Batch:
    """A planned unit of work: its deterministic name and files (sorted by relative path)."""

    name: str
    seq: int
    files: tuple[InboxFile, ...]


class LockTimeout(RuntimeError):
    """Another run holds the output folder's lock."""


def scan_inbox(inbox: str | os.PathLike[str], settle_seconds: float = 0.0) -> list[InboxFile]:
    """Supported files under ``inbox`` (sorted), skipping hidden files and files
    modified in the last ``settle_seconds`` (probably still being written)."""
    root = Path(inbox)
    if not root.exists():
        return []
    now = time.time()
    found: list[InboxFile] = []
    for p in iter_files(root):
        rel = str(p.relative_to(root)) if root.is_dir() else p.name
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        try:
            if settle_seconds and now - p.stat().st_mtime < settle_seconds:
                continue
            found.append(InboxFile(str(p), rel, file_digest(p)))
        except OSError:  # vanished between listing and hashing: next run sees it or not
            continue
    return found


def relocate(batch: Batch, found: list[InboxFile]) -> Batch:
    """A redone batch's files where they are now: a file renamed since the crash is
    found again by its content digest (files that are gone stay as planned)."""
    by_digest = {f.digest: f for f in sorted(found, key=lambda f: f.rel, reverse=True)}
    files = tuple(f if os.path.exists(f.path) else by_digest.get(f.digest, f) for f in batch.files)
    return Batch(batch.name, batch.seq, files)


class InboxState:
    """The manifest and lock of one output folder."""

    def __init__(self, out: str | os.PathLike[str]):
        self.out = Path(out)
        self.dir = self.out / "state"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.dir / "manifest.sqlite"
        self._db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS batches (
                name TEXT PRIMARY KEY, seq INTEGER UNIQUE NOT NULL, status TEXT NOT NULL,
                planned_at REAL NOT NULL, done_at REAL, counts TEXT);
            CREATE TABLE IF NOT EXISTS docs (
                id TEXT PRIMARY KEY, batch TEXT NOT NULL, canonical INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS files (
                digest TEXT PRIMARY KEY, rel TEXT NOT NULL, path TEXT NOT NULL,
                batch TEXT NOT NULL REFERENCES batches(name));
            CREATE TABLE IF NOT EXISTS quarantine (
                digest TEXT PRIMARY KEY, rel TEXT NOT NULL, batch TEXT NOT NULL, reason TEXT NOT NULL, at REAL NOT NULL);
            """
        )
        have = {r[1] for r in self._db.execute("PRAGMA table_info(batches)")}
        for column, decl in (("attempts", "INTEGER NOT NULL DEFAULT 0"), ("error", "TEXT")):
            if column not in have:  # a manifest written before failed batches were counted
                self._db.execute(f"ALTER TABLE batches ADD COLUMN {column} {decl}")

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------ lock

    @contextlib.contextmanager
    def lock(self, timeout: float = 0.0, poll: float = 0.2, owner: str = "") -> Iterator[str]:
        """Hold ``state/inbox.lock`` exclusively; raise :class:`LockTimeout` after ``timeout`` s.

        ``owner`` (e.g. a flow run id) is written into the lock file; the context yields
        the previous holder's owner, which, since the lock was free, has finished or died.
        """
        fh = open(self.dir / "inbox.lock", "a+")
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeout(f"another wirewash run holds {self.dir / 'inbox.lock'}") from None
                    time.sleep(poll)
            fh.seek(0)
            previous = fh.read().split()
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()} {owner}\n")
            fh.flush()
            yield previous[1] if len(previous) > 1 else ""
        finally:
            fh.close()  # closing the descriptor releases the lock

    # ------------------------------------------------------------ batches

    def _batch(self, name: str, seq: int) -> Batch:
        rows = self._db.execute("SELECT path, rel, digest FROM files WHERE batch=? ORDER BY rel, digest", (name,)).fetchall()
        return Batch(name, seq, tuple(InboxFile(*r) for r in rows))

    def pending(self) -> Batch | None:
        """The batch a crashed run left unfinished, if any."""
        row = self._db.execute("SELECT name, seq FROM batches WHERE status='pending' ORDER BY seq LIMIT 1").fetchone()
        return self._batch(*row) if row else None

    def known(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT digest FROM files")}

    def plan(self, found: list[InboxFile], max_files: int = 0) -> Batch | None:
        """Record the next batch (files whose content was never seen) before any work starts."""
        known = self.known()
        fresh: dict[str, InboxFile] = {}
        for f in sorted(found, key=lambda f: (f.rel, f.digest)):
            if f.digest not in known and f.digest not in fresh:
                fresh[f.digest] = f
        files = list(fresh.values())[: max_files or None]
        if not files:
            return None
        self._db.execute("BEGIN IMMEDIATE")
        try:
            (last,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM batches").fetchone()
            seq = last + 1
            h = hashlib.blake2b(digest_size=4)
            for f in files:
                h.update(f.digest.encode())
            name = f"{seq:06d}-{h.hexdigest()}"
            self._db.execute("INSERT INTO batches(name, seq, status, planned_at) VALUES (?,?,?,?)", (name, seq, "pending", time.time()))
            self._db.executemany("INSERT INTO files(digest, rel, path, batch) VALUES (?,?,?,?)", [(f.digest, f.rel, f.path, name) for f in files])
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return self._batch(name, seq)

    def commit(self, batch: Batch, counts: dict, docs: list[tuple[str, bool]] = ()) -> None:
        """Mark a batch done (its shard and the cumulative corpus are on disk), in one transaction."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "UPDATE batches SET status='done', done_at=?, counts=? WHERE name=?",
                (time.time(), json.dumps(counts), batch.name),
            )
            self._db.executemany("INSERT INTO docs(id, batch, canonical) VALUES (?,?,?)", [(i, batch.name, int(c)) for i, c in docs])
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ failures

    def start(self, batch: Batch) -> int:
        """Count one more try of ``batch`` (before it runs, so a crash counts too); returns the count."""
        self._db.execute("UPDATE batches SET attempts = attempts + 1 WHERE name=?", (batch.name,))
        (n,) = self._db.execute("SELECT attempts FROM batches WHERE name=?", (batch.name,)).fetchone()
        return int(n)

    def fail(self, batch: Batch, reason: str) -> None:
        """Remember why the last try of ``batch`` failed (it stays pending and is tried again)."""
        self._db.execute("UPDATE batches SET error=? WHERE name=?", (reason, batch.name))

    def split(self, batch: Batch, reason: str) -> list[str]:
        """Give each file of a failing batch a batch of its own (pending, in file order), so one
        bad file holds back no other; returns the new batch names."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("UPDATE batches SET status='split', error=? WHERE name=?", (reason, batch.name))
            (last,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM batches").fetchone()
            names = []
            for k, f in enumerate(batch.files, start=1):
                seq = last + k
                name = f"{seq:06d}-{hashlib.blake2b(f.digest.encode(), digest_size=4).hexdigest()}"
                self._db.execute("INSERT INTO batches(name, seq, status, planned_at) VALUES (?,?,?,?)", (name, seq, "pending", time.time()))
                self._db.execute("UPDATE files SET batch=? WHERE digest=?", (name, f.digest))
                names.append(name)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return names

    def quarantine(self, batch: Batch, reason: str) -> None:
        """Set a failing batch's files aside for good: they stay known (a later scan skips them
        until their content changes) and are listed with the reason."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("UPDATE batches SET status='quarantined', error=? WHERE name=?", (reason, batch.name))
            self._db.executemany(
                "INSERT OR REPLACE INTO quarantine(digest, rel, batch, reason, at) VALUES (?,?,?,?,?)",
                [(f.digest, f.rel, batch.name, reason, time.time()) for f in batch.files],
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def quarantined(self) -> list[dict]:
        """Every quarantined file: relative name, content digest, batch, reason."""
        rows = self._db.execute("SELECT rel, digest, batch, reason FROM quarantine ORDER BY at, rel").fetchall()
        return [{"file": r, "digest": d, "batch": b, "reason": why} for r, d, b, why in rows]

    def _doc_ids(self) -> Iterator[str]:
        """Ids of every document of a committed batch (new docs must not reuse them), streamed."""
        return (r[0] for r in self._db.execute("SELECT id FROM docs"))

    def doc_ids(self) -> set[str]:
        """The ids as a set."""
        return set(self._doc_ids())

    def doc_id_hashes(self) -> np.ndarray:
        """The ids as :func:`flows.shards.id_hashes` (8 bytes an id)."""
        return id_hashes(self._doc_ids())

    def done_batches(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM batches WHERE status='done' ORDER BY seq")]

    def batch_counts(self) -> list[tuple[str, dict]]:
        rows = self._db.execute("SELECT name, counts FROM batches WHERE status='done' ORDER BY seq").fetchall()
        return [(n, json.loads(c or "{}")) for n, c in rows]
