"""One dedup decision per document of a batch, optionally against a persistent index.

Within the batch, clusters are connected components of verified LSH candidates
(:func:`cleaners.dedup.core.cluster_fingerprints`). With an index, every
document is also checked against all documents of earlier runs: a cluster that
copies an earlier document keeps that document's canonical copy (it was
already published), and all its new members become duplicates of it. Every
new document is then appended to the index, so the next run sees it too.

A document whose id is already in the index and that matches its own earlier
entry (the same input run again) keeps its earlier decision and is not added
twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cleaners.dedup.core import DedupConfig, Fingerprints, cluster_fingerprints, fingerprint
from cleaners.dedup.index import DedupIndex, Match


@dataclass(frozen=True)
class Decision:
    cluster_id: str  # id of the cluster's canonical copy
    duplicate_of: str | None  # None: this document is the canonical copy
    reason: str
    cluster_size: int  # members in this batch


def _choose(members: Sequence[int], ranks: Sequence[tuple]) -> int:
    return min(members, key=lambda i: (ranks[i], i))


def dedup_batch(ids: Sequence[str], texts: Sequence[str], ranks: Sequence[tuple],
                index: DedupIndex | None = None, cfg: DedupConfig | None = None,
                precomputed: tuple[DedupConfig, Fingerprints] | None = None) -> list[Decision]:
    """Decide canonical/duplicate for each document (``ranks``: smaller is a better canonical copy).

    ``precomputed`` is ``(config, fingerprint(texts, config))`` made elsewhere (e.g. on the
    workers that cleaned the texts); it is used only if that config is the one in force here.
    """
    cfg = index.cfg if index is not None else (cfg or DedupConfig.from_settings())
    if precomputed is not None and precomputed[0] == cfg and len(precomputed[1]) == len(texts):
        fp = precomputed[1]
    else:
        fp = fingerprint(texts, cfg)
    labels, pair_reasons = cluster_fingerprints(fp, cfg)
    why_in_batch: dict[int, str] = {}
    for (i, k), why in pair_reasons.items():
        why_in_batch.setdefault(k, why)
        why_in_batch.setdefault(i, why)
    matches: dict[int, list[Match]] = index.query(fp) if index is not None else {}
    seen_before: dict[int, Match] = {}
    for i, ms in matches.items():
        for m in ms:
            if m.id == ids[i]:
                seen_before[i] = m
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, []).append(i)

    out: list[Decision | None] = [None] * len(ids)
    canonical_of_new: list[int | str | None] = [None] * len(ids)  # for DedupIndex.add
    for members in groups.values():
        earlier = sorted((m for i in members for m in matches.get(i, [])), key=lambda m: m.doc)
        if earlier:
            keep = earlier[0].canonical
            for i in members:
                own = seen_before.get(i)
                if own is not None:  # this very document, indexed by an earlier run
                    dup = None if own.canonical == ids[i] else own.canonical
                    reason = "canonical (earlier run)" if dup is None else f"duplicate (earlier run): of {dup}"
                    out[i] = Decision(own.canonical, dup, reason, len(members))
                    continue
                mine = [m for m in matches.get(i, []) if m.id != ids[i]]
                if mine:
                    reason = f"{mine[0].reason} of {mine[0].id} from an earlier run"
                else:
                    reason = f"{why_in_batch.get(i, 'same cluster')}; the cluster copies {keep} from an earlier run"
                out[i] = Decision(keep, keep, reason, len(members))
                canonical_of_new[i] = f"#{earlier[0].canonical_doc}"
            continue
        canon = _choose(members, ranks)
        for i in members:
            if i == canon:
                out[i] = Decision(ids[canon], None, "canonical", len(members))
            else:
                reason = (f"{why_in_batch.get(i, 'same cluster')}; canonical copy ranks better "
                          "(not spun, longer, more metadata, earlier)")
                out[i] = Decision(ids[canon], ids[canon], reason, len(members))
                canonical_of_new[i] = canon
    if index is not None:
        new = [i for i in range(len(ids)) if i not in seen_before]
        if new:
            pos = {i: p for p, i in enumerate(new)}
            canon = [c if not isinstance(c, int) else pos.get(c, None) for c in (canonical_of_new[i] for i in new)]
            index.add([ids[i] for i in new], fp.take(new), canon)
    return [d for d in out if d is not None]
