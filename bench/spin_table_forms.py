#!/usr/bin/env python3
"""How much of what a table part's forms would spin does the repair give back, on English nothing here was written on?

A new part of ``cleaners/data/spin_table.tsv`` is written from memory of the spinner family's
copies, and no spun set here holds its forms, so ``bench/spin.py`` cannot see it. This bench spins
the English of ``bench/spin_external.py`` (the gensim wheel's Lee news and Wikipedia pieces, dev or
held-out half) with the part's own entries read backwards: every occurrence of an entry's original
(whole words; a lower-case original in any case, a capitalised one as written) becomes its spun form
(one form per original, picked by a hash, where several entries share it), wherever it stands,
whatever the entry's condition. Then the repair runs with the flag forced, with the whole table and
with the table less the part's entries, in the same run, and the shared scorer
(``../shared/bench/spin/score.py``) reports restoration and damage; per entry, how many of its
swaps came back. An entry whose condition is narrow (``elevated`` for "higher" only after "closed",
"ended" ...) shows its recall here: the family spins the word everywhere.

    .venv/bin/python bench/spin_table_forms.py --entries FILE [--part dev|held-out] [--gensim-wheel PATH]

``--entries``: lines in the table's format (``@name`` sets are taken from the table), e.g. the
part's lines cut out of the table.
"""

from __future__ import annotations

import argparse
import collections
import functools
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from cleaners import spin  # noqa: E402
import spin_external  # noqa: E402
from spin import load_scorer  # noqa: E402  (bench/spin.py)
from spin_table_clean import entries_of  # noqa: E402


def reverse_map(entries: list[spin.Entry]) -> dict[str, str]:
    """Original -> the spun form that replaces it (one per original, picked by a hash of it)."""
    forms: dict[str, list[str]] = collections.defaultdict(list)
    for e in entries:
        if e.original.lower() != e.spun.lower():
            forms[e.original].append(e.spun)
    return {o: sorted(s)[int(hashlib.blake2b(o.encode()).hexdigest(), 16) % len(s)] for o, s in forms.items()}


def whole(word: str) -> str:
    """A pattern for ``word`` as a whole word (not inside a longer word, a hyphenated one or a contraction)."""
    return r"(?<![\w'-])" + re.escape(word) + r"(?![\w'-])"


@functools.lru_cache(maxsize=4)
def _originals_pattern(keys: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(whole(k) for k in keys), re.IGNORECASE)


def spin_with(text: str, rev: dict[str, str]) -> tuple[str, collections.Counter]:
    """The text with every original of ``rev`` replaced (longest originals first), and the count per spun form."""
    used: collections.Counter = collections.Counter()
    keys = tuple(sorted(rev, key=len, reverse=True))
    pat = _originals_pattern(keys)
    exact = {k.lower(): k for k in keys}

    def sub(m: re.Match[str]) -> str:
        got = m.group()
        orig = exact[got.lower()]
        if orig != orig.lower() and got != orig:  # a capitalised original matches only as written
            return got
        spun = rev[orig]
        used[spun] += 1
        return spun[:1].upper() + spun[1:] if got[:1].isupper() and orig == orig.lower() else spun
    return pat.sub(sub, text), used


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=Path, required=True)
    ap.add_argument("--part", default="held-out", choices=("dev", "held-out"))
    ap.add_argument("--gensim-wheel", type=Path)
    a = ap.parse_args(argv)
    part = entries_of(a.entries)
    rev = reverse_map(part)
    keys = {(e.spun, e.original, e.cls, e.condition) for e in part}
    sc = load_scorer()
    texts = spin_external.load_texts(spin_external.wheel_path(a.gensim_wheel))
    saved = spin._default_matcher
    full = saved()
    less = spin.Matcher([e for e in spin.default_entries() if (e.spun, e.original, e.cls, e.condition) not in keys])
    # per original: its pattern, case-blind unless it is capitalised ("Brent crude")
    patterns = {o: re.compile(whole(o), 0 if o != o.lower() else re.IGNORECASE) for o in rev}
    out: dict = {}
    per_form: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for src in ("lee", "wiki"):
        pairs, counts = [], collections.Counter()
        for d in texts:
            if d["src"] != src or d["part"] != a.part:
                continue
            spun, used = spin_with(d["text"], rev)
            if used:
                pairs.append({"id": d["id"], "spun": spun, "original": d["text"]})
                counts += used
        row = {"documents": len(pairs), "swaps": sum(counts.values())}
        repaired: dict[str, str] = {}  # spun text -> its repair with the whole table (for the counts below)
        for label, matcher, kept in (("with the part", full, repaired), ("without it", less, {})):
            spin._default_matcher = lambda m=matcher: m  # the table the repair reads (put back below)
            try:
                o = sc.evaluate(lambda t, kept=kept: kept.setdefault(t, spin.despin_explained(t, score=1.0).text),
                                pairs, {})["overall"]
            finally:
                spin._default_matcher = saved
            row[label] = {"restoration": o["restoration"], "damage": o["damage"]}
        # per original: how many of its swaps the repair (with the part) gave back (the output holds
        # the original where the clean text did, counted as occurrences beyond the spun text's own)
        for p in pairs:
            got = repaired[p["spun"]]
            for orig, pat in patterns.items():
                left = len(pat.findall(p["spun"]))  # (where the spinner kept it, e.g. a capitalised original's other case)
                n = len(pat.findall(p["original"])) - left
                if n > 0:
                    per_form[f"{rev[orig]} ({orig})"][0] += n
                    per_form[f"{rev[orig]} ({orig})"][1] += min(n, max(0, len(pat.findall(got)) - left))
        out[src] = row
        print(f"{src:5s} {a.part:9s} {row['documents']:4d} documents, {row['swaps']:5d} swaps: with the part "
              f"{row['with the part']['restoration']:.3f} / {row['with the part']['damage']:.4f}, without it "
              f"{row['without it']['restoration']:.3f} / {row['without it']['damage']:.4f} (restoration / damage)", flush=True)
    print("per spun form (its original) in Lee and Wikipedia together: swaps, restored")
    for form, (n, r) in sorted(per_form.items(), key=lambda x: -x[1][0]):
        print(f"  {form:48s} {n:5d} {r:5d}")
    out["per_form"] = {f: {"swaps": n, "restored": r} for f, (n, r) in per_form.items()}
    return out


if __name__ == "__main__":
    main()
