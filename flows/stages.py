"""The pipeline's stages over documents, shared by both drivers.

``flows.runner`` calls these directly (the fast CLI path, no Prefect import);
``flows.clean_corpus`` wraps the very same functions as Prefect tasks. No stage
logic lives in only one driver.

Per-document stages never raise: a document that makes a cleaner fail is
turned into a :class:`~cleaners.io.Rejected` record and the run goes on.
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cleaners import boilerplate, dedup, extract, spin, textfix
from cleaners.document import Document
from cleaners.io import Rejected, read_inputs, write_json, write_jsonl, write_jsonl_gz, write_parquet

STAGES = ("read", "extract", "textfix", "boilerplate", "spin", "dedup", "write")


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
    )


def textfix_stage(doc: Document) -> Document:
    """Encoding, entity and control-character repair (ftfy)."""
    fixed, steps = textfix.fix_text_explained(doc.text)
    title = textfix.fix_text(doc.title) if doc.title else doc.title
    return doc.evolve("textfix", text=fixed, title=title, changed=fixed != doc.text, fixes=steps)


def boilerplate_stage(doc: Document) -> Document:
    """Page-chrome stripping on the text; the detected headline fills an empty title."""
    res = boilerplate.strip_document_lines(doc.text)
    removed = [r.to_record() for r in res.removed if r.reason != "headline"]
    title = doc.title or res.title
    return doc.evolve(
        "boilerplate",
        text=res.text,
        title=title,
        removed=removed,
        headline=res.title,
        chars_removed=len(doc.text) - len(res.text),
    )


def spin_stage(doc: Document) -> Document:
    """Synonym-spin score and repair (the slot for issue #4's detector/repairer)."""
    score = spin.spin_score(doc.text)
    repaired = spin.despin(doc.text)
    return doc.evolve("spin", text=repaired, spin_score=score, score=score, changed=repaired != doc.text)


def clean_document(doc: Document) -> Document | Rejected:
    """All per-document stages in order; any failure rejects only this document."""
    try:
        for stage in (extract_stage, textfix_stage, boilerplate_stage, spin_stage):
            doc = stage(doc)
    except Exception as exc:  # one broken document never aborts a corpus run
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return Rejected(doc.source, f"{type(exc).__name__} in {last.name}: {exc}"[:300])
    if not doc.text.strip():
        return Rejected(doc.source, "no article text left after cleaning")
    return doc


def clean_documents(docs: Sequence[Document]) -> list[Document | Rejected]:
    """:func:`clean_document` over a chunk (the unit of work for pools and task maps)."""
    return [clean_document(d) for d in docs]


def dedup_stage(docs: Sequence[Document], labels: Sequence[object] | None = None) -> list[Document]:
    """Cluster near-duplicate stories; mark every non-canonical copy ``duplicate_of``.

    ``labels`` (one cluster label per doc) may come from elsewhere, e.g. the Dask
    banding in ``flows.dask_dedup``; by default they are computed in memory.
    """
    if labels is None:
        labels = dedup.cluster([d.text for d in docs])
    ranks = [dedup.canonical_rank(d.text, d.spin_score, _n_meta(d), d.date) for d in docs]
    groups: dict[object, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, []).append(i)
    out: list[Document] = list(docs)
    for members in groups.values():
        canon = dedup.choose_canonical(members, ranks)
        cid = docs[canon].id
        for i in members:
            dup = None if i == canon else docs[canon].id
            reason = "canonical" if dup is None else "near-duplicate; canonical copy ranks better (not spun, longer, more metadata, earlier)"
            out[i] = docs[i].evolve(
                "dedup", cluster_id=cid, duplicate_of=dup, cluster_size=len(members), decision=reason
            )
    return out


def _n_meta(d: Document) -> int:
    return sum(1 for v in (d.url, d.title, d.date) if v) + len(d.metadata)


def write_stage(docs: Sequence[Document], rejected: Sequence[Rejected], out_dir: str | Path, seconds: float | None = None) -> dict[str, Any]:
    """Write all outputs atomically and return the report."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    records = [d.to_record() for d in docs]
    corpus = [d.to_record(with_provenance=False) for d in docs if d.duplicate_of is None]
    write_jsonl_gz(out / "documents.jsonl.gz", records)
    write_jsonl_gz(out / "corpus.jsonl.gz", corpus)
    write_parquet(out / "corpus.parquet", corpus)
    write_jsonl(out / "rejected.jsonl", [r.to_record() for r in rejected])
    report = build_report(docs, rejected, seconds)
    write_json(out / "report.json", report)
    return report


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
            elif st == "boilerplate":
                lines_removed += len(p.get("removed", []))
                removal_reasons.update(r["reason"].split(":")[0] for r in p.get("removed", []))
            elif st == "spin" and p.get("changed"):
                stage_counts["spin_repaired"] += 1
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
            "clusters": len(clusters),
            "duplicates": dups,
            "written": len(docs) - dups,
        },
        "removal_reasons": dict(removal_reasons.most_common()),
        "rejected": [r.to_record() for r in rejected],
        "seconds": None if seconds is None else round(seconds, 3),
    }
