"""A two-drop inbox scenario built from the repo's seeds (no shared data needed).

Drop 1: the five seed stories, plus a JSONL file with two lightly edited copies.
Drop 2: near-duplicate edits of every seed (they must dedup against the corpus of drop 1),
one story that is new, a renamed copy and a byte-identical copy of drop-1 files (must not
be processed again), and a binary file (must become a rejected record).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cleaners.io import read_jsonl_gz

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed_texts() -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def drop_tail(text: str, share: float) -> str:
    lines = text.splitlines()
    return "\n".join(lines[: max(1, int(len(lines) * (1 - share)))])


def restyle(text: str) -> str:
    return re.sub(r" +", "  ", text.replace('"', "“").replace(",", " ,"))


def drop1(inbox: Path) -> list[str]:
    inbox.mkdir(parents=True, exist_ok=True)
    seeds = seed_texts()
    names = []
    for sid, text in seeds.items():
        (inbox / f"story-{sid}.txt").write_text(text, encoding="utf-8")
        names.append(f"story-{sid}.txt")
    recs = [{"id": f"wire-{sid}", "text": restyle(seeds[sid]), "url": f"https://example.org/{sid}"} for sid in ("000", "002")]
    (inbox / "wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return names + ["wire.jsonl"]


def drop2(inbox: Path) -> list[str]:
    """Adds the second drop; returns the names of files with content never seen before."""
    seeds = seed_texts()
    new = []
    sub = inbox / "later"
    sub.mkdir(parents=True, exist_ok=True)
    for sid, text in seeds.items():
        (sub / f"edit-{sid}.txt").write_text(drop_tail(text, 0.1), encoding="utf-8")
        new.append(f"later/edit-{sid}.txt")
    # a genuinely different story: the seed's lines reversed and the words shuffled deterministically
    words = seeds["001"].split()
    (sub / "other.txt").write_text(" ".join(words[::-3] + words[1::-3]) + "\n", encoding="utf-8")
    new.append("later/other.txt")
    (sub / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    new.append("later/broken.txt")
    # not new: same bytes as drop-1 files, under other names
    (inbox / "story-000.txt").rename(inbox / "renamed-000.txt")
    (sub / "copy-of-003.txt").write_bytes((inbox / "story-003.txt").read_bytes())
    return new


def snapshot(out: Path) -> dict:
    """Everything a run leaves that must not depend on how it was run."""
    shards = sorted(p.name for p in (out / "shards").iterdir())
    docs = {s: _docs(out / "shards" / s / "documents.jsonl.gz") for s in shards}
    return {
        "shards": shards,
        "documents": docs,
        "corpus": _docs(out / "corpus.jsonl.gz"),
        "rejected": {s: (out / "shards" / s / "rejected.jsonl").read_text() for s in shards},
    }


def _docs(path: Path) -> list[tuple]:
    return [
        (r["id"], r["source"], r["text"], r["title"], r["cluster_id"], r.get("duplicate_of"), json.dumps(r.get("provenance"), sort_keys=True))
        for r in read_jsonl_gz(path)
    ]
