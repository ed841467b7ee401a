"""The two views of a story that dedup compares, and their shingle hashes.

* The **text view**: lower-cased text with punctuation and whitespace folded
  (:func:`normalize_for_dedup`), shingled into character or word n-grams.
* The **spin-proof view** (:func:`spin_proof_view`): the tokens a synonym
  spinner leaves alone — numbers, mid-sentence capitalised words (names,
  places, organisations) and function words (``data/dedup_keep_words.txt``) —
  in their order, with every run of other words folded to one ``_``. A spun
  copy keeps this skeleton while its wording drifts, so it still matches its
  original; two different stories about the same event share names but not
  the sentences around them.

>>> spin_proof_view("Officials in Tokyo said the 12 talks failed. Negotiators left.")  # runs of other words fold to one _
'_ in tokyo _ the 12 _'
"""

from __future__ import annotations

import functools
import re

import numpy as np

from cleaners.dedup.signature import char_window_hashes, sha1_hashes_of, substring_hashes
from cleaners.settings import read_data_text

_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*", re.UNICODE)
_SENTENCE_BREAK = re.compile(r"[.!?:;\n\"“”]")
_TOKEN = re.compile(r"\S+")


def normalize_for_dedup(text: str) -> str:
    """Lower-case, fold punctuation and whitespace.

    >>> normalize_for_dedup("U.S.-Japan  talks,\\n“tough”")
    'u s japan talks tough'
    """
    return _SPACE.sub(" ", _PUNCT.sub(" ", text.lower())).strip()


@functools.cache
def keep_words() -> frozenset[str]:
    lines = read_data_text("dedup_keep_words.txt").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def spin_proof_view(text: str) -> str:
    """The spinner-invariant skeleton of ``text`` (see the module docstring)."""
    keep = keep_words()
    out: list[str] = []
    prev_end = 0
    first = True
    for m in _WORD.finditer(text):
        tok = m.group()
        gap = text[prev_end : m.start()]
        sentence_start = first or bool(_SENTENCE_BREAK.search(gap)) or text[prev_end - 1 : prev_end] == "."
        prev_end = m.end()
        first = False
        low = tok.lower()
        if any(ch.isdigit() for ch in tok) or low in keep or (tok[0].isupper() and not sentence_start):
            out.append(low.replace("’", "'"))
        elif not out or out[-1] != "_":
            out.append("_")
    return " ".join(out)


def shingles(text: str, kind: str = "char", size: int = 9) -> set[bytes]:
    """Shingles of the normalised text: ``size``-character or ``size``-word windows (UTF-8)."""
    norm = normalize_for_dedup(text)
    if kind == "word":
        words = norm.split()
        if len(words) <= size:
            return {" ".join(words).encode()} if words else set()
        return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}
    if len(norm) <= size:
        return {norm.encode()} if norm else set()
    return {norm[i : i + size].encode() for i in range(len(norm) - size + 1)}


def word_window_hashes(norm: str, size: int) -> np.ndarray:
    """Hash of every ``size``-word window of an already normalised (space-separated) string."""
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(norm)]
    if not spans:
        return np.empty(0, dtype=np.uint32)
    if len(spans) <= size:
        return substring_hashes(norm, np.array([spans[0][0]]), np.array([spans[-1][1]]))
    starts = np.fromiter((s for s, _ in spans[: len(spans) - size + 1]), dtype=np.int64)
    ends = np.fromiter((e for _, e in spans[size - 1 :]), dtype=np.int64)
    return substring_hashes(norm, starts, ends)


def view_hashes(norm: str, kind: str, size: int, hashfunc: str = "poly") -> np.ndarray:
    """Shingle hashes of a normalised string (duplicates kept; MinHash ignores them)."""
    if hashfunc == "sha1":
        if kind == "word":
            words = norm.split()
            sh = [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))] if words else []
        else:
            sh = [norm[i : i + size] for i in range(max(1, len(norm) - size + 1))] if norm else []
        return sha1_hashes_of(sh)
    if hashfunc != "poly":
        raise ValueError(f"unknown dedup hashfunc {hashfunc!r} (poly or sha1)")
    return word_window_hashes(norm, size) if kind == "word" else char_window_hashes(norm, size)
