"""The steps of :mod:`flows.pipeline`: shard maps (module-level functions, so any executor can
run them) and the small reduces between them. Per-document work is ``flows.stages``' own.

Every map writes its shard's files into the work folder and returns a small summary, which is
also its completion record; a reduce reads the shards' tables one at a time.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import mmap
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from cleaners import boilerplate, dedup, spin
from cleaners.dedup.core import DedupConfig, Fingerprints, UnionFind, fingerprint, pair_agreements, verify
from cleaners.document import Document
from cleaners.io import (Rejected, concat_files_atomic, concat_parquet_atomic, gzip_open, record_digest, write_bytes_atomic, write_json,
                         write_jsonl, write_jsonl_gz)
from cleaners.settings import section
from flows import report_html, stages
from flows.shards import Executor, Progress, Shard, Work, id_hashes, read_shard, release_memory, stable_hash

BUCKETS = 16  # line-hash buckets of the site-repeat shuffle: the reduce holds one at a time
FP_FIELDS = ("sig", "size", "spin", "spin_size", "empty", "head")
PARTS = ("documents", "corpus", "rejected")
SITE_TASK_DOCS = 64  # documents a task of the site check reads at least (~2.5 s), where there are that many


# ---------------------------------------------------------------- running steps


class PhaseTimer:
    """Passes progress on, and keeps each phase's seconds (first call to its completion)."""

    def __init__(self, progress: Progress | None):
        self.progress = progress
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if phase not in self.seconds:
            self.seconds[phase] = 0.0
        self.seconds[phase] = round(self.seconds[phase] + now - self._last, 3)
        self._last = now
        if self.progress:
            self.progress(phase, done, total)


def mapped(work: Work, executor: Executor, phase: str, fn: Callable, arglist: list[tuple], progress: Progress | None) -> list:
    """``fn`` over the shards that have no completion record of ``phase``; every shard's summary, in order."""
    results = [work.done(phase, args[0]) for args in arglist]
    todo = [i for i, r in enumerate(results) if r is None]
    if len(todo) < len(arglist):
        work.reused[phase] = len(arglist) - len(todo)
    if progress and not todo:
        progress(phase, len(arglist), len(arglist))
    if todo:
        done_before = len(arglist) - len(todo)
        report = (lambda p, d, t: progress(p, done_before + d, len(arglist))) if progress else None
        def commit(j: int, summary: Any) -> None:  # as each shard finishes: a killed run keeps it
            results[todo[j]] = work.commit(phase, summary, arglist[todo[j]][0])

        executor.map(fn, [arglist[i] for i in todo], phase, report, commit)
    return results


def once(work: Work, phase: str, fn: Callable[[], Any], progress: Progress | None) -> Any:
    """A reduce, run once per planned run (its result is its completion record)."""
    result = work.done(phase)
    if result is None:
        result = work.commit(phase, fn())
        release_memory()
    if progress:
        progress(phase, 1, 1)
    return result


@contextlib.contextmanager
def beside(work: Work, phase: str, fn: Callable[[threading.Event], Any], timer: PhaseTimer) -> Iterator[None]:
    """A reduce run in a driver thread while the block runs (a map that does not need it):
    ``fn(ended)``, where ``ended`` is set when the block has ended (a reduce that follows the
    map's shards as they finish stops waiting then). The block ends when both have; the
    reduce's seconds are kept as ``"<phase> (beside)"``."""
    ended = threading.Event()

    def run() -> Any:
        t0 = time.perf_counter()
        result = once(work, phase, lambda: fn(ended), None)
        timer.seconds[f"{phase} (beside)"] = round(time.perf_counter() - t0, 3)
        return result

    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(run)
        try:
            yield  # (an error of the block is raised once the thread has ended; its own is then dropped)
        finally:
            ended.set()
        job.result()


def _shard_dir(root: str, shard: Shard) -> Path:
    d = Path(root) / shard.name
    d.mkdir(parents=True, exist_ok=True)
    return d


def _read_records(path: Path) -> list[dict[str, Any]]:
    with gzip_open(path, "rb") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _read_rows(path: Path, rows: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Rows ``rows`` (numbers as in :func:`_read_records`) of a JSON Lines file, the others skipped unparsed."""
    want, out = set(rows), {}
    with gzip_open(path, "rb") as fh:
        k = 0
        for line in fh:
            if not line.strip():
                continue
            if k in want:
                out[k] = json.loads(line)
                if len(out) == len(want):
                    break
            k += 1
    return out


# ---------------------------------------------------------------- map: clean


def _line_keys(doc: Document) -> tuple[list[str], str]:
    """A document's lines before stripping (its text plus the lines the boilerplate stage
    removed) as keys, and its longest key (the story it tells, for counting copies once)."""
    removed = [r["text"] for p in doc.provenance if p["stage"] == "boilerplate" for r in p.get("removed", [])]
    keys = [boilerplate._key(line) for line in doc.text.split("\n") + removed if line.strip()]
    return keys, max(keys, key=len, default="")


def clean_shard(shard: Shard, root: str) -> dict[str, Any]:
    """Read and clean one shard; write its documents, rejections, id table and line table."""
    d = _shard_dir(root, shard)
    cfg, min_chars = section("corpus"), boilerplate._cfg["min_repeat_chars"]
    docs, rejected, ids, rows = [], [], [], []
    site_docs: Counter[int] = Counter()
    for order, (item, where) in enumerate(read_shard(shard)):
        if isinstance(item, Rejected):
            rejected.append([order, item.to_record()])
            continue
        here = where[0] if where[1] is None else f"{where[0]}:{where[1]}"
        ids.append([item.id, here, record_digest(item), len(docs)])
        res = stages.clean_document(item)
        if isinstance(res, Rejected):
            ids[-1][3] = -1
            ids[-1].append(0)
            rejected.append([order, res.to_record()])
            continue
        keys, longest = _line_keys(res)
        site = stages._site(res)
        s = stable_hash(site) if site else 0
        site_docs[s] += 1
        story = stable_hash(longest)
        for k in {k for k in keys if len(k) >= min_chars and len(k.split()) < cfg["max_words"]}:
            rows.append((s, stable_hash(k), story, len(docs)))
        ids[-1].append(s)
        docs.append(res.to_record())
    write_jsonl_gz(d / "docs1.jsonl.gz", docs, level=1)
    _write_json(d / "rejected1.json", rejected)
    _write_json(d / "ids.json", ids)
    table = np.asarray(rows, dtype=np.int64).reshape(-1, 4)  # (site, line, story, document row)
    for b in range(BUCKETS):
        np.save(d / f"lines-{b:02d}.npy", table[table[:, 1] % BUCKETS == b])
    thr = section("spin")["threshold"]
    return {"docs": len(docs), "site_docs": [[k, v] for k, v in site_docs.items()],
            "flagged": [r for r, rec in enumerate(docs) if (rec.get("spin_score") or 0.0) >= thr]}


def _drop_dead(d: Path, names: Sequence[str]) -> None:
    """Remove a shard's intermediate files that only steps already committed read: a map task
    frees them in parallel, and so the driver has fewer files to remove at the end. (Never the
    task's own inputs: a task killed half-way is run again from them.)"""
    for name in names:
        (d / name).unlink(missing_ok=True)


def _write_json(path: Path, obj: Any) -> None:
    write_bytes_atomic(path, json.dumps(obj, ensure_ascii=False).encode("utf-8"))


# ---------------------------------------------------------------- reduce: site repeats, ids


def site_repeats(work: Work, shards: Sequence[Shard], clean: Sequence[dict], fixes: dict[str, dict[str, list]],
                 executor: Executor) -> dict[str, dict[str, str]]:
    """Lines that recur on one site (``min_site_docs`` and ``min_site_share`` of its documents)
    or across sites (``min_corpus_docs`` distinct stories on two or more sites): the same rule
    as :func:`cleaners.boilerplate.repeated_lines`, one hash bucket of lines per task
    (:func:`repeat_bucket`, on the executor), so no task holds more than a bucket. Records
    rejected as duplicates (``fixes``) do not count."""
    cfg = section("corpus")
    site_docs: Counter[int] = Counter()
    for summary in clean:
        for k, v in summary["site_docs"]:
            site_docs[int(k)] += v
    gone: dict[int, np.ndarray] = {}
    for name, shard_fixes in fixes.items():
        ids = json.loads((work.dir(int(name)) / "ids.json").read_text(encoding="utf-8"))
        rows = [ids[int(j)] for j, fix in shard_fixes.items() if fix[0] == "reject" and ids[int(j)][3] >= 0]
        for entry in rows:
            site_docs[entry[4]] -= 1
        gone[int(name)] = np.array([entry[3] for entry in rows], dtype=np.int64)
    limit = int(section("pipeline")["repeat_rows_in_memory"])
    tasks = [(str(work.root), [s.name for s in shards], b, sub, split, site_docs, gone, cfg)
             for b, sub, split in _line_buckets(work, shards, limit)]
    flags: dict[str, dict[str, str]] = {"site": {}, "corpus": {}}
    for part in executor.map(repeat_bucket, tasks, "repeats"):  # (buckets hold disjoint lines)
        for kind in flags:
            flags[kind].update(part[kind])
    return flags


def repeat_bucket(root: str, names: Sequence[str], b: int, sub: int, split: int, site_docs: Counter[int],
                  gone: dict[int, np.ndarray], cfg: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The repeated lines of one line-hash bucket (pass ``sub`` of ``split``), from every shard's
    table of that bucket: a map task of :func:`site_repeats`."""
    site_flags: dict[str, str] = {}
    corpus_flags: dict[str, str] = {}
    parts = []
    for k, name in enumerate(names):
        part = np.load(Path(root) / name / f"lines-{b:02d}.npy", mmap_mode="r")
        part = np.asarray(part[(part[:, 1] // BUCKETS) % split == sub] if split > 1 else part)
        if k in gone:
            part = part[~np.isin(part[:, 3], gone[k])]
        parts.append(part[:, :3])
    rows = np.unique(np.concatenate(parts) if parts else np.empty((0, 3), np.int64), axis=0)
    if len(rows):
        sk, df = np.unique(rows[:, :2], axis=0, return_counts=True)  # distinct stories per (site, line)
        for (site, key), n in zip(sk.tolist(), df.tolist()):
            if site and n >= cfg["min_site_docs"] and n >= cfg["min_site_share"] * site_docs[site]:
                site_flags[f"{site}:{key}"] = f"site-repeat:{n}/{site_docs[site]}"
        ks, stories = np.unique(np.unique(rows[:, 1:], axis=0)[:, 0], return_counts=True)
        kt, sites = np.unique(np.unique(rows[:, :2], axis=0)[:, 1], return_counts=True)
        n_sites = dict(zip(kt.tolist(), sites.tolist()))
        for key, n in zip(ks.tolist(), stories.tolist()):
            if n >= cfg["min_corpus_docs"] and n_sites.get(key, 0) >= 2:
                corpus_flags[str(key)] = f"corpus-repeat:{n}"
    return {"site": site_flags, "corpus": corpus_flags}


def _line_buckets(work: Work, shards: Sequence[Shard], limit: int) -> Iterator[tuple[int, int, int]]:
    """(bucket, part, parts): each line-hash bucket read in as many passes as keep one pass
    under ``limit`` rows (a line's rows always fall in the same pass), so the reduce's memory
    stays flat however large the corpus grows."""
    for b in range(BUCKETS):
        total = sum(np.load(work.dir(s) / f"lines-{b:02d}.npy", mmap_mode="r").shape[0] for s in shards)
        split = max(1, -(-total // max(1, limit)))
        for sub in range(split):
            yield b, sub, split


def duplicate_ids(work: Work, shards: Sequence[Shard], *existing: Iterable[str] | np.ndarray | None) -> dict[str, dict[str, list]]:
    """Records sharing an id across the whole input: the same text again is rejected, another
    text is renamed ``id~n`` (as ``cleaners.io`` decides within one reader); an id that the
    output folder already holds (``existing``: iterables of ids, or their :func:`id_hashes`: an
    appending run's earlier documents, the inbox's earlier batches) is renamed. Per shard, by id row.

    Memory: one 64-bit hash a record and an earlier id, plus the records of the ids that clash
    (their shards' id tables are read a second time, only where a clash is)."""
    paths = [work.dir(s) / "ids.json" for s in shards]
    parts = []
    for path in paths:
        table = json.loads(path.read_text(encoding="utf-8"))
        parts.append(np.fromiter((stable_hash(r[0]) for r in table), dtype=np.int64, count=len(table)))
    hashes = np.concatenate(parts) if parts else np.empty(0, np.int64)
    if not len(hashes):
        return {}
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])])
    old = np.unique(np.concatenate([id_hashes(e) for e in existing] or [np.empty(0, np.int64)]))
    _, first, counts = np.unique(hashes, return_index=True, return_counts=True)
    clash = np.isin(hashes, old)
    if not (counts > 1).any() and not clash.any():
        return {}
    dup_hashes = np.union1d(hashes[first[counts > 1]], hashes[clash])
    rows = np.nonzero(np.isin(hashes, dup_hashes))[0]  # ascending: first holders first
    known = np.unique(np.concatenate([hashes, old]))
    added: set[int] = set()

    def holds(table: np.ndarray, h: int) -> bool:  # (a sorted table of hashes)
        i = int(np.searchsorted(table, h))
        return i < len(table) and int(table[i]) == h

    def taken(h: int) -> bool:
        return h in added or holds(known, h)

    records: dict[int, tuple[str, int, list]] = {}  # global row -> (shard name, row in its id table, record)
    shard_of = np.searchsorted(offsets, rows, side="right") - 1
    for k in np.unique(shard_of).tolist():
        table = json.loads(paths[k].read_text(encoding="utf-8"))
        for g in rows[shard_of == k].tolist():
            j = g - int(offsets[k])
            records[g] = (shards[k].name, j, table[j])
    groups: dict[str, list[int]] = defaultdict(list)
    for g in rows.tolist():
        groups[records[g][2][0]].append(g)
    fixes: dict[str, dict[str, list]] = defaultdict(dict)
    for doc_id, members in groups.items():
        first_digest, first_where = records[members[0]][2][2], records[members[0]][2][1]
        if holds(old, stable_hash(doc_id)):  # the first holder of the id is in the output folder already
            first_digest, first_where = None, "an earlier run into this output folder"
            members = [None, *members]
        for g in members[1:]:
            name, j, rec = records[g]
            digest = rec[2]
            if digest == first_digest:
                fixes[name][str(j)] = ["reject", f"duplicate record: id {doc_id!r} with the same text was already read at {first_where}"]
                continue
            n = 1
            while taken(stable_hash(f"{doc_id}~{n}")):
                n += 1
            new_id = f"{doc_id}~{n}"
            added.add(stable_hash(new_id))
            fixes[name][str(j)] = ["rename", new_id, f"id also used at {first_where}"]
            if first_digest is None:
                first_digest = digest
    return dict(fixes)


# ---------------------------------------------------------------- map: finish


def spinning_sites(work: Work, shards: Sequence[Shard], clean: Sequence[dict], fixes: dict[str, dict[str, list]],
                   executor: Executor, state: Path) -> dict[str, float]:
    """The site check: site (hash, as text) → median spin level, for the sites whose sampled
    documents read as spun. The sample (:func:`flows.stages.site_spin_samples`) depends on the
    documents only, never on the shards, so every driver picks the same; their levels are read
    where the maps run (:func:`site_levels`, tasks of at least ``SITE_TASK_DOCS`` picks), and
    kept with those of earlier runs in ``state`` (:class:`flows.stages.SiteLevels`)."""
    cfg = section("spin")
    if not stages.site_check_on(cfg):
        return {}
    known = stages.SiteLevels.load(state, cfg)
    present: set[int] = set()

    def eligible() -> Iterator[tuple[int, str, tuple[int, int, str]]]:
        for k, shard in enumerate(shards):
            ids = json.loads((work.dir(shard) / "ids.json").read_text(encoding="utf-8"))
            shard_fixes, flagged = fixes.get(shard.name, {}), set(clean[k].get("flagged", ()))
            for j, entry in enumerate(ids):
                fix = shard_fixes.get(str(j))
                if entry[3] < 0 or entry[4] == 0 or (fix and fix[0] == "reject"):
                    continue
                present.add(entry[4])
                if entry[3] in flagged:
                    continue
                doc_id = fix[1] if fix else entry[0]
                yield entry[4], doc_id, (k, entry[3], doc_id)

    picks: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for site, (k, row, doc_id) in stages.site_spin_samples(eligible(), cfg, keeping=True, settled=known.settled):
        picks[k].append((row, site, doc_id))
    # tasks of at least SITE_TASK_DOCS documents (several shards each where picks are few): every
    # process that reads a sample loads the decider's models (~150 MB), so few processes should
    tasks: list[tuple[str, list[tuple[Shard, list[tuple[int, int, str]]]]]] = []
    size = 0
    for k, rows in sorted(picks.items()):
        if not tasks or size >= SITE_TASK_DOCS:
            tasks.append((str(work.root), []))
            size = 0
        tasks[-1][1].append((shards[k], rows))
        size += len(rows)
    known.add_run([got for part in executor.map(site_levels, tasks, "spin-sites") for got in part])
    known.save(state)
    return stages.site_verdicts(present, known, cfg)


def site_levels(root: str, picks: Sequence[tuple[Shard, Sequence[tuple[int, int, str]]]]) -> list[tuple[int, str, float]]:
    """``(site, document id, level)`` of the sampled rows of some shards (:func:`cleaners.spin.content_spin_level`
    of the text the clean map wrote; ``None`` levels, non-English or short text, left out)."""
    out = []
    for shard, rows in picks:
        recs = _read_rows(_shard_dir(root, shard) / "docs1.jsonl.gz", [r for r, _, _ in rows])
        for row, site, doc_id in rows:
            level = spin.content_spin_level(recs[row]["text"])
            if level is not None:
                out.append((site, doc_id, level))
    return out


def finish_shard(shard: Shard, root: str, fixes: dict[str, list], flags: dict[str, dict[str, str]],
                 spinning: dict[str, float] | None = None) -> dict[str, Any]:
    """Duplicate ids out or renamed, lines of site and corpus chrome out, the unflagged documents
    of ``spinning`` sites repaired (:func:`spinning_sites`), then the dedup fingerprints of the
    final text (saved as arrays the dedup reduce memory-maps)."""
    d = _shard_dir(root, shard)
    _drop_dead(d, [f"lines-{b:02d}.npy" for b in range(BUCKETS)])  # (the repeats reduce is done with them)
    ids = json.loads((d / "ids.json").read_text(encoding="utf-8"))
    by_row = {entry[3]: j for j, entry in enumerate(ids) if entry[3] >= 0}
    rejected = json.loads((d / "rejected1.json").read_text(encoding="utf-8"))
    docs: list[Document] = []
    for row, rec in enumerate(_read_records(d / "docs1.jsonl.gz")):
        doc = Document.from_record(rec)
        fix = fixes.get(str(by_row[row]))
        if fix and fix[0] == "reject":
            src, _, line = ids[by_row[row]][1].rpartition(":")
            rejected.append([-1, Rejected(src if line.isdigit() else ids[by_row[row]][1], fix[1], int(line) if line.isdigit() else None).to_record()])
            continue
        if fix:
            doc = doc.evolve(id=fix[1], metadata={**doc.metadata, "input_id": doc.id, "id_collision": fix[2]})
        doc = _strip_repeats(doc, flags)
        level = spinning.get(str(ids[by_row[row]][4])) if spinning else None
        if level is not None:
            doc = stages.spin_site_stage(doc, level)
        docs.append(doc)
    cfg = DedupConfig.from_settings()
    fp = fingerprint([doc.text for doc in docs], cfg)
    for name in FP_FIELDS:
        np.save(d / f"fp-{name}.npy", getattr(fp, name))
    threshold = section("spin")["threshold"]
    meta = {
        "ids": [doc.id for doc in docs],
        "ranks": [list(dedup.canonical_rank(doc.text, doc.spin_score, stages._n_meta(doc), doc.date)) for doc in docs],
        "scores": [doc.spin_score for doc in docs],
        "flagged": [i for i, doc in enumerate(docs) if (doc.spin_score or 0.0) >= threshold],
    }
    _write_json(d / "meta.json", meta)
    write_jsonl_gz(d / "docs2.jsonl.gz", [doc.to_record() for doc in docs], level=1)
    _write_json(d / "rejected2.json", [r for _, r in sorted(rejected, key=lambda x: (x[0] < 0, x[0]))])
    return {"docs": len(docs), "flagged": meta["flagged"]}


def _strip_repeats(doc: Document, flags: dict[str, dict[str, str]]) -> Document:
    site = stages._site(doc)
    s = stable_hash(site) if site else 0
    known: dict[str, str] = {}
    for line in doc.text.split("\n"):
        if not line.strip():
            continue
        k = boilerplate._key(line)
        h = stable_hash(k)
        reason = flags["site"].get(f"{s}:{h}") if s else None
        reason = reason or flags["corpus"].get(str(h))
        if reason:
            known[k] = reason
    if not known:
        return doc
    res = boilerplate.remove_known_lines(doc.text, known)
    if not res.removed or not res.text.strip():
        return doc
    return doc.evolve("boilerplate-corpus", text=res.text, removed=[r.to_record() for r in res.removed])


# ---------------------------------------------------------------- shared by the reduces


#: shards whose fingerprint files the dedup reduce keeps mapped at once (ShardFingerprints), and
#: whose id and rank tables it keeps loaded (ShardMetas)
MAPPED_SHARDS = 64


class ShardMetas(Sequence):
    """Each shard's ``meta.json`` (ids and canonical ranks of its documents), read when asked for;
    a bounded number stay loaded, so the reduce's memory does not grow with the corpus."""

    def __init__(self, work: Work, shards: Sequence[Shard]):
        self.paths = [work.dir(s) / "meta.json" for s in shards]
        self._load = functools.lru_cache(maxsize=MAPPED_SHARDS)(self._read)

    def _read(self, k: int) -> dict:
        return json.loads(self.paths[k].read_text(encoding="utf-8"))

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, k):  # (an int: what the reduce asks for)
        return self._load(k)


@functools.lru_cache(maxsize=1 << 16)
def _npy_layout(path: Path, _version: tuple[int, int, int]) -> tuple[int, np.dtype, tuple[int, ...], bool] | None:
    """Where an ``.npy`` file's data starts, and its dtype, shape and order (its header, read
    once per version of the file: ``_version`` is its inode, size and mtime); ``None`` for a
    format version this does not read (np.load then maps it)."""
    fmt = np.lib.format
    with open(path, "rb") as fh:
        version = fmt.read_magic(fh)
        if version not in ((1, 0), (2, 0)):
            return None
        shape, fortran, dtype = (fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0)(fh)
        return fh.tell(), dtype, shape, fortran


def _map_npy(path: Path) -> np.ndarray:
    """``np.load(path, mmap_mode="r")`` with the header parsed once per file: the dedup reduce
    maps each shard's arrays again whenever its bounded cache dropped them, and np.load parses
    the header (and resolves the path) every time, ~0.2 ms an array."""
    st = os.stat(path)
    layout = _npy_layout(path, (st.st_ino, st.st_size, st.st_mtime_ns))
    if layout is None or layout[1].hasobject:
        return np.load(path, mmap_mode="r")
    offset, dtype, shape, fortran = layout
    count = int(np.prod(shape, dtype=np.int64))
    if count == 0:
        return np.empty(shape, dtype=dtype)
    with open(path, "rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    return np.frombuffer(mm, dtype=dtype, count=count, offset=offset).reshape(shape, order="F" if fortran else "C")


class ShardFingerprints:
    """Each shard's fingerprint arrays, memory-mapped; rows are read only when asked for."""

    def __init__(self, work: Work, shards: Sequence[Shard], counts: Sequence[int]):
        self.dirs = [work.dir(s) for s in shards]
        self.offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        # a bounded number of shards stay mapped: the pages a mapping touched count in the driver's
        # resident memory until it is dropped, so keeping every shard's would grow with the corpus
        self.shard = functools.lru_cache(maxsize=MAPPED_SHARDS)(self._map)
        self.overrides: dict[int, Fingerprints] = {}  # global row -> one-row fingerprints (repaired texts)

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def _map(self, k: int) -> Fingerprints:
        return Fingerprints(*(_map_npy(self.dirs[k] / f"fp-{n}.npy") for n in FP_FIELDS))

    def locate(self, g: int) -> tuple[int, int]:
        k = int(np.searchsorted(self.offsets, g, side="right")) - 1
        return k, g - int(self.offsets[k])

    def shard_rows(self, k: int) -> Fingerprints:
        """Shard ``k``'s fingerprints in memory, repaired rows replaced."""
        return self.rows(np.arange(self.offsets[k], self.offsets[k + 1]))

    def rows(self, g: np.ndarray) -> Fingerprints:
        """The fingerprints of global rows ``g`` (any order, repeats allowed), repaired rows
        replaced: read shard by shard from the mapped arrays."""
        g = np.asarray(g, dtype=np.int64)
        k = np.searchsorted(self.offsets, g, side="right") - 1
        order = np.argsort(k, kind="stable")
        cut = np.flatnonzero(np.diff(k[order])) + 1
        parts: dict[str, np.ndarray] = {}
        for sel in np.split(order, cut) if len(g) else []:
            s = int(k[sel[0]])
            fp = self.shard(s)
            local = g[sel] - self.offsets[s]
            for n in FP_FIELDS:
                col = getattr(fp, n)
                if n not in parts:
                    parts[n] = np.empty((len(g),) + col.shape[1:], dtype=col.dtype)
                parts[n][sel] = col[local]
        if not parts:  # (no rows: empty arrays of the right widths)
            return Fingerprints(*(np.asarray(getattr(self.shard(0), n))[:0] for n in FP_FIELDS))
        for j in np.flatnonzero(np.isin(g, np.fromiter(self.overrides, np.int64, len(self.overrides)))).tolist():
            one = self.overrides[int(g[j])]
            for n in FP_FIELDS:
                parts[n][j] = getattr(one, n)[0]
        return Fingerprints(*(parts[n] for n in FP_FIELDS))


def band_hashes(fp: Fingerprints, cfg: DedupConfig) -> np.ndarray:
    """(n, bands of the three views) 64-bit band hashes: two documents share a bucket exactly
    when a band of their signatures is equal (as in ``MinHashLSH``), but for 2^-63 chances."""
    out = []
    for sig, bands, rows in ((fp.sig, cfg.bands, cfg.rows), (fp.spin, cfg.spin_bands, cfg.spin_rows),
                             (fp.head, cfg.head_bands, cfg.head_rows)):
        n = sig.shape[0]
        x = np.asarray(sig[:, : bands * rows], dtype=np.uint64).reshape(n, bands, rows)
        h = np.full((n, bands), 0xCBF29CE484222325, dtype=np.uint64)
        for r in range(rows):
            h = (h ^ x[:, :, r]) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(31)
        out.append(h.view(np.int64))
    return np.concatenate(out, axis=1)


# ---------------------------------------------------------------- reduce: despin


def despin_reduce(work: Work, shards: Sequence[Shard], fin: Sequence[dict], state: Path, sample: int) -> dict[str, Any]:
    """:func:`_despin_reduce`, then the freed memory back to the system (it runs on a pool
    worker, which goes on to the write map)."""
    result = _despin_reduce(work, shards, fin, state, sample)
    release_memory()
    return result


def _despin_reduce(work: Work, shards: Sequence[Shard], fin: Sequence[dict], state: Path, sample: int) -> dict[str, Any]:
    """Corpus-level spin repair of the flagged documents only, with their LSH candidates (where
    clean copies of the same story come from) and the first ``sample`` (``[pipeline] despin_sample_docs``)
    clean documents (the bigram LM) as the corpus it sees. Nothing flagged: nothing read."""
    path = state / stages.SPIN_TABLE_FILE
    table, problem = None, None
    if path.exists():
        try:
            table = spin.PhraseTable.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError) as exc:  # a damaged table is set aside, never fatal
            problem = f"unreadable {path.name} ignored: {type(exc).__name__}: {exc}"[:200]
    counts = [f["docs"] for f in fin]
    flagged = {(k, r) for k, f in enumerate(fin) for r in f["flagged"]}
    chosen: set[tuple[int, int]] = set(flagged)
    if flagged:
        cfg = DedupConfig.from_settings()
        fps = ShardFingerprints(work, shards, counts)
        wanted: list[set[int]] = [set() for _ in range(cfg.bands + cfg.spin_bands + cfg.head_bands)]
        for k, r in flagged:
            keys = band_hashes(fps.shard(k).take([r]), cfg)[0]
            for j, key in enumerate(keys.tolist()):
                wanted[j].add(key)
        for k in range(len(shards)):
            if not counts[k]:
                continue
            fp = fps.shard(k)
            keys = band_hashes(fp, cfg)
            hit = np.zeros(len(keys), dtype=bool)
            for j in range(keys.shape[1]):
                hit |= np.isin(keys[:, j], np.fromiter(wanted[j], dtype=np.int64, count=len(wanted[j])))
            hit &= ~np.asarray(fp.empty)
            chosen.update((k, int(r)) for r in np.nonzero(hit)[0])
        for k in range(len(shards)):  # the LM sample: the first clean documents, in input order
            for r in range(counts[k]):
                if sample <= 0:
                    break
                if (k, r) not in flagged:
                    chosen.add((k, r))
                    sample -= 1
    order = sorted(chosen)
    texts, ids, scores = [], [], []
    by_shard: dict[int, list[int]] = defaultdict(list)
    for k, r in order:
        by_shard[k].append(r)
    for k, rows in sorted(by_shard.items()):
        recs = _read_rows(work.dir(shards[k]) / "docs2.jsonl.gz", rows)
        for r in rows:
            texts.append(recs[r]["text"])
            ids.append(recs[r]["id"])
            scores.append(recs[r]["spin_score"])
    res = spin.despin_corpus(texts, ids=ids, scores=scores, table=table)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, res.table.to_dict())
    repaired: dict[str, dict[str, list]] = defaultdict(dict)
    for (k, r), result in zip(order, res.results):
        if (k, r) in flagged and result.repairs:
            repaired[shards[k].name][str(r)] = [result.text, [x.to_record() for x in result.repairs]]
    for name, rows in repaired.items():
        _write_json(work.dir(int(name)) / "despin.json", rows)
    return {"problem": problem, "repaired": {name: sorted(map(int, rows)) for name, rows in repaired.items()},
            "considered": len(order)}


# ---------------------------------------------------------------- reduce: dedup


def _candidate_pairs(keys: np.ndarray, live: np.ndarray, small: int) -> np.ndarray:
    """Pairs (i < k) of documents sharing a bucket in any band: every pair of a bucket of up to
    ``small`` members; in a larger bucket (one story syndicated thousands of times) each member
    with the bucket's first and with the one before it, so the cost stays linear."""
    out = []
    idx = np.nonzero(live)[0]
    for j in range(keys.shape[1]):
        col = keys[idx, j]
        order = np.argsort(col, kind="stable")
        sorted_keys, members = col[order], idx[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], len(sorted_keys)]
        sizes = ends - starts
        for size in np.unique(sizes[sizes > 1]).tolist():
            sel = starts[sizes == size]
            block = members[sel[:, None] + np.arange(size)]  # (buckets, size), ascending doc order
            block.sort(axis=1)
            if size <= small:
                a, b = np.triu_indices(size, 1)
                out.append(np.stack([block[:, a].ravel(), block[:, b].ravel()], axis=1))
            else:
                first = np.repeat(block[:, :1], size - 1, axis=1)
                out.append(np.stack([first.ravel(), block[:, 1:].ravel()], axis=1))
                out.append(np.stack([block[:, :-1].ravel(), block[:, 1:].ravel()], axis=1))
    if not out:
        return np.empty((0, 2), np.int64)
    pairs = np.concatenate(out)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    n = int(live.shape[0]) + 1
    code = np.unique(pairs[:, 0].astype(np.int64) * n + pairs[:, 1])
    return np.stack([code // n, code % n], axis=1)


def _run_fingerprints(work: Work, shards: Sequence[Shard], fin: Sequence[dict], spun: dict[str, Any],
                      metas: Sequence[dict], cfg: DedupConfig) -> tuple[ShardFingerprints, dict[int, tuple]]:
    """The shards' fingerprints with the despin step's repaired texts in place, and those
    documents' canonical ranks (their new length)."""
    fps = ShardFingerprints(work, shards, [f["docs"] for f in fin])
    ranks: dict[int, tuple] = {}
    for name, rows in spun["repaired"].items():  # repaired texts: new fingerprints, new length in the rank
        k = int(name)
        fixes = json.loads((work.dir(k) / "despin.json").read_text(encoding="utf-8"))
        new = fingerprint([fixes[str(r)][0] for r in rows], cfg)
        for i, r in enumerate(rows):
            g = int(fps.offsets[k]) + r
            fps.overrides[g] = new.take([i])
            rank = list(metas[k]["ranks"][r])
            rank[1] = -len(fixes[str(r)][0])
            ranks[g] = tuple(rank)
    return fps, ranks


def dedup_reduce(work: Work, shards: Sequence[Shard], fin: Sequence[dict], spun: dict[str, Any], index_path) -> dict[str, Any]:
    """Clusters of this run's documents (connected components of verified LSH candidate pairs,
    as ``cleaners.dedup.dedup_batch`` decides them), the best-ranked copy canonical; a cluster
    that copies a document of an earlier run keeps that run's canonical copy. Decisions are
    written per shard; only small tables stay. (The documents join the persistent index in
    :func:`index_reduce`, while the write map runs; the caller holds the index's writer lock
    from this step's query to that update.)"""
    cfg = DedupConfig.from_settings()
    metas = ShardMetas(work, shards)
    fps, ranks = _run_fingerprints(work, shards, fin, spun, metas, cfg)
    n = len(fps)
    keys = np.empty((n, cfg.bands + cfg.spin_bands + cfg.head_bands), dtype=np.int64)
    live = np.empty(n, dtype=bool)
    for k in range(len(shards)):
        lo, hi = int(fps.offsets[k]), int(fps.offsets[k + 1])
        if hi > lo:
            fp = fps.shard_rows(k)
            keys[lo:hi] = band_hashes(fp, cfg)
            live[lo:hi] = ~fp.empty
    pairs = _candidate_pairs(keys, live, section("pipeline")["bucket_all_pairs"])
    del keys
    uf = UnionFind(n)
    why: dict[int, str] = {}
    for start in range(0, len(pairs), 16384):  # a block of pairs: both ends' signatures compared at once
        block = pairs[start:start + 16384]
        ends = fps.rows(block.T.reshape(-1))  # (both ends in one pass over the shards)
        a, b = (Fingerprints(*(getattr(ends, f)[half] for f in FP_FIELDS)) for half in (slice(0, len(block)), slice(len(block), None)))
        agree = zip(block.tolist(), pair_agreements(a, b, "sig").tolist(), pair_agreements(a, b, "spin").tolist(),
                    (a.empty | b.empty).tolist(), a.size.tolist(), b.size.tolist(), a.spin_size.tolist(), b.spin_size.tolist())
        for (i, k), same, same_spin, empty, size_a, size_b, spin_a, spin_b in agree:
            if empty or uf.find(i) == uf.find(k):
                continue
            reason = verify(cfg, same / cfg.num_perm, size_a, size_b, same_spin / cfg.spin_num_perm, spin_a, spin_b)
            if reason:  # (verify_pair's verdict to the bit: the same counts over the same widths)
                uf.union(i, k)
                why.setdefault(k, reason)
                why.setdefault(i, reason)
    matches = _earlier_matches(work, index_path, fps, metas) if index_path is not None else {}
    groups: dict[int, list[int]] = defaultdict(list)  # every member of a merged cluster is in `why`
    for g in sorted(set(why) | set(matches)):
        groups[uf.find(g)].append(g)
    decisions, canon_of, ids = _decide(groups, matches, why, ranks, fps, metas)
    rows = np.array(sorted(canon_of), dtype=np.int64)  # copy -> its canonical: a row, or -1 - (index number)
    np.save(work.root / "canon-of.npy", np.stack([rows, np.array([c if isinstance(c, int) else -1 - int(c[1:])
                                                                   for c in map(canon_of.__getitem__, rows.tolist())],
                                                                  dtype=np.int64)], axis=1).reshape(-1, 2))
    per_shard: dict[int, dict[str, list]] = defaultdict(dict)
    for g in sorted(decisions):  # (grouped once: a pass over all decisions per shard is quadratic)
        k, r = fps.locate(g)
        per_shard[k][str(r)] = decisions[g]
    for k, s in enumerate(shards):
        _write_json(work.dir(s) / "dedup.json", per_shard.get(k, {}))
    sizes = Counter(len(m) for m in groups.values())
    sizes[1] += n - sum(len(m) for m in groups.values())
    want = {}
    top = [m for m in sorted(groups.values(), key=lambda m: (-len(m), m[0]))[: report_html.TOP_CLUSTERS] if len(m) >= 2]
    canons = [next((g for g in members if decisions[g][1] is None), members[0]) for members in top]
    others = [[g for g in members if g != canon][:50] for canon, members in zip(canons, top)]
    ids.update(_gather(fps, metas, "ids", (g for rows in others for g in rows if g not in ids)))
    for canon, members, rows in zip(canons, top, others):
        k, r = fps.locate(canon)
        want[f"{shards[k].name}:{r}"] = [ids[g] for g in rows] + [len(members)]
    return {"cluster_sizes": [[s, c] for s, c in sorted(sizes.items())], "pairs": int(len(pairs)), "want": want,
            "clusters": sum(sizes.values()), "docs": n}


def _gather(fps: ShardFingerprints, metas: Sequence[dict], field: str, rows: Iterable[int]) -> dict[int, Any]:
    """``metas[k][field][r]`` of global rows, each shard's table read once, in shard order
    (rows of a cluster lie anywhere in the corpus: asked for in cluster order, the bounded
    table cache would read each shard's table again for every few clusters)."""
    g = np.fromiter(rows, dtype=np.int64)
    k = np.searchsorted(fps.offsets, g, side="right") - 1
    out: dict[int, Any] = {}
    for i in np.argsort(k, kind="stable").tolist():
        kk = int(k[i])
        out[int(g[i])] = metas[kk][field][int(g[i] - fps.offsets[kk])]
    return out


def _earlier_matches(work: Work, index_path, fps: ShardFingerprints, metas: Sequence[dict]) -> dict[int, list]:
    """What the persistent index already holds of this run's documents (this step runs before
    any of them is added, and a killed run's additions are undone before it adds them again)."""
    matches: dict[int, list] = {}
    with stages.dedup.open_index(index_path) as index:
        if not len(index):  # (a new corpus: nothing to ask)
            return matches
        for k in range(len(metas)):
            if fps.offsets[k + 1] > fps.offsets[k]:
                for r, ms in index.query(fps.shard_rows(k)).items():
                    matches[int(fps.offsets[k]) + r] = ms
    return matches


def _decide(groups: dict[int, list[int]], matches: dict[int, list], why: dict[int, str], ranks: dict[int, tuple],
            fps: ShardFingerprints, metas: Sequence[dict]) -> tuple[dict[int, list], dict[int, int | str], dict[int, str]]:
    """Per member of a cluster: (cluster id, duplicate_of, size, reason), as ``dedup_batch`` words
    them; each copy's canonical (a global row, or ``#n``: an earlier run's index number); and the
    ids of the canonical copies."""
    decisions: dict[int, list] = {}
    canon_of: dict[int, int | str] = {}
    earliest = {root: sorted((m for g in members for m in matches.get(g, [])), key=lambda m: m.doc) for root, members in groups.items()}
    ranks.update((g, tuple(r)) for g, r in _gather(fps, metas, "ranks", (
        g for root, members in groups.items() if not earliest[root] for g in members if g not in ranks)).items())
    canons = {root: min(members, key=lambda g: (ranks[g], g)) for root, members in groups.items() if not earliest[root]}
    ids = _gather(fps, metas, "ids", canons.values())
    for root, members in groups.items():
        earlier = earliest[root]
        if earlier:
            keep = earlier[0].canonical
            for g in members:
                mine = matches.get(g, [])
                reason = (f"{mine[0].reason} of {mine[0].id} from an earlier run" if mine
                          else f"{why.get(g, 'same cluster')}; the cluster copies {keep} from an earlier run")
                decisions[g] = [keep, keep, len(members), reason]
                canon_of[g] = f"#{earlier[0].canonical_doc}"
            continue
        canon = canons[root]
        cid = ids[canon]
        for g in members:
            if g == canon:
                decisions[g] = [cid, None, len(members), "canonical"]
            else:
                decisions[g] = [cid, cid, len(members),
                                f"{why.get(g, 'same cluster')}; canonical copy ranks better (not spun, longer, more metadata, earlier)"]
                canon_of[g] = canon
    return decisions, canon_of, ids


def index_reduce(work: Work, shards: Sequence[Shard], fin: Sequence[dict], spun: dict[str, Any], index_path) -> bool:
    """This run's documents into the persistent index, canonical copies first (so their copies
    can point at their index numbers), all in one :meth:`~cleaners.dedup.index.DedupIndex.bulk`
    write. Documents a killed attempt of this step added (a backend without transactions) are
    taken out first."""
    cfg = DedupConfig.from_settings()
    metas = ShardMetas(work, shards)
    fps, _ = _run_fingerprints(work, shards, fin, spun, metas, cfg)
    table = np.load(work.root / "canon-of.npy")
    canon_of: dict[int, int | str] = {g: (c if c >= 0 else f"#{-1 - c}") for g, c in table.tolist()}
    wanted = {c for c in canon_of.values() if isinstance(c, int)}
    nums: dict[int, int] = {}
    with stages.dedup.open_index(index_path) as index:
        if work.done("dedup-index-started"):
            index.remove([i for k in range(len(metas)) for i in metas[k]["ids"]])  # (one scan of the band table)
        work.commit("dedup-index-started", True)
        with index.bulk():
            for first_pass in (True, False):
                for k, meta in enumerate(metas):
                    lo = int(fps.offsets[k])
                    rows = [r for r in range(len(meta["ids"])) if (canon_of.get(lo + r) is None) == first_pass]
                    if not rows:
                        continue
                    canonical = None if first_pass else [
                        c if isinstance(c, str) else f"#{nums[c]}" for c in (canon_of[lo + r] for r in rows)]
                    added = index.add([meta["ids"][r] for r in rows], fps.shard_rows(k).take(rows), canonical)
                    if first_pass:
                        nums.update((lo + r, num) for r, num in zip(rows, added) if lo + r in wanted)
    work.commit("dedup-index-added", True)  # (a marker: the kill-point tests stop here too)
    return True


# ---------------------------------------------------------------- map: write


def first_part(out: Path, mode: str) -> int:
    """Where this run's part numbers start: after the parts an appended-to OUT holds (a corpus
    written before parts existed becomes part 0)."""
    if mode != "append":
        return 0
    legacy = {"documents": "documents.jsonl.gz", "corpus": "corpus.jsonl.gz", "rejected": "rejected.jsonl"}
    if not (out / "documents").is_dir() and (out / "documents.jsonl.gz").exists():
        for folder, name in legacy.items():
            (out / folder).mkdir(exist_ok=True)
            if (out / name).exists():
                suffix = name.split(".", 1)[1]
                os.replace(out / name, out / folder / f"part-00000.{suffix}")
        if (out / "corpus.parquet").exists():
            os.replace(out / "corpus.parquet", out / "corpus" / "part-00000.parquet")
    have = [int(p.name.split("-")[1].split(".")[0]) for p in (out / "documents").glob("part-*.jsonl.gz")] if (out / "documents").is_dir() else []
    return max(have) + 1 if have else 0


def write_shard(shard: Shard, root: str, out: str, part: int, problem: str | None, want: dict[str, list]) -> dict[str, Any]:
    """The shard's final documents (spin repairs and dedup decisions applied) as output parts,
    and its share of the report."""
    d = _shard_dir(root, shard)
    _drop_dead(d, ["docs1.jsonl.gz", "rejected1.json", "ids.json"])  # (finish: done; the fingerprints serve the index step beside this map)
    repaired = json.loads((d / "despin.json").read_text(encoding="utf-8")) if (d / "despin.json").exists() else {}
    decided = json.loads((d / "dedup.json").read_text(encoding="utf-8"))
    extra = {"table_problem": problem} if problem else {}
    docs = []
    for r, rec in enumerate(_read_records(d / "docs2.jsonl.gz")):
        doc = Document.from_record(rec)
        text, repairs = repaired.get(str(r), (doc.text, []))
        doc = doc.evolve("spin-corpus", text=text, changed=bool(repairs), repairs=repairs, **extra)
        cid, dup, size, reason = decided.get(str(r), [doc.id, None, 1, "canonical"])
        docs.append(doc.evolve("dedup", cluster_id=cid, duplicate_of=dup, cluster_size=size, decision=reason))
    rejected = json.loads((d / "rejected2.json").read_text(encoding="utf-8"))
    base = Path(out)
    name = f"part-{part:05d}"
    for folder in PARTS:
        (base / folder).mkdir(exist_ok=True)
    corpus = stages.write_rows(docs, base / "documents" / f"{name}.jsonl.gz", base / "corpus" / f"{name}.jsonl.gz",
                               base / "corpus" / f"{name}.parquet")
    write_jsonl(base / "rejected" / f"{name}.jsonl", rejected)
    report = stages.build_report(docs, [Rejected(**r) for r in rejected])
    figures = report_html.figures_from_docs(docs)
    cards = {}
    for r in range(len(docs)):
        key = f"{shard.name}:{r}"
        if key in want:
            cards[docs[r].id] = report_html.cluster_card(docs[r], want[key][:-1], want[key][-1])
    return {"part": name, "documents": len(docs), "corpus": corpus, "rejected": len(rejected),
            "counts": report["counts"], "removal_reasons": report["removal_reasons"],
            "rejected_sample": report["rejected"][: report_html.MAX_ROWS], "figures": figures, "cards": cards}


# ---------------------------------------------------------------- the run's report


VIEWS = (("documents.jsonl.gz", "documents", ".jsonl.gz", concat_files_atomic),
         ("corpus.jsonl.gz", "corpus", ".jsonl.gz", concat_files_atomic),
         ("corpus.parquet", "corpus", ".parquet", concat_parquet_atomic),
         ("rejected.jsonl", "rejected", ".jsonl", concat_files_atomic))


def single_file_views(out: Path, work: Work, shards: Sequence[Shard], first: int, ended: threading.Event) -> bool:
    """The single-file views (``[pipeline] single_file_views``): every part of ``out``, an
    appended-to corpus's earlier ones first, concatenated in order while the write map writes
    this run's, each part as soon as it and the parts before it are written. Each view
    replaces its file atomically once complete; a write map that fails leaves them as they were."""
    if not section("pipeline")["single_file_views"]:
        return False

    def written(folder: str, suffix: str) -> Iterator[Path]:
        earlier = sorted(p for p in (out / folder).glob(f"part-*{suffix}") if int(p.name.split("-")[1].split(".")[0]) < first) if (out / folder).is_dir() else []
        yield from earlier
        for s in shards:
            while work.done("write", s) is None:
                if ended.is_set() and work.done("write", s) is None:
                    raise RuntimeError(f"the write map ended without shard {s.name}: views left as they were")
                ended.wait(0.05)
            part = out / folder / f"part-{first + s.index:05d}{suffix}"
            if part.exists():
                yield part

    with ThreadPoolExecutor(len(VIEWS)) as pool:  # copying and pyarrow release the GIL: the views overlap
        jobs = [pool.submit(concat, out / view, written(folder, suffix)) for view, folder, suffix, concat in VIEWS]
        for job in jobs:
            job.result()  # (an error in any view is raised here)
    return True


def finish_run(out: Path, wrote: Sequence[dict], dedup_summary: dict, mode: str, seconds: float,
               phases: dict[str, float] | None = None, reused: dict[str, int] | None = None,
               skipped: tuple[int, list[str]] = (0, [])) -> dict[str, Any]:
    """manifest.json, report.json (written last) and report.html."""
    (out / "report.json").unlink(missing_ok=True)
    manifest_path = out / "manifest.json"
    earlier = json.loads(manifest_path.read_text(encoding="utf-8")) if mode == "append" and manifest_path.exists() else {"parts": []}
    known = {p["part"] for p in earlier["parts"]}
    parts = list(earlier["parts"]) + [
        {k: w[k] for k in ("part", "documents", "corpus", "rejected")} for w in wrote if w["part"] not in known]
    listed = {p["part"] for p in parts}
    for folder in PARTS:  # parts of an appended-to corpus written before manifests: counted from the files
        for f in sorted((out / folder).glob("part-*")) if (out / folder).is_dir() else []:
            name = f.name.split(".")[0]
            if name not in listed:
                listed.add(name)
                parts.append({"part": name, "documents": None, "corpus": None, "rejected": None})
    parts.sort(key=lambda p: p["part"])
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for w in wrote:
        counts.update(w["counts"])
        reasons.update(w["removal_reasons"])
    counts["clusters"] = dedup_summary["clusters"]
    report: dict[str, Any] = {
        "counts": dict(counts),
        "removal_reasons": dict(reasons.most_common()),
        "rejected": [r for w in wrote for r in w["rejected_sample"]][: report_html.MAX_ROWS],
        "rejected_total": counts["rejected"],
        "seconds": round(seconds, 3),
        "phase_seconds": phases or {},
        "reused_shards": reused or None,
        "skipped": {"count": skipped[0], "files": skipped[1],
                    "why": "no reader takes this extension (.txt, .html/.htm, .jsonl/.ndjson, .warc and their .gz)"},
        "parts": [w["part"] for w in wrote],
    }
    if mode == "append":
        report["earlier"] = {"parts": len(parts) - len(wrote), "documents": earlier.get("documents"),
                             "corpus_documents": earlier.get("corpus")}
    write_json(manifest_path, {"format": "wirewash-parts/1", "parts": parts,
                               "documents": sum(p["documents"] or 0 for p in parts), "corpus": sum(p["corpus"] or 0 for p in parts)})
    figures = report_html.merge_figures([w["figures"] for w in wrote], dedup_summary["cluster_sizes"],
                                        [c for w in wrote for c in w["cards"].values()])
    write_bytes_atomic(out / "report.html", report_html.render_report(figures, report).encode("utf-8"))
    write_json(out / "report.json", report)
    return report
