"""The pipeline's stages over documents, shared by both drivers.

``flows.runner`` calls these directly (the fast CLI path, no Prefect import);
``flows.clean_corpus`` wraps the very same functions as Prefect tasks. No stage
logic lives in only one driver.

Per-document stages never raise: a document that makes a cleaner fail is
turned into a :class:`~cleaners.io.Rejected` record and the run goes on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
import json
import math
import os
import shutil
import struct
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from cleaners import boilerplate, dedup, extract, spin, textfix
from cleaners.document import Document, printable_path, url_host
from cleaners.rows import as_corpus_row, document_row
from cleaners.settings import section
from cleaners.io import (STDIN, Rejected, gzip_open, json_lines, read_inputs, write_json, write_jsonl, write_jsonl_gz,
                         write_parquet)
from cleaners.io import write_bytes_atomic
from flows.report_html import render_report

STAGES = ("read", "extract", "textfix", "boilerplate", "spin", "spin-site", "spin-corpus", "dedup", "write")


def check_input(input_path: str | Path) -> None:
    """A mistyped input is a usage error, found before the output folder is touched."""
    if str(input_path) != STDIN and not os.path.lexists(input_path):
        raise FileNotFoundError(f"no such file or directory: {printable_path(str(input_path))}")


def read_stage(input_path: str | Path) -> tuple[list[Document], list[Rejected]]:
    """Read every supported input under ``input_path``."""
    return read_inputs(input_path)


def extract_stage(doc: Document) -> Document:
    """HTML documents: article body and metadata via trafilatura. Text passes through."""
    if doc.html is None:
        return doc
    art = extract.extract_article(doc.html, url=doc.url)
    meta = dict(doc.metadata)
    for key in ("author", "language"):
        if getattr(art, key):
            meta.setdefault(key, getattr(art, key))
    return doc.evolve(
        "extract",
        text=art.text,
        html=None,
        title=doc.title or art.title,
        date=doc.date or art.date,
        url=doc.url or art.url,
        metadata=meta,
        chars_in=len(doc.html),
        chars_out=len(art.text),
        **({"removed": [{"line": k, "text": t, "reason": r} for k, t, r in art.removed]} if art.removed else {}),
        **({"recovered": [{"dump_line": k, "text": t, "reason": r} for k, t, r in art.recovered]} if art.recovered else {}),
    )


def textfix_stage(doc: Document) -> Document:
    """Encoding, entity and control-character repair (ftfy)."""
    fixed, steps = textfix.fix_text_explained(doc.text)
    title = textfix.fix_text(doc.title) if doc.title else doc.title
    return doc.evolve("textfix", text=fixed, title=title, changed=fixed != doc.text, fixes=steps)


def boilerplate_stage(doc: Document) -> Document:
    """Page-chrome stripping on the text; the detected headline fills an empty title."""
    res = boilerplate.strip_document_lines(doc.text, title=doc.title)
    removed = [r.to_record() for r in res.removed if r.reason != "headline"]
    title = doc.title or res.title
    return doc.evolve(
        "boilerplate",
        text=res.text,
        title=title,
        removed=removed,
        headline=res.title,
        unwrapped=res.unwrapped,
        chars_removed=len(doc.text) - len(res.text),
    )


def boilerplate_corpus_stage(docs: Sequence[Document]) -> list[Document]:
    """Corpus evidence after the per-document pass: drop lines that recur across many
    documents of one site (url host or ``site`` field) or of the corpus.

    Document frequencies count each document's lines before stripping (its text
    plus the lines :func:`boilerplate_stage` removed), so chrome that the
    per-document pass caught on most pages of a site is caught on the rest too.
    """
    lines_before = []
    for d in docs:
        removed = [r["text"] for p in d.provenance if p["stage"] == "boilerplate" for r in p.get("removed", [])]
        lines_before.append(d.text.split("\n") + removed)
    flagged = boilerplate.repeated_lines(lines_before, [_site(d) for d in docs])
    out = []
    for d, keys in zip(docs, flagged):
        res = boilerplate.remove_known_lines(d.text, keys) if keys else None
        if res is None or not res.removed or not res.text.strip():
            out.append(d)  # nothing to remove (or nothing would be left): no provenance entry
            continue
        out.append(d.evolve("boilerplate-corpus", text=res.text, removed=[r.to_record() for r in res.removed]))
    return out


def _site(doc: Document) -> str | None:
    """The url host, else a ``site`` field of the input; ``None`` when unknown (a folder of
    files is not a site: it may mix outlets)."""
    host = url_host(doc.url)  # None for a url that does not parse: one bad field never fails the corpus step
    if host:
        return host
    site = doc.metadata.get("site")
    return str(site) if site else None


def _despin_title(doc: Document, score: float) -> tuple[str | None, dict[str, Any]]:
    """The title of a flagged document, repaired as part of it (a spinner spins the headline
    too; alone it is too short to be flagged; the body's words count for the table's ``doc=``
    conditions): the title and its provenance fields."""
    if not doc.title:
        return doc.title, {}
    res = spin.despin_explained(doc.title, score=score, around=doc.text)
    return res.text, ({"title_repairs": [r.to_record() for r in res.repairs]} if res.repairs else {})


def spin_stage(doc: Document) -> Document:
    """Synonym-spin score and repair of one document (reverse table + LM, see cleaners/spin.py);
    a flagged document's title is repaired with it."""
    res = spin.despin_explained(doc.text)
    extra = {} if res.spin_level is None else {"spin_level": res.spin_level}  # (the content check ran: [spin] content_check)
    title = doc.title
    if res.flagged:
        extra["flagged_by"] = "spinner tells" if res.spin_level is None else f"content check: spin level {res.spin_level:+.2f}"
        title, more = _despin_title(doc, res.score)
        extra.update(more)
    return doc.evolve(
        "spin",
        text=res.text,
        title=title,
        spin_score=res.score,
        score=res.score,
        flagged=res.flagged,
        changed=res.text != doc.text or title != doc.title,
        repairs=[r.to_record() for r in res.repairs],
        **extra,
    )


def stable_hash(text: str) -> int:
    """A 63-bit hash that is the same in every process (``hash()`` of a str is not)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") >> 1


def site_check_on(cfg: dict[str, Any]) -> bool:
    """Whether the corpus step's site check runs (``[spin] site_check``; not when the content
    check already read every document, nor without the thesaurus layer it reads with)."""
    return bool(cfg["site_check"] and cfg["thesaurus"] and not cfg["content_check"])


def site_spin_samples(eligible: Iterable[tuple[int, str, Any]], cfg: dict[str, Any], keeping: bool = False,
                      settled: Callable[[int], bool] | None = None) -> list[tuple[int, Any]]:
    """The site check's sample from ``(site, document id, ref)`` of the documents the tells left
    unflagged: per site with at least ``site_min_samples`` of them (any site when ``keeping``
    its levels for later runs to add to: :class:`SiteLevels`), the ``site_samples`` whose
    ids hash lowest (so the pick depends on the documents, not on their order or shards), one for
    a site already ``settled`` (a refresh: a site may start spinning later); sites not settled
    first, then those with more documents, within ``site_sample_share`` of all of them or
    ``site_sample_floor`` documents, whichever is more. Memory: ``site_samples`` refs a site.

    >>> cfg = {"site_samples": 2, "site_min_samples": 2, "site_sample_share": 0.0, "site_sample_floor": 2}
    >>> docs = [(1, "a", "a"), (1, "b", "b"), (1, "c", "c"), (2, "d", "d")]
    >>> sorted(ref for _, ref in site_spin_samples(docs, cfg)) == sorted(sorted("abc", key=stable_hash)[:2])
    True
    """
    per_site = int(cfg["site_samples"])
    best: dict[int, list[tuple[int, Any]]] = {}
    counts: Counter[int] = Counter()
    for site, doc_id, ref in eligible:
        counts[site] += 1
        heap = best.setdefault(site, [])
        item = (-stable_hash(doc_id), ref)  # a max-heap of the lowest hashes
        if len(heap) < per_site:
            heapq.heappush(heap, item)
        elif item[0] > heap[0][0]:
            heapq.heapreplace(heap, item)
    budget = max(int(cfg["site_sample_floor"]), math.ceil(cfg["site_sample_share"] * sum(counts.values())))
    out: list[tuple[int, Any]] = []
    least = 1 if keeping else cfg["site_min_samples"]
    done = settled or (lambda s: False)
    for site in sorted((s for s in counts if counts[s] >= least), key=lambda s: (done(s), -counts[s], s)):
        if budget <= 0:
            break
        take = sorted(best[site], reverse=True)[: 1 if done(site) else per_site]
        out.extend((site, ref) for _, ref in take)
        budget -= len(take)
    return out


#: The site check's levels by site, kept in the run's state directory between runs (JSON).
SPIN_SITES_FILE = "spin_sites.json"


class SiteLevels:
    """The sampled spin levels of each site, across runs into the same state folder (an inbox's
    batches, ``--append`` runs): the latest ``keep`` a site, as (hash of the document id, level)
    pairs, oldest first (a batch tried again overwrites its own). A site with ``keep`` levels is
    settled: it is sampled one document a run, which pushes out its oldest level (so a site that
    starts spinning later turns over in ``keep`` runs), and its verdict comes from what is kept.

    A site's pairs are held packed (``_PAIR``: 16 bytes a level, one ``bytes`` a site), because
    a crawl has as many entries as sites: ``bench/spin_site_state.py``.

    >>> lv = SiteLevels({}, keep=2)
    >>> lv.add_run([(7, "a", -1.5), (7, "b", -1.9)]); lv.settled(7)
    True
    >>> lv.add_run([(7, "c", -3.0)]); sorted(lv.levels(7))
    [-3.0, -1.9]
    """

    _PAIR = struct.Struct("<Qd")  # (stable_hash of the document id, level)

    def __init__(self, sites: dict[int, bytes], keep: int):
        self.sites, self.keep = sites, keep

    @classmethod
    def load(cls, state_dir: str | Path | None, cfg: dict[str, Any]) -> "SiteLevels":
        """The levels kept in ``state_dir``, ``keep`` = twice ``[spin] site_samples`` a site
        (a file of the first version, ``{site: {id hash: level}}``, is read as well)."""
        keep = 2 * int(cfg["site_samples"])
        path = Path(state_dir) / SPIN_SITES_FILE if state_dir is not None else None
        sites: dict[int, bytes] = {}
        if path is not None and path.exists():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                if raw.get("version") == 1:
                    pack = cls._PAIR.pack
                    sites = {int(k): b"".join(pack(int(h), float(x)) for h, x in v.items()) for k, v in raw["sites"].items()}
                else:
                    sites = {int(k): base64.b64decode(v, validate=True) for k, v in raw["sites"].items()}
                    if any(len(b) % cls._PAIR.size for b in sites.values()):
                        raise ValueError("a site's levels are cut short")
            except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):  # a damaged file is set aside, never fatal
                sites = {}
        return cls(sites, keep)

    def save(self, state_dir: str | Path | None) -> None:
        if state_dir is not None:
            Path(state_dir).mkdir(parents=True, exist_ok=True)
            sites = {str(k): base64.b64encode(v).decode("ascii") for k, v in self.sites.items()}
            write_json(Path(state_dir) / SPIN_SITES_FILE,
                       {"version": 2, "pairs": "base64 of little-endian (uint64 document id hash, float64 level), oldest first",
                        "sites": sites})

    def _pairs(self, site: int) -> dict[int, float]:
        packed = self.sites.get(site, b"")
        return dict(self._PAIR.iter_unpack(packed)) if packed else {}

    def add_run(self, got: Iterable[tuple[int, str, float]]) -> None:
        """One run's ``(site, document id, level)``, in the order of the ids' hashes (whatever
        order the run's tasks gave them), after the levels of earlier runs; the oldest go first."""
        by_site: dict[int, list[tuple[int, float]]] = {}
        for site, h, level in sorted((site, stable_hash(doc_id), level) for site, doc_id, level in got):
            by_site.setdefault(site, []).append((h, level))
        for site, new in by_site.items():
            kept = self._pairs(site)
            for h, level in new:
                kept[h] = level  # (a batch tried again: its own level replaced where it stands)
                while len(kept) > self.keep:
                    del kept[next(iter(kept))]
            self.sites[site] = b"".join(self._PAIR.pack(h, x) for h, x in kept.items())

    def levels(self, site: int) -> list[float]:
        return list(self._pairs(site).values())

    def settled(self, site: int) -> bool:
        return len(self.sites.get(site, b"")) >= self.keep * self._PAIR.size


def site_verdicts(sites: Iterable[int], known: SiteLevels, cfg: dict[str, Any]) -> dict[str, float]:
    """Site (hash, as text) → median level, for the ``sites`` whose kept levels
    :func:`cleaners.spin.site_verdict` calls spun."""
    out = {}
    for site in sites:
        median = spin.site_verdict(known.levels(site), cfg)
        if median is not None:
            out[str(site)] = median
    return out


def spin_sites_stage(docs: Sequence[Document], state_dir: str | Path | None = None) -> list[Document]:
    """The site check over documents in memory (the reference driver's; the pipeline runs the
    same sample, levels and verdicts as a map and reduces: ``flows.corpus_steps.spinning_sites``)."""
    cfg = section("spin")
    if not site_check_on(cfg):
        return list(docs)
    known = SiteLevels.load(state_dir, cfg)
    site_of = [stable_hash(s) if (s := _site(d)) else 0 for d in docs]
    eligible = ((site_of[i], d.id, (i, d.id)) for i, d in enumerate(docs) if site_of[i] and not spin.is_spun(d.spin_score or 0.0))
    got = []
    for site, (i, doc_id) in site_spin_samples(eligible, cfg, keeping=state_dir is not None, settled=known.settled):
        level = spin.content_spin_level(docs[i].text)
        if level is not None:
            got.append((site, doc_id, level))
    known.add_run(got)
    known.save(state_dir)
    spinning = site_verdicts({s for s in site_of if s}, known, cfg)
    return [spin_site_stage(d, spinning[str(site_of[i])]) if str(site_of[i]) in spinning else d for i, d in enumerate(docs)]


def spin_site_stage(doc: Document, level: float) -> Document:
    """Repair of a document of a site that spins (the corpus step's site check: the median spin
    level of the site's sampled documents is ``level``), as if its tells had flagged it; a
    document they flagged is already repaired and comes back as it is."""
    if spin.is_spun(doc.spin_score or 0.0):
        return doc
    thr = section("spin")["threshold"]
    res = spin.despin_explained(doc.text, score=thr)
    title, more = _despin_title(doc, thr)
    return doc.evolve(
        "spin-site",
        text=res.text,
        title=title,
        spin_score=max(doc.spin_score or 0.0, thr),
        flagged=True,
        flagged_by=f"site check: {_site(doc)} median spin level {level:+.2f}",
        changed=res.text != doc.text or title != doc.title,
        repairs=[r.to_record() for r in res.repairs],
        **more,
    )


#: The learned reverse phrase table, kept in the run's state directory between runs (JSON).
SPIN_TABLE_FILE = "spin_learned.json"


def despin_corpus_stage(docs: Sequence[Document], state_dir: str | Path | None = None) -> list[Document]:
    """Corpus-level spin repair, before dedup: restore spun sentences from clean near-duplicates
    in the corpus, retry the default table with the corpus's bigram counts as LM evidence, and
    apply the substitution pairs learned so far (``state_dir/spin_learned.json``, read at the
    start and written back, so the table grows across runs). Flags come from the spin stage's
    score of the text before its repair."""
    path = Path(state_dir) / SPIN_TABLE_FILE if state_dir is not None else None
    table, problem = None, None
    if path is not None and path.exists():
        try:
            table = spin.PhraseTable.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError) as exc:  # a damaged table is set aside, never fatal
            problem = f"unreadable {path.name} ignored: {type(exc).__name__}: {exc}"[:200]
    res = spin.despin_corpus(
        [d.text for d in docs], ids=[d.id for d in docs], scores=[d.spin_score for d in docs], table=table
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, res.table.to_dict())
    out = []
    for d, r in zip(docs, res.results):
        extra = {"table_problem": problem} if problem else {}
        out.append(d.evolve("spin-corpus", text=r.text, changed=bool(r.repairs), repairs=[x.to_record() for x in r.repairs], **extra))
    return out


def recheck_stage(doc: Document) -> Document:
    """After spin repair changed the text, its lines are judged by the boilerplate stripper once
    more (title given, so no line becomes a headline): a repaired line that is chrome-shaped now
    ("MIGHT MAYBE MAYBE WELL WELL" became "WOULD") goes here, not when the cleaned text is
    cleaned again, so cleaning twice equals cleaning once."""
    if not doc.provenance or doc.provenance[-1].get("stage") != "spin" or not doc.provenance[-1].get("changed"):
        return doc
    res = boilerplate.strip_document_lines(doc.text, title=doc.title)
    if res.text == doc.text:
        return doc
    removed = [r.to_record() for r in res.removed]
    return doc.evolve("boilerplate-after-spin", text=res.text, removed=removed, chars_removed=len(doc.text) - len(res.text))


def clean_document(doc: Document) -> Document | Rejected:
    """All per-document stages in order; any failure rejects only this document."""
    try:
        for stage in (extract_stage, textfix_stage, boilerplate_stage, spin_stage, recheck_stage):
            doc = stage(doc)
    except Exception as exc:  # one broken document never aborts a corpus run
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return Rejected(doc.source, f"{type(exc).__name__} in {last.name}: {exc}"[:300])
    if not doc.text.strip():
        return Rejected(doc.source, "no article text left after cleaning")
    return doc


def chunks(docs: Sequence[Document]) -> list[list[Document]]:
    """The units of per-document work for a pool or a task map (``[pipeline] chunk_size`` docs each)."""
    size = section("pipeline")["chunk_size"]
    return [list(docs[i : i + size]) for i in range(0, len(docs), size)]


def split_results(results: Sequence[Document | Rejected]) -> tuple[list[Document], list[Rejected]]:
    """Cleaned documents and rejections, each in input order."""
    return [r for r in results if isinstance(r, Document)], [r for r in results if isinstance(r, Rejected)]


def clean_documents(docs: Sequence[Document]) -> list[Document | Rejected]:
    """:func:`clean_document` over a chunk (the unit of work for pools and task maps)."""
    return [clean_document(d) for d in docs]


def dedup_stage(
    docs: Sequence[Document], index_path: str | Path | None = None, labels: Sequence[object] | None = None,
    fingerprints: tuple | None = None,
) -> list[Document]:
    """Cluster near-duplicate stories; mark every non-canonical copy ``duplicate_of``.

    With ``index_path`` (see :func:`dedup_index_path`) the batch is also deduplicated
    against every document of earlier runs kept in that index, and then added to it.
    ``labels`` (one cluster label per doc) may instead come from elsewhere; the canonical
    copy is then chosen here, the same way.
    ``fingerprints``: ``(config, signatures of the docs' texts)`` computed elsewhere (see
    ``dedup.dedup_batch``'s ``precomputed``), e.g. on the workers that cleaned them.
    """
    ranks = [dedup.canonical_rank(d.text, d.spin_score, _n_meta(d), d.date) for d in docs]
    if labels is not None:
        return _dedup_by_labels(docs, labels, ranks)
    ids, texts = [d.id for d in docs], [d.text for d in docs]
    if index_path is None:
        decisions = dedup.dedup_batch(ids, texts, ranks, precomputed=fingerprints)
    else:
        with dedup.open_index(index_path) as index:  # an SQLite path or a redis:// URL
            decisions = dedup.dedup_batch(ids, texts, ranks, index, precomputed=fingerprints)
    return [
        d.evolve("dedup", cluster_id=dec.cluster_id, duplicate_of=dec.duplicate_of, cluster_size=dec.cluster_size,
                 decision=dec.reason)
        for d, dec in zip(docs, decisions)
    ]


def dedup_index_path(out_dir: str | Path) -> Path | str:
    """Where a run keeps the dedup index that later runs into the same folder dedup against.

    The environment variable ``WIREWASH_DEDUP_INDEX`` (e.g. ``redis://host:6379/0``) points
    every run at one shared index instead (several writers; needs the ``redis`` extra).
    """
    shared = os.environ.get("WIREWASH_DEDUP_INDEX", "").strip()
    return shared if shared else Path(out_dir) / "state" / "dedup.sqlite"


def _dedup_by_labels(docs: Sequence[Document], labels: Sequence[object], ranks: Sequence[tuple]) -> list[Document]:
    groups: dict[object, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, []).append(i)
    out: list[Document] = list(docs)
    for members in groups.values():
        canon = dedup.choose_canonical(members, ranks)
        for i in members:
            dup = None if i == canon else docs[canon].id
            reason = "canonical" if dup is None else "near-duplicate; canonical copy ranks better (not spun, longer, more metadata, earlier)"
            out[i] = docs[i].evolve(
                "dedup", cluster_id=docs[canon].id, duplicate_of=dup, cluster_size=len(members), decision=reason
            )
    return out


def _n_meta(d: Document) -> int:
    return sum(1 for v in (d.url, d.title, d.date) if v) + len(d.metadata)


# ---------------------------------------------------------------- the output folder's contract

#: What a run writes into OUT (besides report.html); any of them (or the dedup state) means
#: OUT already holds a corpus.
OUTPUT_FILES = ("documents.jsonl.gz", "corpus.jsonl.gz", "corpus.parquet", "rejected.jsonl", "report.json", "manifest.json",
                "documents", "corpus")
STATE_FILES = ("state/dedup.sqlite", f"state/{SPIN_TABLE_FILE}", f"state/{SPIN_SITES_FILE}")
MODES = ("new", "append", "overwrite")


class OutputError(ValueError):
    """OUT cannot take this run (holds a corpus and no mode says what to do, or is not
    writable); raised before any input is read or any output touched."""


def earlier_outputs(out_dir: str | Path) -> list[str]:
    """The files of an earlier run in ``out_dir`` (outputs and dedup state), relative names."""
    out = Path(out_dir)
    return [name for name in (*OUTPUT_FILES, *STATE_FILES) if (out / name).exists()]


def prepare_output(out_dir: str | Path, mode: str = "new", resume_key: str | None = None) -> list[str]:
    """Check OUT before a run, and clear it for ``overwrite``; returns the earlier run's files.

    The contract: a run into an OUT that holds no corpus writes one (``new``). Into an OUT that
    holds one, it refuses unless told: ``append`` adds this run's documents to the corpus there
    (deduplicated against it through the dedup index in ``OUT/state``), ``overwrite`` removes the
    earlier corpus and its state (dedup index, learned spin pairs) first. OUT must be writable;
    an inbox corpus (``state/manifest.sqlite``) belongs to ``wirewash inbox``.
    """
    if mode not in MODES:
        raise ValueError(f"unknown output mode {mode!r} (one of {', '.join(MODES)})")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder")
    if (out / "state" / "manifest.sqlite").exists():
        raise OutputError(f"{out} holds an inbox corpus (state/manifest.sqlite): add to it with `wirewash inbox`, or choose another folder")
    earlier = earlier_outputs(out)
    if resume_key is not None:  # the same run again after a crash: it finishes what it started
        (out / "state").mkdir(parents=True, exist_ok=True)
        return earlier
    if (out / ".work" / "plan.key").exists() and mode != "overwrite":
        raise OutputError(
            f"{out} holds an unfinished run of other input or settings (.work/): run that again to finish it, "
            "or pass --overwrite to discard it"
        )
    if earlier and mode == "new":
        raise OutputError(
            f"{out} already holds a wirewash corpus ({', '.join(earlier)}); pass --append to add this run's documents "
            "to it (deduplicated against it) or --overwrite to replace it"
        )
    try:
        (out / "state").mkdir(parents=True, exist_ok=True)
        for where in (out, out / "state"):
            with tempfile.NamedTemporaryFile(dir=where, prefix=".wirewash-write-check-"):
                pass
    except OSError as exc:
        raise OutputError(f"cannot write to {out}: {exc.strerror or exc}") from None
    if mode == "overwrite":
        for name in (*earlier, "report.html", "rejected", ".work"):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        for extra in ("state/dedup.sqlite-wal", "state/dedup.sqlite-shm"):
            (out / extra).unlink(missing_ok=True)
    return earlier


def write_rows(docs: Sequence[Document], documents: Path, corpus_jsonl: Path, corpus_parquet: Path) -> int:
    """Every document as a ``documents`` row, the canonical copies as corpus rows (JSON Lines and
    Parquet), each file atomically; returns the corpus count. The pipeline's write map writes a
    shard's parts with it, the in-memory reference driver its single files."""
    rows = [document_row(d) for d in docs]
    corpus = [as_corpus_row(row) for row in rows if row["duplicate_of"] is None]
    level = int(section("pipeline")["gzip_level"])
    write_jsonl_gz(documents, rows, level=level)
    lines = json_lines(corpus)  # (the corpus rows hold the Parquet columns only, metadata as text)
    write_jsonl_gz(corpus_jsonl, lines, level=level)
    write_parquet(corpus_parquet, lines)
    return len(corpus)


def write_stage(docs: Sequence[Document], rejected: Sequence[Rejected], out_dir: str | Path, seconds: float | None = None) -> dict[str, Any]:
    """Write all outputs of a list of documents atomically and return the report (the
    in-memory reference driver's writer; the pipeline writes parts, ``flows.corpus_steps``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").unlink(missing_ok=True)  # written last: a folder without it is an unfinished run
    write_rows(docs, out / "documents.jsonl.gz", out / "corpus.jsonl.gz", out / "corpus.parquet")
    write_jsonl(out / "rejected.jsonl", [r.to_record() for r in rejected])
    report = build_report(docs, rejected, seconds)
    write_bytes_atomic(out / "report.html", render_report(docs, report).encode("utf-8"))
    write_json(out / "report.json", report)
    return report


def output_ids(out_dir: str | Path) -> Iterator[str]:
    """Ids of the documents already in ``out_dir``'s ``documents/`` parts (or its older
    ``documents.jsonl.gz``), streamed: an appending run's new documents must not reuse them.
    Only each row's leading ``"id"`` value is decoded (rows are written with it first)."""
    out = Path(out_dir)
    parts = sorted((out / "documents").glob("part-*.jsonl.gz")) if (out / "documents").is_dir() else []
    decode = json.JSONDecoder().raw_decode
    for path in parts or [out / "documents.jsonl.gz"]:
        if not path.exists():
            continue
        with gzip_open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith('{"id": "'):
                    yield decode(line, 7)[0]
                elif line.strip():
                    yield json.loads(line)["id"]


def build_report(docs: Sequence[Document], rejected: Sequence[Rejected], seconds: float | None = None) -> dict[str, Any]:
    """Counts per stage, from the documents' own provenance."""
    stage_counts: Counter[str] = Counter()
    lines_removed = 0
    removal_reasons: Counter[str] = Counter()
    for d in docs:
        for p in d.provenance:
            st = p["stage"]
            if st == "extract":
                stage_counts["extracted"] += 1
            elif st == "textfix" and p.get("changed"):
                stage_counts["encoding_repaired"] += 1
            elif st in ("boilerplate", "boilerplate-corpus", "boilerplate-after-spin"):
                lines_removed += len(p.get("removed", []))
                removal_reasons.update(r["reason"].split(":")[0] for r in p.get("removed", []))
            elif st == "spin" and p.get("changed"):
                stage_counts["spin_repaired"] += 1
            elif st == "spin-site" and p.get("changed"):
                stage_counts["spin_site_repaired"] += 1
            elif st == "spin-corpus" and p.get("changed"):
                stage_counts["spin_corpus_repaired"] += 1
    clusters = {d.cluster_id for d in docs}
    dups = sum(1 for d in docs if d.duplicate_of)
    return {
        "counts": {
            "read": len(docs) + len(rejected),
            "rejected": len(rejected),
            "cleaned": len(docs),
            "extracted_from_html": stage_counts["extracted"],
            "encoding_repaired": stage_counts["encoding_repaired"],
            "chrome_lines_removed": lines_removed,
            "spin_repaired": stage_counts["spin_repaired"],
            "spin_site_repaired": stage_counts["spin_site_repaired"],
            "spin_corpus_repaired": stage_counts["spin_corpus_repaired"],
            "clusters": len(clusters),
            "duplicates": dups,
            "written": len(docs) - dups,
        },
        "removal_reasons": dict(removal_reasons.most_common()),
        "rejected": [r.to_record() for r in rejected],
        "seconds": None if seconds is None else round(seconds, 3),
    }
