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

from cleaners import linescore
from cleaners.dedup.signature import char_window_hashes, permutations, sha1_hashes_of, substring_hashes
from cleaners.settings import read_data_text

_NON_WORD = re.compile(r"\W+", re.UNICODE)  # punctuation and whitespace alike
# a word may hold ' ’ . - between letters/digits; the gap before it is the text since the last word
# (matching "(gap)(word)" in one pattern re-scans a long wordless run at every offset: quadratic)
_WORD_TOKEN = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*", re.UNICODE)
_WORD_SPLIT = re.compile(r"([^\W_]+(?:['’.\-][^\W_]+)*)", re.UNICODE)  # the same words, kept by re.split
_DIGIT = re.compile(r"\d")
_SENTENCE_BREAK = re.compile(r"[.!?:;\n\"“”]")


def normalize_for_dedup(text: str) -> str:
    """Lower-case, fold punctuation and whitespace.

    >>> normalize_for_dedup("U.S.-Japan  talks,\\n“tough”")
    'u s japan talks tough'
    """
    if linescore.kernels is not None:  # the compiled kernel: the same string (tests/test_dedup_kernels.py)
        return linescore.kernels.dedup_normalize(text)
    return _NON_WORD.sub(" ", text.lower()).strip()


@functools.cache
def keep_words() -> frozenset[str]:
    lines = read_data_text("dedup_keep_words.txt").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


@functools.cache
def _keep_table(kernels):
    """:func:`keep_words` as the compiled kernels' word table (built once)."""
    return kernels.word_table(None, None, keep_words())


def spin_proof_view(text: str) -> str:
    """The spinner-invariant skeleton of ``text`` (see the module docstring).

    The text is split once (in C) into gaps and words, alternately; a capitalised word counts
    as a name when the gap before it holds no sentence break.
    """
    if linescore.kernels is not None:  # the compiled kernel: the same string (tests/test_dedup_kernels.py)
        return linescore.kernels.spin_view(text, _keep_table(linescore.kernels))
    keep = keep_words()
    parts = _WORD_SPLIT.split(text)  # [gap, word, gap, word, ..., gap]
    out: list[str] = []
    append = out.append
    last_placeholder = False
    digit, brk = _DIGIT.search, _SENTENCE_BREAK.search
    for k in range(1, len(parts), 2):
        tok = parts[k]
        low = tok.lower()
        if low in keep or (not tok.isalpha() and digit(tok)):
            append(low)
            last_placeholder = False
        elif k > 1 and tok[0].isupper() and not brk(parts[k - 1]):
            append(low.replace("’", "'"))
            last_placeholder = False
        elif not last_placeholder:
            append("_")
            last_placeholder = True
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
    """Hash of every ``size``-word window of a normalised string (words separated by single spaces)."""
    if not norm:
        return np.empty(0, dtype=np.uint32)
    spaces = np.flatnonzero(np.frombuffer(norm.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) == 32)
    starts = np.concatenate([[0], spaces + 1])
    ends = np.concatenate([spaces, [len(norm)]])
    if len(starts) <= size:
        return substring_hashes(norm, starts[:1], ends[-1:])
    return substring_hashes(norm, starts[: len(starts) - size + 1], ends[size - 1 :])


def view_hashes(norm: str, kind: str, size: int, hashfunc: str = "poly") -> np.ndarray:
    """Shingle hashes of a normalised string (duplicates kept; MinHash ignores them)."""
    if hashfunc == "sha1":
        if kind == "word":
            words = norm.split()
            sh = [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))] if words else []
        else:
            sh = [norm[i : i + size] for i in range(max(1, len(norm) - size + 1))] if norm else []
        return sha1_hashes_of([x.encode("utf-8", "surrogatepass") for x in sh])
    if hashfunc != "poly":
        raise ValueError(f"unknown dedup hashfunc {hashfunc!r} (poly or sha1)")
    return word_window_hashes(norm, size) if kind == "word" else char_window_hashes(norm, size)


def view_signatures(texts: list[str], kind: str, size: int, num_perm: int, seed: int, hashfunc: str = "poly",
                    limit: int | None = None, out: np.ndarray | None = None,
                    sizes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """MinHash signatures ``(len(texts), num_perm)`` of normalised strings (each cut to its first
    ``limit`` characters), and into ``sizes`` (when given) each one's number of distinct shingle hashes.

    The same numbers as :func:`view_hashes` then ``Permutations.minhash_many`` and ``np.unique``:
    the compiled kernel (``dedup_minhash``) does it in one pass for the ``"poly"`` hash.

    >>> sig, n = view_signatures(["the cat sat on the mat", ""], "char", 9, 16, 1, sizes=np.zeros(2, np.int64))
    >>> n.tolist(), bool((sig[1] == 0xFFFFFFFF).all())
    ([14, 0], True)
    """
    perm = permutations(num_perm, seed)
    out = np.empty((len(texts), num_perm), np.uint32) if out is None else out
    kernels = linescore.kernels
    if (kernels is not None and hashfunc == "poly" and out.dtype == np.uint32 and out.flags.c_contiguous
            and out.shape == (len(texts), num_perm)
            and (sizes is None or (sizes.dtype == np.int64 and sizes.flags.c_contiguous and sizes.shape == (len(texts),)))):
        scratch = np.empty(len(texts), np.int64) if sizes is None else sizes
        kernels.dedup_minhash(list(texts), kind == "word", size, -1 if limit is None else limit, perm.a, perm.b, out, scratch)
        return out, sizes
    hashes = [view_hashes(t if limit is None else t[:limit], kind, size, hashfunc) for t in texts]
    out[:] = perm.minhash_many(hashes)
    if sizes is not None:
        sizes[:] = [len(np.unique(h)) for h in hashes]
    return out, sizes
