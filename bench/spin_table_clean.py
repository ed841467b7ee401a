#!/usr/bin/env python3
"""Where do reverse-table entries fire in clean English?

A table entry is only safe when its spun form, with its condition, never stands in text a writer
wrote; no benchmark here holds the family's forms, so a new part of ``cleaners/data/spin_table.tsv``
is checked by running its entries, alone, over clean text and reading every hit. Texts: the 181
ground-truth article bodies of ``../shared/bench/extraction`` and their naive text dumps (where
``../shared`` is present), the clean seeds, the English of ``bench/spin_external.py`` (the gensim
wheel's Lee news and Wikipedia pieces) and any folders given with ``--docs`` (``.txt``, ``.md``,
``.rst``, README, NEWS and gzipped files, e.g. ``/usr/share/doc``). Prints each hit with its context
and a count per entry; the exit status is 1 when anything fired.

    .venv/bin/python bench/spin_table_clean.py [--entries FILE] [--classes tell,likely] [--docs DIR ...]
                                               [--gensim-wheel PATH]

``--entries``: a file in the table's format (``@name`` sets are taken from the table); default the
whole table. ``--classes``: report only hits of these classes ("unmet" is a one-word entry whose
condition failed, offered to the language model in a flagged document).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from cleaners import spin  # noqa: E402
import spin_external  # noqa: E402

SHARED = ROOT.parent / "shared" / "bench" / "extraction"
_DOC_NAME = re.compile(r"(README[^/]*|NEWS[^/]*|\.txt|\.md|\.rst|\.gz)$")


def clean_texts(docs: list[Path], wheel: Path | None) -> Iterator[tuple[str, str]]:
    gt = SHARED / "ground-truth.json"
    if gt.exists():
        for k, rec in json.loads(gt.read_text(encoding="utf-8")).items():
            yield f"body:{k}", rec.get("articleBody") or ""
        for p in sorted((SHARED / "text").glob("*")):
            yield f"dump:{p.name}", p.read_text(encoding="utf-8", errors="replace")
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        if not p.name.startswith("003_"):  # the spun seed
            yield f"seed:{p.name}", p.read_text(encoding="utf-8")
    for d in spin_external.load_texts(spin_external.wheel_path(wheel)):
        yield d["id"], d["text"]
    for root in docs:
        for p in sorted(root.rglob("*")):
            if not p.is_file() or not _DOC_NAME.search(p.name):
                continue
            try:
                raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
            except (OSError, EOFError):
                continue
            yield f"doc:{p}", raw.decode("utf-8", "replace")


def entries_of(path: Path | None) -> list[spin.Entry]:
    table = spin.read_data_text("spin_table.tsv")
    if path is None:
        return spin.parse_table(table)
    sets = "\n".join(line for line in table.splitlines() if line.startswith("@"))
    return spin.parse_table(sets + "\n" + path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=Path)
    ap.add_argument("--docs", type=Path, nargs="*", default=[])
    ap.add_argument("--classes", default="", help="comma-separated: tell, likely, ambiguous, unmet")
    ap.add_argument("--gensim-wheel", type=Path)
    a = ap.parse_args(argv)
    classes = set(filter(None, a.classes.split(",")))
    matcher = spin.Matcher(entries_of(a.entries))
    words = 0
    hits: collections.Counter[tuple[str, str]] = collections.Counter()
    for tid, text in clean_texts(a.docs, a.gensim_wheel):
        words += len(text.split())
        for start, end, e in matcher.candidates(text, spin._Context(text)):
            if classes and e.cls not in classes:
                continue
            if e.cls == "unmet" and not spin._single_words(e):
                continue  # (applied only where the same entry's condition holds elsewhere in the text: a hit of its own)
            cls = e.cls if e.detect else f"{e.cls}, nodetect"  # (a nodetect entry never counts for spin_score)
            hits[(e.spun, cls)] += 1
            ctx = f"{text[max(0, start - 50):start]}[[{text[start:end]}]]{text[end:end + 40]}".replace("\n", " ")
            print(f"{cls:9s} {tid[:48]:48s} …{ctx}…")
    print(f"{words:,} words of clean text; {sum(hits.values())} hits")
    for (spun, cls), n in hits.most_common():
        print(f"  {n:5d}  {spun!r} ({cls})")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
