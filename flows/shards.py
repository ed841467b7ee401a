"""Shards, the work folder and the executors: what makes a run parallel, bounded and resumable.

- :func:`plan_shards` cuts the input into shards of about ``[pipeline] shard_bytes``: whole files
  in sorted order, and large plain JSON Lines files in line-aligned byte ranges. A shard is
  read lazily by the task that cleans it (:func:`read_shard`); the driver holds only the plan.
- :class:`Work` is ``OUT/.work/``: each shard's intermediate files and one completion record
  per (phase, shard), written atomically after the shard's files. A run killed at any point
  and started again redoes only what has no completion record.
- Executors run one function over shards: in this process, in a process pool (workers die
  with their parent), or on a Dask cluster. Every driver uses the same shard functions.

No Prefect import here.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cleaners import io as cio
from cleaners.document import Document, printable_path, sanitise_document
from cleaners.io import JSONL_SUFFIXES, STDIN, STDIN_NAME, Rejected, Where, write_bytes_atomic
from flows.stages import OutputError, stable_hash  # noqa: F401 (stable_hash: used here and re-exported)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Piece:
    """A file, or the byte range ``[start, end)`` of a plain JSON Lines file starting at ``first_line``."""

    path: str
    rel: str
    start: int = 0
    end: int = -1
    first_line: int = 1
    reject: str = ""  # not read, for this reason (a symlink out of the input folder)
    symlink_target: str = ""  # read through a symlink out of the input folder (followed by setting)
    digest: str = ""  # the content planned (an inbox file): a file that changed since is not read


@dataclass(frozen=True)
class Shard:
    index: int
    pieces: tuple[Piece, ...]
    cost: int  # bytes

    @property
    def name(self) -> str:
        return f"{self.index:05d}"


def plan_shards(input_path: str | os.PathLike[str], shard_bytes: int, spool: Path) -> list[Shard]:
    """Shards of about ``shard_bytes`` each, in input order (standard input is spooled to
    ``spool`` first, so a shard can be read again on a resumed run)."""
    if str(input_path) == STDIN:
        spool.parent.mkdir(parents=True, exist_ok=True)
        if not spool.exists():
            with open(spool.with_suffix(".part"), "wb") as fh:
                shutil.copyfileobj(sys.stdin.buffer, fh, 1 << 20)
            os.replace(spool.with_suffix(".part"), spool)
        return [Shard(0, (Piece(str(spool), STDIN_NAME),), spool.stat().st_size)]
    root = Path(input_path)
    base = root if root.is_dir() else root.parent
    inside = root.resolve() if root.is_dir() else None
    follow = bool(cio.section("input").get("follow_symlinks_outside", False))
    pieces: list[tuple[Piece, int]] = []
    for file in cio.iter_files(root) if root.exists() else [root]:
        try:
            rel = str(file.relative_to(base))
        except ValueError:
            rel = str(file)
        target = cio._outside_target(file, inside)
        if target is not None:
            if not follow:
                why = f"symlink to {target}, outside the input folder: not followed (input.follow_symlinks_outside)"
                pieces.append((Piece(str(file), rel, reject=why), 0))
                continue
        try:
            size = file.stat().st_size if file.is_file() else 0
        except OSError:
            size = 0
        if cio.suffix_of(file) in (".jsonl", ".ndjson") and size > shard_bytes and target is None:
            pieces += _split_jsonl(file, rel, shard_bytes)
        else:
            pieces.append((Piece(str(file), rel, symlink_target=target or ""), size))
    return _group(pieces, shard_bytes)


def plan_files(files: Sequence[tuple[str, str, str]], shard_bytes: int) -> list[Shard]:
    """Shards of given files ``(path, relative name, content digest)`` (an inbox batch), in order."""
    pieces = []
    for path, rel, digest in files:
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0
        pieces.append((Piece(path, rel, digest=digest), size))
    return _group(pieces, shard_bytes)


def _group(pieces: Sequence[tuple[Piece, int]], shard_bytes: int) -> list[Shard]:
    """Consecutive pieces (with their sizes) into shards of about ``shard_bytes``; at least one."""
    shards: list[Shard] = []
    group: list[Piece] = []
    cost = 0
    for piece, size in pieces:
        if group and cost + size > shard_bytes:
            shards.append(Shard(len(shards), tuple(group), cost))
            group, cost = [], 0
        group.append(piece)
        cost += size
    if group or not shards:
        shards.append(Shard(len(shards), tuple(group), cost))
    return shards


def _split_jsonl(file: Path, rel: str, shard_bytes: int) -> list[tuple[Piece, int]]:
    """Line-aligned byte ranges of one large JSON Lines file (line numbers as a whole-file read gives)."""
    out = []
    line = 1
    with open(file, "rb") as fh:
        start = 0
        while True:
            fh.seek(start)
            chunk = fh.read(shard_bytes)
            if not chunk:
                break
            if len(chunk) == shard_bytes:
                tail = fh.readline()  # up to and including the next newline
                chunk += tail
            end = start + len(chunk)
            out.append((Piece(str(file), rel, start, end, line), len(chunk)))
            # (lines as splitlines counts them; without a CR that is the newlines, plus an unterminated last line)
            line += len(chunk.splitlines()) if b"\r" in chunk else chunk.count(b"\n") + (not chunk.endswith(b"\n"))
            start = end
    return out


def read_shard(shard: Shard) -> Iterator[tuple[Document | Rejected, Where]]:
    """The documents and rejections of a shard, each field sanitised (ids are made unique across
    the whole input later, by the driver: see ``flows.pipeline``)."""
    for piece in shard.pieces:
        piece = Piece(piece.path, printable_path(piece.rel), piece.start, piece.end, piece.first_line,
                      piece.reject, piece.symlink_target, piece.digest)  # a name that is not UTF-8 keeps its bytes as \xNN
        if piece.digest:
            why = _changed(piece)
            if why:
                yield Rejected(piece.rel, why), (piece.rel, None)
                continue
        if piece.reject:
            yield Rejected(piece.rel, piece.reject), (piece.rel, None)
            continue
        if piece.rel == STDIN_NAME:
            raw = Path(piece.path).read_bytes()
            items = cio._read_bytes(raw, STDIN_NAME, cio._sniff(raw))
        elif piece.end >= 0:
            with open(piece.path, "rb") as fh:
                fh.seek(piece.start)
                raw = fh.read(piece.end - piece.start)
            items = cio._read_jsonl(raw, piece.rel, gz=False, first_line=piece.first_line, part=True)
        else:
            items = cio.read_path(Path(piece.path), piece.rel)
        for item, where in items:
            where = (printable_path(where[0]), where[1])
            if isinstance(item, Document):
                if piece.symlink_target:
                    item = item.evolve(metadata={**item.metadata, "symlink_target": piece.symlink_target})
                yield sanitise_document(item), where
            else:
                yield cio._sanitise_rejected(item), where


def _changed(piece: Piece) -> str | None:
    """Why a planned file cannot be read as planned (it vanished or its content changed), else None."""
    from flows.inbox_state import file_digest

    try:
        now = file_digest(piece.path)
    except OSError as exc:
        return f"file left the inbox before it was processed: {exc.strerror or exc}"
    if now != piece.digest:
        return "file changed after it was planned; it will be picked up as new content"
    return None


def id_hashes(ids: Iterable[str] | np.ndarray | None) -> np.ndarray:
    """Ids as the sorted unique :func:`stable_hash` values the ids reduce compares
    (an array given is taken as such hashes already): 8 bytes an id, where a set of a million
    id strings takes ~100 MB."""
    if ids is None:
        return np.empty(0, np.int64)
    if isinstance(ids, np.ndarray):
        return np.unique(ids.astype(np.int64, copy=False))
    return np.unique(np.fromiter((stable_hash(i) for i in ids), dtype=np.int64))


# ---------------------------------------------------------------- the work folder


#: Test hook: ``phase`` or ``phase:N`` makes the driver SIGKILL itself right after the N-th
#: completion record of that phase (a crash at a known point; tests rerun and compare).
KILL_ENV = "WIREWASH_KILL_AT"
_commits: dict[str, int] = {}


def _kill_point(phase: str) -> None:
    want = os.environ.get(KILL_ENV, "")
    if not want:
        return
    name, _, n = want.partition(":")
    if name == phase:
        _commits[phase] = _commits.get(phase, 0) + 1
        if _commits[phase] >= int(n or 1):
            os.kill(os.getpid(), signal.SIGKILL)


def unfinished_plan(out: Path) -> str | None:
    """The plan key of a run that started in ``out`` and did not finish, if any."""
    marker = out / ".work" / "plan.key"
    return marker.read_text() if marker.exists() else None


class Work:
    """``OUT/.work``: per-shard intermediate files and completion records of one planned run."""

    def __init__(self, out: Path, plan_key: str):
        self.root = out / ".work"
        self.reused: dict[str, int] = {}  # per map step: shards whose work an earlier (killed) run had done
        self.key = plan_key
        marker = self.root / "plan.key"
        if self.root.exists() and (not marker.exists() or marker.read_text() != plan_key):
            shutil.rmtree(self.root)  # leftovers without a plan: nothing of it can be reused
        self.root.mkdir(parents=True, exist_ok=True)
        if not marker.exists():
            write_bytes_atomic(marker, plan_key.encode())

    def dir(self, shard: Shard | int) -> Path:
        name = shard.name if isinstance(shard, Shard) else f"{shard:05d}"
        d = self.root / name
        d.mkdir(exist_ok=True)
        return d

    def done(self, phase: str, shard: Shard | int | None = None) -> Any:
        """The completion record of ``phase`` (for ``shard``), or ``None`` if it has none."""
        path = self._record(phase, shard)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def commit(self, phase: str, value: Any, shard: Shard | int | None = None) -> Any:
        write_bytes_atomic(self._record(phase, shard), json.dumps(value, ensure_ascii=False).encode("utf-8"))
        _kill_point(phase)
        return value

    def _record(self, phase: str, shard: Shard | int | None) -> Path:
        return (self.dir(shard) if shard is not None else self.root) / f"done-{phase}.json"

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def plan_key(input_path: str | os.PathLike[str], shards: Sequence[Shard], settings: dict) -> str:
    """The plan's identity: the shards (files, sizes, modification times) and every setting."""
    h = hashlib.blake2b(digest_size=16)
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    h.update(printable_path(str(input_path)).encode())
    for s in shards:
        for p in s.pieces:
            try:
                st = os.stat(p.path)
                stamp = (st.st_size, st.st_mtime_ns)
            except OSError:
                stamp = (-1, -1)
            h.update(json.dumps([s.index, printable_path(p.path), p.start, p.end, stamp]).encode())
    return h.hexdigest()


# ---------------------------------------------------------------- locks and leftovers


class Busy(OutputError):
    """Another run holds the lock (a usage error: exit 2, nothing written)."""


@contextlib.contextmanager
def folder_lock(folder: Path, what: str = "output folder") -> Iterator[None]:
    """Hold ``folder/.wirewash.lock`` (``fcntl``) for a run: a second run into the same folder is
    refused at once, with the holder's pid. The kernel frees the lock when the holder dies."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(folder / ".wirewash.lock", "a+")
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise Busy(f"another wirewash run (pid {holder}) is writing to the {what} {folder}; wait for it or choose another") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()


@contextlib.contextmanager
def index_writer_lock(index: str | Path, timeout: float = 3600.0) -> Iterator[None]:
    """One writer at a time per dedup index, for the whole query-then-add of a run's dedup step
    (two runs sharing an index each query before the other adds, and miss each other's copies):
    an ``fcntl`` lock beside an SQLite index, a Redis lock (``SET NX`` with a token, released by
    a script) for a Redis one. A second writer waits for the first."""
    text = str(index)
    if text.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(text)
        lock = client.lock("wirewash:index-writer", timeout=timeout, blocking_timeout=timeout)
        if not lock.acquire():
            raise Busy(f"the dedup index at {text} is held by another writer")
        try:
            yield
        finally:
            try:
                lock.release()
            finally:
                client.close()
        return
    path = Path(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".writer.lock"), "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # released when the file closes (or the process dies)
        yield


def sweep_leftovers(out: Path) -> list[str]:
    """Temp files of killed atomic writes (``.NAME.*.tmp``) and appending runs: only call while
    holding the folder's lock (no write of another run can be under way)."""
    gone = []
    for folder in (out, out / "state", out / "documents", out / "corpus", out / "rejected"):
        if folder.is_dir():
            for p in folder.iterdir():
                if p.name.startswith(".") and (p.name.endswith(".tmp") or p.name.endswith(".appending")):
                    p.unlink(missing_ok=True)
                    gone.append(str(p.relative_to(out)))
    return gone


# ---------------------------------------------------------------- executors


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """For a run, the objects alive at its start (imports, loaded models) leave the collector's
    view: the full collection after each reduce (:func:`release_memory`) skips them, and the pool
    workers forked during the run do not write to their pages when they collect (the pages stay
    shared), as the Python docs advise before a fork. Unfrozen after the run: a serving process
    lives on, and what it frees later must be collectable."""
    import gc

    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def release_memory() -> None:
    """Give the heap pages a finished reduce freed back to the system (glibc ``malloc_trim``):
    otherwise its peak stays in the process's RSS while the next map runs beside the workers."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # (not glibc: nothing to do)
        pass


def _die_with_parent() -> None:
    """Pool workers get SIGKILL when the driver dies (even by kill -9): no orphans (Linux)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl: go now
            os._exit(1)
    except (OSError, AttributeError):
        pass


#: called with (position in the arglist, result) as each result arrives: the pipeline commits a
#: shard's completion record there, so a run killed mid-map keeps the shards it finished
Done = Callable[[int, Any], None]


class Executor:
    """Runs ``fn(*args)`` for each args tuple; results in submission order; ``progress(phase, done, total)``
    and ``done(i, result)`` as each result arrives."""

    workers = 1

    def map(self, fn: Callable, arglist: Sequence[tuple], phase: str, progress: Progress | None = None,
            done: Done | None = None) -> list:
        out = []
        for i, args in enumerate(arglist, start=1):
            out.append(fn(*args))
            if done:
                done(i - 1, out[-1])
            if progress:
                progress(phase, i, len(arglist))
        return out

    def call(self, fn: Callable, *args: Any) -> Any:
        """``fn(*args)`` once, where the map steps run: a reduce that needs the models the maps
        loaded (spin repair) runs there, not in a driver that would load them again."""
        return fn(*args)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PoolExecutor(Executor):
    """A process pool. On Linux up to Python 3.13 its workers are forked (the default start
    method), so they start with the driver's imports and settings; the start method is not named
    (naming "fork" made the Prefect serve test hang now and then): tests/test_pipeline.py's
    ``test_pool_workers_start_with_the_drivers_state`` says when the default stops being fork."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent)
        # the first task forks every worker (fork start): do it now, while this process has no
        # other thread. A resumed run's first map may be the write map, beside which the index
        # and views threads run; a worker forked then can inherit a lock one of them holds
        # (pyarrow's, the import lock) and hang (seen: the kill -9 test, resumed after despin)
        self.pool.submit(os.getpid).result()

    def map(self, fn, arglist, phase, progress=None, done=None):
        futures = {self.pool.submit(fn, *args): i for i, args in enumerate(arglist)}
        results: list = [None] * len(arglist)
        pending = set(futures)
        done_n = 0
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                results[futures[f]] = f.result()
                if done:
                    done(futures[f], results[futures[f]])
                done_n += 1
            if progress:
                progress(phase, done_n, len(arglist))
        return results

    def call(self, fn, *args):
        return self.pool.submit(fn, *args).result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """A Dask cluster: ``address`` of a running scheduler, or a local cluster of ``workers``
    processes bound to 127.0.0.1 (dashboard on a free loopback port)."""

    def __init__(self, address: str | None = None, workers: int = 2):
        from distributed import Client, LocalCluster

        self.cluster = None
        if address is None:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address="127.0.0.1:0")
            address = self.cluster.scheduler_address
        try:
            # the default client: as_completed looks it up
            self.client = Client(address, timeout=cio.section("pipeline")["dask_connect_seconds"])
        except OSError as exc:
            raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.dashboard = self.client.dashboard_link

    def map(self, fn, arglist, phase, progress=None, done=None):
        from distributed import as_completed

        futures = [self.client.submit(fn, *args, pure=False) for args in arglist]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list = [None] * len(arglist)
        for n, f in enumerate(as_completed(futures), start=1):
            results[index[f.key]] = f.result()
            if done:
                done(index[f.key], results[index[f.key]])
            if progress:
                progress(phase, n, len(arglist))
        return results

    def call(self, fn, *args):
        return self.client.submit(fn, *args, pure=False).result()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(workers: int | None, dask_address: str | None = None, dask_workers: int = 0,
                  tasks: int | None = None) -> Executor:
    """The executor a driver asked for: a Dask cluster when given one (or ``dask_workers``), a
    process pool for ``workers`` (default: one per core) > 1, else this process. A pool is never
    larger than the ``tasks`` a map has (a plan of one shard runs in this process)."""
    if dask_address or dask_workers:
        return DaskExecutor(dask_address, dask_workers or 2)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if tasks is not None:
        workers = min(workers, tasks)
    return PoolExecutor(workers) if workers > 1 else Executor()

