#!/usr/bin/env python3
"""How well does the decider choose the spinner-family candidates (``cleaners/data/spin_family.tsv``)?

Texts: the English of ``bench/spin_external.py`` (the gensim wheel's Lee news and Wikipedia
pieces, split dev / held-out by a hash of the id; only the dev half was read to prune the list).
Each occurrence of a word the family list maps to is replaced by its spun form (the family is
deterministic: one form per word, picked by a hash of the word), nothing else; the repair runs
with the flag forced. Reported: the share of those swaps restored, and the share of the other
words changed (damage), with the family list and without it (the WordNet and Moby candidates alone) in the
same run. The context around each swap is clean here, so this measures the decision given the
candidate, not the list's coverage of any real spinner.

    .venv/bin/python bench/spin_family.py [--gensim-wheel PATH] [--part held-out] [--forms a,b,c]

``--forms``: spin only these spun forms of the list (a part's new lines, say), and compare with the
list less those forms (not with no list at all).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from cleaners import spin  # noqa: E402
import spin_external  # noqa: E402

_WORD = re.compile(r"[A-Za-z]+")


def family_spin(text: str, reverse: dict[str, list[str]]) -> str:
    def sub(m: re.Match[str]) -> str:
        w = m.group()
        opts = sorted(reverse.get(w.lower(), ()))
        if not opts:
            return w
        s = opts[int(hashlib.blake2b(w.lower().encode()).hexdigest(), 16) % len(opts)]
        return s[:1].upper() + s[1:] if w[:1].isupper() else s
    return _WORD.sub(sub, text)


def score(docs: list[dict], reverse: dict[str, list[str]]) -> tuple[int, int, int, int]:
    spun_n = restored = damaged = untouched = 0
    for d in docs:
        spun = family_spin(d["text"], reverse)
        if spun == d["text"]:
            continue
        out = spin.despin_explained(spun, score=1.0).text
        a, b, c = _WORD.findall(d["text"]), _WORD.findall(spun), _WORD.findall(out)
        if not len(a) == len(b) == len(c):  # a multi-word repair moved the words: not comparable word by word
            continue
        for x, y, z in zip(a, b, c):
            if x != y:
                spun_n += 1
                restored += z.lower() == x.lower()
            else:
                untouched += 1
                damaged += z != y
    return spun_n, restored, damaged, untouched


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gensim-wheel", type=Path)
    ap.add_argument("--part", default="held-out", choices=("dev", "held-out"))
    ap.add_argument("--forms", default="", help="comma-separated spun forms: spin only these, baseline = the list without them")
    a = ap.parse_args(argv)
    forms = {f.strip().lower() for f in a.forms.split(",") if f.strip()}
    texts = spin_external.load_texts(spin_external.wheel_path(a.gensim_wheel))
    family = dict(spin.family_candidates())
    reverse: dict[str, list[str]] = {}
    for s, origs in family.items():
        if forms and s not in forms:
            continue
        for o in origs:
            reverse.setdefault(o, []).append(s)
    out = {}
    for src in ("lee", "wiki"):
        docs = [d for d in texts if d["src"] == src and d["part"] == a.part]
        for label, on in (("with family list", True), ("without those forms" if forms else "without the list", False)):
            with family_list(on, without=forms):
                n, r, dmg, u = score(docs, reverse)
            out[f"{src} {label}"] = {"spun": n, "restored": r / max(n, 1), "damage": dmg / max(u, 1)}
            print(f"{src:5s} {a.part:9s} {label:17s} swaps {n:5d}  restored {r / max(n, 1):.3f}  damage {dmg / max(u, 1):.4f}", flush=True)
    return out


@contextmanager
def candidate_source(reader: str, on: bool, drop: frozenset[str] | set[str] = frozenset()) -> Iterator[None]:
    """The thesaurus layer with the candidates the function ``spin.<reader>`` returns (``on``) or
    without them (it returns nothing; with ``drop``, it returns all but those spun forms), put back
    on leaving. The thesaurus mappings hold the candidates they were made with, so they are made
    again both ways (the merged candidates are cached per source already). ``family_candidates``:
    the family list; ``_moby_raw``: Moby's."""
    saved = getattr(spin, reader)
    if not on:
        kept = {s: o for s, o in saved().items() if s not in drop} if drop else {}
        setattr(spin, reader, lambda: kept)
    spin.clear_candidate_caches()
    try:
        yield
    finally:
        setattr(spin, reader, saved)
        spin.clear_candidate_caches()


def family_list(on: bool, without: set[str] = frozenset()):
    """The thesaurus layer with the family list (``on``), or with the WordNet and Moby candidates
    alone, or (``without``) with the list less those spun forms."""
    return candidate_source("family_candidates", on, without)


if __name__ == "__main__":
    main()
