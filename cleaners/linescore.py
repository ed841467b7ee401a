"""Line features and the body-probability model behind :mod:`cleaners.boilerplate`.

Each non-empty line of a text dump gets a vector of cheap features (length,
stop-word share, sentence shape, capitalised and digit share, separators,
chrome-phrase evidence, position, in-document repeats, clock times and question
marks) and of the document's shape around it (:func:`structure_features`: headline /
teaser alternation, density of author-and-date lines). A two-stage logistic
model turns them into a probability that the line is article body: stage one
reads the line alone, stage two adds its neighbours' stage-one scores and where
the line sits relative to the confident body lines (leading navigation and
trailing footer blocks; when no line reaches the confidence level, the
best-scoring lines stand in for them, since a page handed to the stripper
holds an article somewhere) and how much prose its run of lines holds; a third
stage repeats that on stage two's scores. The weights are plain numbers in
``data/boilerplate_model.json`` (fitted by ``bench/fit_boilerplate.py``).

The per-line work (the local features, the structure windows, the stacked stages) runs in
compiled kernels, ``cleaners/_linekernels.c``, when they are built (``pip install`` builds them
with a C compiler; :data:`kernels`); the numpy functions here are the reference they are tested
against and the path taken without them (or with ``WIREWASH_NO_KERNELS=1``): the same verdicts,
the scores equal but for the last bits of their dot products.

>>> from cleaners.boilerplate import line_evidence
>>> lines = ["Home", "World", "The minister said on Monday that talks with the union would go on next week in the capital."]
>>> [round(p) for p in body_probabilities(line_evidence(lines))]
[0, 0, 1]
"""

from __future__ import annotations

import array
import functools
import itertools
import json
import math
import operator
import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from cleaners.settings import read_data_text

if TYPE_CHECKING:
    from cleaners.boilerplate import LineEvidence

_TOKEN = re.compile(r"\w+")

#: log1p of 0 ... LOG1P_TABLE_SIZE - 1 from the C library's log1p (``math.log1p``), the same
#: numbers the kernels' table holds (``N_LOG1P`` in ``_linekernels.c``). numpy's ``np.log1p``
#: is vectorised differently per CPU (SIMD on AVX-512) and differs in the last bit for some
#: integers, so the numpy path reads its logs of counts from here too: both paths give the
#: same features by construction, on any machine.
LOG1P_TABLE_SIZE = 4096


@functools.cache
def _log1p_table() -> np.ndarray:
    return np.array([math.log1p(i) for i in range(LOG1P_TABLE_SIZE)])


def log1p_counts(values: np.ndarray | Sequence[float]) -> np.ndarray:
    """``log1p`` of counts, exactly as the kernels compute it: a whole number below
    :data:`LOG1P_TABLE_SIZE` from the shared table, anything else by ``math.log1p``.

    >>> log1p_counts([0, 1, 5000, 2.5]).round(6).tolist()
    [0.0, 0.693147, 8.517393, 1.252763]
    >>> bool(log1p_counts([2])[0] == math.log1p(2))
    True
    """
    a = np.asarray(values, dtype=float)
    out = np.empty(a.shape)
    whole = (a >= 0) & (a < LOG1P_TABLE_SIZE) & (a == np.floor(a))
    out[whole] = _log1p_table()[a[whole].astype(np.int64)]
    rest = ~whole
    if rest.any():
        out[rest] = [math.log1p(v) for v in a[rest].tolist()]
    return out
_SENT_END = ("." , "!", "?", "。", "！", "？", "…", '"', "”", "’", "»", ")", ":")


@functools.cache
def stopwords() -> frozenset[str]:
    """Union of the per-language frequent-word lists in ``data/stopwords.txt``."""
    out: set[str] = set()
    for raw in read_data_text("stopwords.txt").splitlines():
        if raw and not raw.startswith("#"):
            out.update(raw.partition("\t")[2].split())
    return frozenset(out)


STRUCTURE_FEATURES = (
    "alternation_window",
    "meta_window",
    "lexical_window",
)

LOCAL_FEATURES = (
    "bias",
    "log_words",
    "log_chars",
    "ends_sentence",
    "ends_colon",
    "stop_share",
    "cap_share",
    "digit_share",
    "log_sentences",
    "comma_rate",
    "separator_rate",
    "starts_lower",
    "short_1_3",
    "title_case",
    "cjk_share",
    "rule_hit",
    "phrase_hit",
    "repeat",
    "rel_pos",
    "url_like",
    "words_1",
    "words_4_6",
    "words_7_12",
    "words_13_25",
    "words_26_50",
    "words_51_up",
    "ends_x_log_words",
    "stop_x_log_words",
    "cap_x_log_words",
    "phrase_share",
    "duplicated",
    # line-alone shape marks of teaser lists and comment threads (see _shape_marks)
    "has_time",
    "question_rate",
    # the words of the line, read through the model's fitted lexicon (see lexical_scores)
    "lexical",
    # the document's structure around the line (see structure_features)
    *STRUCTURE_FEATURES,
)

CONTEXT_FEATURES = (
    "p_prev1",
    "p_next1",
    "p_prev2",
    "p_next2",
    "p_window",
    "before_body",
    "after_body",
    "log_dist_body",
    "body_share_before",
    "p_self",
    "rule_window",
    "after_comments",
    "p_window_1",
    "p_window_10",
    "log_lines_after_first_body",
    "log_lines_before_last_body",
    "words_prev1",
    "words_next1",
    "run_share_gap2",
    "run_share_gap4",
    "in_largest_run",
)


@functools.cache
def _end_table() -> np.ndarray:
    out = np.zeros(65536, dtype=bool)
    out[_END_CODES] = True
    return out


@functools.cache
def _char_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every BMP code point: is it a ``\\w`` character, is it an upper-case letter,
    and its category (comma, separator, sentence end, kana/han; 0 otherwise)."""
    chars = [chr(c) for c in range(65536)]
    word = np.array([c.isalnum() or c == "_" for c in chars], dtype=bool)
    upper = np.array([c.isupper() for c in chars], dtype=bool)
    cat = np.zeros(65536, dtype=np.int64)
    cat[0x3040:0x3100] = _CAT_CJK
    cat[0x3400:0xA000] = _CAT_CJK
    cat[_COMMA_CODES] = _CAT_COMMA
    cat[_SEP_CODES] = _CAT_SEP
    cat[_BREAK_CODES] = _CAT_BREAK
    cat[0x3002] = _CAT_BREAK
    return word, upper, cat


_WORD_BIT, _UPPER_BIT, _LOWER_BIT = 8, 16, 32


@functools.cache
def _packed_table() -> np.ndarray:
    """:func:`_char_tables` packed into one byte per code point."""
    word, upper, cat = _char_tables()
    lower = np.array([chr(c).islower() for c in range(65536)], dtype=bool)
    digit = np.array([chr(c).isdigit() for c in range(65536)], dtype=bool)
    cat = np.where(digit & (cat == 0), _CAT_DIGIT, cat)  # no digit has another category
    return (
        cat.astype(np.uint8)
        | np.where(word, _WORD_BIT, 0).astype(np.uint8)
        | np.where(upper, _UPPER_BIT, 0).astype(np.uint8)
        | np.where(lower, _LOWER_BIT, 0).astype(np.uint8)
    )


# per-character categories counted per line in one bincount
_CAT_CAPS, _CAT_COMMA, _CAT_SEP, _CAT_BREAK, _CAT_CJK, _CAT_DIGIT, _N_CATS = 1, 2, 3, 4, 5, 6, 7
_SEP_CODES = np.array([ord(c) for c in "|/»›·•>–—"], dtype=np.uint32)
_COMMA_CODES = np.array([ord(c) for c in ",、，"], dtype=np.uint32)
_BREAK_CODES = np.array([ord(c) for c in ".?!"], dtype=np.uint32)
_END_CODES = np.array([ord(c) for c in _SENT_END if c != ":"], dtype=np.uint32)


def _char_counts(lines: Sequence[str]) -> np.ndarray:
    """Per line: capitalised words, commas, separators, sentence breaks, kana/han characters,
    digits (``str.isdigit``) (columns ``_CAT_CAPS`` ... ``_CAT_DIGIT``; column 0 is not counted)."""
    return _char_stats(lines)[0]


def _char_stats(lines: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_char_counts`, the code points of the lines joined by newlines, and where each
    line starts and ends (one past its last character) among them.

    Computed on the code points of the whole document at once (numpy), not line by line.
    """
    n = len(lines)
    cp = np.frombuffer("\n".join(lines).encode("utf-32-le"), dtype=np.uint32)
    # one lookup per character: category in the low bits, then "is \w" and "is upper-case"
    # (astral characters fall on U+FFFF: not a word, no category)
    t = _packed_table().take(np.minimum(cp, 65535))
    cat = t & 7
    caps = (t & _UPPER_BIT) != 0
    caps[1:] &= (t[:-1] & _WORD_BIT) == 0  # an upper-case letter that starts a word
    cat[caps] = _CAT_CAPS
    # ".", "?" and "!" end a sentence only before a space
    dot = cat == _CAT_BREAK
    dot[:-1] &= (cp[1:] == 32) | (cp[:-1] == 0x3002)
    dot[-1] = cp[-1] == 0x3002
    cat[(cat == _CAT_BREAK) & ~dot] = 0
    # count only the characters with a category (most have none); column 0 stays zero
    hit = np.flatnonzero(cat)
    newlines = np.flatnonzero(cp == 10)
    line_of = np.searchsorted(newlines, hit)  # newlines before the character
    counts = np.bincount(line_of * _N_CATS + cat[hit], minlength=n * _N_CATS).reshape(n, _N_CATS)
    starts = np.concatenate([[0], newlines + 1])
    ends = np.concatenate([newlines, [len(cp)]])  # one past each line's last character
    return counts, cp, starts, ends


def local_features(ev: "LineEvidence", model: dict | None = None) -> np.ndarray:
    """One row of :data:`LOCAL_FEATURES` per line of ``ev`` (see :func:`cleaners.boilerplate.line_evidence`);
    ``model`` (default: the shipped one) gives the lexicon of the ``lexical`` column."""
    lines, lows, tokens, rule_reasons = ev.stripped, ev.lows, ev.tokens, ev.reasons
    n = len(lines)
    if n == 0:
        return np.zeros((0, len(LOCAL_FEATURES)))
    if kernels is not None:
        x = np.empty((n, len(LOCAL_FEATURES)))
        lex, power = lexicon(model)
        kernels.local_features(
            _as_list(lines), _as_list(lows), _code_table(model), _as_list(rule_reasons), _as_list(ev.repeats),
            _as_list(ev.phrase_share), _as_list(ev.duplicated), _packed_table(), _end_table(), bool(lex), power, x,
        )
        _structure_into(x, ev)
        return x
    counts, cp, starts, ends = _char_stats(lines)
    marks = _shape_marks(cp, starts, ends)
    cjk = counts[:, _CAT_CJK].astype(float)
    # a kana/han line counts one word per two characters
    n_tokens = np.fromiter(map(len, tokens), dtype=np.int64, count=n)
    nt = n_tokens.astype(float) + cjk // 2
    nw = np.maximum(nt, 1.0)
    chars = (ends - starts).astype(float)
    # stop words and lexicon weights of all lines at once, in one look-up per token (see
    # _token_codes): codes over the flat token list, summed per line
    codes = np.fromiter(map(_token_codes(model).get, itertools.chain.from_iterable(tokens), itertools.repeat(0j)), dtype=complex, count=int(n_tokens.sum()))
    per_line = _line_sums(codes, n_tokens)
    stops = per_line.real  # whole counts (sums of ones are exact)
    # number tokens: only a line holding a digit character can have one (lower-casing neither
    # makes nor unmakes a digit); astral characters are not in the table, so then every line counts
    astral = len(cp) and int(cp.max()) > 65535
    with_digits = np.arange(n) if astral else counts[:, _CAT_DIGIT].nonzero()[0]
    digits = np.zeros(n)
    if len(with_digits):
        dtokens = [tokens[k] for k in with_digits.tolist()]
        flags = np.fromiter(map(str.isdigit, itertools.chain.from_iterable(dtokens)), dtype=bool)
        per = np.fromiter(map(len, dtokens), dtype=np.int64, count=len(dtokens))
        digits[with_digits] = _line_sums(flags.astype(float), per)
    last = cp[ends - 1]
    endb = _end_table()[np.minimum(last, 65535)]
    colon = last == 58  # ":"
    first = cp[starts]
    lower_start = ((_packed_table()[np.minimum(first, 65535)] & _LOWER_BIT) != 0).astype(float)
    if astral:
        for k in np.flatnonzero(first > 65535):  # an astral first character
            lower_start[k] = float(lines[k][0].islower())
    # "http", "www." or "@" in a line: found in the whole lower-cased document at once
    url = np.zeros(n, dtype=bool)
    joined = "\n".join(lows)
    hits = []
    for needle in ("http", "www.", "@"):
        at = joined.find(needle)
        while at >= 0:
            hits.append(at)
            at = joined.find(needle, at + 1)
    if hits:
        offsets = np.fromiter(map(len, lows), dtype=np.int64, count=n)
        offsets += 1
        url[np.cumsum(offsets).searchsorted(hits, side="right")] = True
    url &= nt <= 12
    rule = np.zeros(n)
    phrase = np.zeros(n)
    for k, r in enumerate(rule_reasons):
        if r:
            if r.startswith("phrase"):
                phrase[k] = 1.0
            else:
                rule[k] = 1.0
    caps = counts[:, _CAT_CAPS].astype(float)
    lw = log1p_counts(nt)
    stop_share = stops / nw
    cap_share = caps / nw
    endf = endb.astype(float)
    x = np.empty((n, len(LOCAL_FEATURES)))  # C order, as np.column_stack gives (the scores' dot products depend on it)
    x[:, 0] = 1.0
    x[:, 1] = lw
    x[:, 2] = log1p_counts(chars)
    x[:, 3] = endf
    x[:, 4] = colon
    x[:, 5] = stop_share
    x[:, 6] = cap_share
    x[:, 7] = digits / nw
    x[:, 8] = log1p_counts(counts[:, _CAT_BREAK])
    x[:, 9] = counts[:, _CAT_COMMA] / nw
    x[:, 10] = counts[:, _CAT_SEP] / nw
    x[:, 11] = lower_start
    x[:, 12] = nt <= 3
    x[:, 13] = (nt >= 3) & (caps >= nt - 1) & ~endb & ~colon
    x[:, 14] = cjk / chars
    x[:, 15] = rule
    x[:, 16] = phrase
    x[:, 17] = np.fromiter(ev.repeats, dtype=bool, count=n)
    x[:, 18] = np.arange(n) / n
    x[:, 19] = url
    x[:, 20] = nt <= 1
    x[:, 21] = (nt >= 4) & (nt <= 6)
    x[:, 22] = (nt >= 7) & (nt <= 12)
    x[:, 23] = (nt >= 13) & (nt <= 25)
    x[:, 24] = (nt >= 26) & (nt <= 50)
    x[:, 25] = nt > 50
    x[:, 26] = endf * lw
    x[:, 27] = stop_share * lw
    x[:, 28] = cap_share * lw
    x[:, 29] = np.fromiter(ev.phrase_share, dtype=float, count=n)
    x[:, 30] = np.fromiter(ev.duplicated, dtype=bool, count=n)
    x[:, 31:33] = marks
    # lexical_scores(tokens, *lexicon(model)), from the sums above (the same additions in the same order)
    x[:, _LEXICAL] = per_line.imag / count_powers(np.maximum(n_tokens, 1), lexicon(model)[1]) if lexicon(model)[0] else 0.0
    x[:, _STRUCT] = structure_features(x, ev)
    return x


def _as_list(seq: Sequence) -> list:
    return seq if type(seq) is list else list(seq)


def _kernel_rows(x: np.ndarray) -> bool:
    """Whether the compiled kernels can write local-feature rows ``x`` in place: kernels loaded,
    and ``x`` a C-contiguous float64 matrix with one column per local feature."""
    return kernels is not None and x.dtype == np.float64 and x.flags.c_contiguous and x.ndim == 2 and x.shape[1] == len(LOCAL_FEATURES)


def _structure_into(x: np.ndarray, ev: "LineEvidence") -> None:
    """``x[:, _STRUCT] = structure_features(x, ev)``, by the compiled kernel when there is one."""
    if _kernel_rows(x):
        kernels.structure(x, _as_list(ev.reasons), len(x))  # the kernel reads which reasons are "dateline-only"
    else:
        x[:, _STRUCT] = structure_features(x, ev)


def lexicon(model: dict | None = None) -> tuple[dict[str, float], float]:
    """The model's lexicon: lower-cased word -> how much it moves a line's log-odds of being
    body beyond what the line's shape says (words typical of page chrome, such as "share" or
    "subscribe", weigh below zero), and the argument ``power`` of :func:`lexical_scores`.
    Fitted with the rest of the model by ``bench/fit_boilerplate.py``; converted once per model."""
    model = model or _default_model()
    source = model.get("lexicon", {})
    cached = model.get("_lexicon")
    if cached is None or cached[0] is not source:  # a copy of a model may carry another's
        cached = (source, {str(w): float(v) for w, v in source.items()})
        model["_lexicon"] = cached
    return cached[1], float(model.get("lexicon_power", 1.0))


def _token_codes(model: dict | None = None) -> dict[str, complex]:
    """Word -> ``complex(is_stop_word, lexicon_weight)`` for the stop words and the model's lexicon:
    :func:`local_features` reads both with one dictionary look-up per token and sums them per
    line in one pass (the real and imaginary parts add separately, so either sum is exactly
    what summing it alone gives). Built once per model."""
    model = model or _default_model()
    lex = lexicon(model)[0]
    cached = model.get("_token_codes")
    if cached is None or cached[0] is not lex:
        stops = stopwords()
        cached = (lex, {w: complex(w in stops, lex.get(w, 0.0)) for w in stops | lex.keys()})
        model["_token_codes"] = cached
    return cached[1]


def _code_table(model: dict | None = None):
    """:func:`_token_codes` as the compiled kernels' word table (``kernels.word_table``), built once per model."""
    codes = _token_codes(model)
    model = model or _default_model()
    cached = model.get("_code_table")
    if cached is None or cached[0] is not codes:
        cached = (codes, kernels.word_table(codes, None, None))
        model["_code_table"] = cached
    return cached[1]


def count_powers(counts: np.ndarray, power: float) -> np.ndarray:
    """``counts ** power`` by the C library's ``pow`` (as the kernels compute it), one call
    per distinct count: numpy's vectorised power differs from it in the last bit on some
    CPUs, and the two paths must give the same features.

    >>> count_powers(np.array([1, 4, 4, 9]), 0.5).tolist()
    [1.0, 2.0, 2.0, 3.0]
    """
    c = np.asarray(counts)
    if c.size == 0:
        return np.zeros(c.shape)
    uniq, inverse = np.unique(c, return_inverse=True)
    return np.array([math.pow(float(u), power) for u in uniq.tolist()])[inverse].reshape(c.shape)


def lexical_scores(tokens: Sequence[Sequence[str]], lex: dict[str, float], power: float = 1.0, n_tokens: np.ndarray | None = None) -> np.ndarray:
    """Per line: the sum of its words' lexicon weights over its word count to the power
    ``power`` (words not in the lexicon weigh zero). One dictionary look-up per token.

    >>> lexical_scores([["share", "this"], ["the", "minister", "said"], []], {"share": -2.0, "said": 0.9}, 0.5)
    array([-1.41421356,  0.51961524,  0.        ])
    """
    n = len(tokens)
    if n_tokens is None:
        n_tokens = np.fromiter(map(len, tokens), dtype=np.int64, count=n)
    if not lex or n == 0:
        return np.zeros(n)
    vals = np.fromiter(map(lex.get, itertools.chain.from_iterable(tokens), itertools.repeat(0.0)), dtype=float, count=int(n_tokens.sum()))
    return _line_sums(vals, n_tokens) / count_powers(np.maximum(n_tokens, 1), power)


def _line_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sums of ``values`` (one per token of the document, line after line) per line of
    ``counts[k]`` tokens: differences of one running sum, so every line's sum is the same
    additions in the same order whatever the caller."""
    seen = np.zeros(len(values) + 1, dtype=values.dtype)  # sums over the first k tokens
    np.cumsum(values, out=seen[1:])
    ends_at = counts.cumsum()
    return seen[ends_at] - seen[ends_at - counts]


def _shape_marks(cp: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per line (``cp``: the code points of the lines joined by newlines; each line's start and
    end among them): does it hold a clock time ("4:47", the author-and-date line of a comment),
    and its question marks per five word characters (comments ask, reports tell).

    Computed on the whole document at once.
    """
    n = len(starts)
    newlines = np.flatnonzero(cp == 10)

    def per_line(hit: np.ndarray) -> np.ndarray:
        return np.bincount(np.searchsorted(newlines, np.flatnonzero(hit)), minlength=n)[:n].astype(float)

    digit = (cp >= 48) & (cp <= 57)
    clock = np.zeros(len(cp), dtype=bool)
    if len(cp) >= 4:
        clock[1:-2] = (cp[1:-2] == 58) & digit[:-3] & digit[2:-1] & digit[3:]
    question = (cp == 63) | (cp == 0xFF1F)
    chars = np.maximum((ends - starts) / 5.0, 1.0)
    return np.column_stack([np.minimum(per_line(clock), 1.0), per_line(question) / chars])


def structure_features(xl: np.ndarray, ev: "LineEvidence") -> np.ndarray:
    """The :data:`STRUCTURE_FEATURES` of each line, from the local features of all lines.

    They describe the shape of the document around the line: a list of headlines each
    followed by a one-sentence teaser alternates short unfinished lines with sentences
    (``alternation_window``: share of such neighbouring pairs within four lines); a comment
    thread repeats a short line with a date or clock time (author and date) every few
    lines (``meta_window``: share of such lines within five lines); chrome words cluster
    in menus and footers (``lexical_window``: mean ``lexical`` score within three lines). Recomputed by
    :func:`reposition` when lines are removed.
    """
    n = len(xl)
    out = np.zeros((n, len(STRUCTURE_FEATURES)))
    if n == 0:
        return out
    nt = np.expm1(xl[:, _LOG_WORDS])
    ends = xl[:, _ENDS] > 0
    prose = ends & (nt >= 8)
    head = ~ends & (xl[:, _ENDS_COLON] == 0) & (nt >= 3) & (nt <= 20)
    pair = np.zeros(n, dtype=bool)
    pair[:-1] = (head[:-1] & prose[1:]) | (prose[:-1] & head[1:])
    out[:, 0] = _window_mean(pair.astype(float), 4)
    meta = (nt <= 15) & ((xl[:, _HAS_TIME] > 0) | np.array([r == "dateline-only" for r in ev.reasons], dtype=bool))
    out[:, 1] = _window_mean(meta.astype(float), 5)
    out[:, 2] = _window_mean(xl[:, _LEXICAL], 3)
    return out


def _window_mean(x: np.ndarray, half: int = 3) -> np.ndarray:
    """The mean of ``x`` over a window of ``2 * half + 1`` lines (zero beyond either end)."""
    pad = np.zeros(len(x) + 2 * half)
    pad[half : half + len(x)] = x
    return np.convolve(pad, _kernel(half), mode="valid")


def _runs(prose: np.ndarray, chars: np.ndarray, gap: int) -> np.ndarray:
    """Run id of every line: a run of prose lines ends at ``gap`` or more non-prose lines in a row.

    Lines before the first prose line get run 0; a non-prose line belongs to the run of
    the last prose line before it.
    """
    n = len(prose)
    pidx = np.flatnonzero(prose)
    if len(pidx) == 0:
        return np.zeros(n, dtype=np.int64)
    new_run = np.concatenate([[True], np.diff(pidx) - 1 >= gap])
    ids = np.cumsum(new_run)
    last_prose = np.maximum.accumulate(np.where(prose, np.arange(n), -1))
    pos = np.searchsorted(pidx, last_prose)  # index of that prose line among prose lines
    return np.where(last_prose >= 0, ids[np.minimum(pos, len(pidx) - 1)], 0)


def _run_share(prose: np.ndarray, chars: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Per line: prose characters of its run over those of the largest run; is its run the largest."""
    return _run_shares(prose, chars, (gap,))[0]


def _run_shares(prose: np.ndarray, chars: np.ndarray, gaps: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`_run_share` for several gaps, sharing the work (same numbers as :func:`_runs`).

    Only prose lines carry weight, so each run's mass is summed over its prose lines alone
    (the same additions in the same order as summing over all its lines, less the zeros).
    """
    n = len(prose)
    pidx = prose.nonzero()[0]
    if len(pidx) == 0:
        return [(np.zeros(n), np.zeros(n)) for _ in gaps]
    last = prose.cumsum()  # prose lines up to each line: the last one is prose line seen - 1
    last -= 1
    head = int(pidx[0])  # lines before the first prose line belong to no run (run 0)
    holes = pidx[1:] - pidx[:-1]
    weights = chars[pidx]
    ids = np.empty(len(pidx), dtype=np.int64)
    ids[0] = 1
    out = []
    for gap in gaps:
        np.cumsum(holes > gap, out=ids[1:])
        ids[1:] += 1
        mass = np.bincount(ids, weights=weights)  # mass[0] = 0: no prose line is in run 0
        run = ids[last]
        run[:head] = 0
        top = mass.max()
        if top <= 0:
            out.append((np.zeros(n), np.zeros(n)))
        else:
            out.append((mass[run] / top, (run == mass.argmax()).astype(float)))
    return out


@functools.cache
def _kernel(half: int) -> np.ndarray:
    return np.ones(2 * half + 1) / (2 * half + 1)


_PAD = 10  # the widest window's half width


def context_features(
    p1: np.ndarray, chars: np.ndarray, confident: float, rule_hits: np.ndarray, comment_marks: np.ndarray, log_words: np.ndarray, out: np.ndarray | None = None,
    static: bool = False, shared: "_Shared | None" = None,
) -> np.ndarray:
    """One row of :data:`CONTEXT_FEATURES` per line.

    From stage-one scores ``p1``, line lengths ``chars``, which lines a rule marked
    as chrome (``rule_hits``) and which lines are comment-section notices (``comment_marks``).
    The "body" that positions are measured from is the lines scoring ``confident`` or more,
    or, when none does, the best-scoring ones (a lone article paragraph under hundreds of
    navigation lines scores below ``confident`` in stage one, and measured from nothing it
    would be lost).
    ``out``: an ``(n, len(CONTEXT_FEATURES))`` array to write the features into;
    ``static=True``: ``out`` already holds the features that do not depend on ``p1``
    (the rule window and the neighbours' lengths), from an earlier stage;
    ``shared``: :func:`_shared` of these lines, when an earlier stage made it.
    """
    n = len(p1)
    if out is None:
        out = np.empty((n, len(CONTEXT_FEATURES)))
    if n == 0:
        return out
    sh = _shared(n, comment_marks) if shared is None else shared
    prose = p1 >= 0.5
    (share2, _), (share4, largest) = _run_shares(prose, chars, (2, 4))
    # neighbours' scores (zero beyond either end) and window means, from one zero-padded copy
    pad = sh.pad
    pad[_PAD : _PAD + n] = p1
    out[:, 0] = pad[_PAD - 1 : _PAD - 1 + n]
    out[:, 1] = pad[_PAD + 1 : _PAD + 1 + n]
    out[:, 2] = pad[_PAD - 2 : _PAD - 2 + n]
    out[:, 3] = pad[_PAD + 2 : _PAD + 2 + n]
    out[:, 4] = np.correlate(pad[_PAD - 3 : _PAD + n + 3], _kernel(3), "valid")
    out[:, 12] = np.correlate(pad[_PAD - 1 : _PAD + n + 1], _kernel(1), "valid")
    out[:, 13] = np.correlate(pad, _kernel(10), "valid")
    out[:, 9] = p1
    if not static:
        out[:, 10] = _window_mean(rule_hits, 3)
        out[0, 16] = 0.0
        out[1:, 16] = log_words[:-1]
        out[-1, 17] = 0.0
        out[:-1, 17] = log_words[1:]
    out[:, 18] = share2
    out[:, 19] = share4
    out[:, 20] = largest
    body = p1 >= min(confident, float(p1.max()))
    bidx = body.nonzero()[0]
    log1p = sh.log1p  # log1p(0 ... n): every log feature is one of these (log1p_counts: the kernels' numbers)
    if len(bidx):
        first, last = int(bidx[0]), int(bidx[-1])
        # distance in lines to the nearest body line (one always exists: never n)
        ext = np.empty(len(bidx) + 2, dtype=np.int64)
        ext[0], ext[-1] = -2 * n, 3 * n
        ext[1:-1] = bidx
        idx = sh.idx
        pos = ext.searchsorted(idx)
        dist = ext[pos]
        dist -= idx
        np.minimum(dist, idx - ext[pos - 1], out=dist)
        out[:, 7] = log1p[dist]
        bchars = np.where(body, chars, 0.0)
        cum = bchars.cumsum()
        cum -= bchars
        cum /= max(bchars.sum(), 1.0)
        out[:, 8] = cum
        out[:first, 5] = 1.0
        out[first:, 5] = 0.0
        out[: last + 1, 6] = 0.0
        out[last + 1 :, 6] = 1.0
        # a comment-section notice after the article has started: what follows is comments
        marks = sh.marks
        j = int(marks.searchsorted(first, side="right"))
        out[:, 11] = 0.0
        if j < len(marks):
            out[marks[j] + 1 :, 11] = 1.0
        out[:first, 14] = 0.0
        out[first:, 14] = log1p[: n - first]
        out[: last + 1, 15] = log1p[last::-1]
        out[last + 1 :, 15] = 0.0
    else:  # only when the scores are NaN: the best line otherwise always counts as body
        out[:, 11] = 0.0
        out[:, 14] = 0.0
        out[:, 15] = 0.0
        out[:, 7] = log1p[n]
        out[:, 8] = 0.0
        out[:, 5] = 1.0
        out[:, 6] = 0.0
    return out


class _Shared:
    """What the context stages of one set of lines share: line numbers, a zero-padded buffer,
    log1p of 0 ... n, and the comment-notice lines."""

    __slots__ = ("idx", "pad", "log1p", "marks")

    def __init__(self, n: int, comment_marks: np.ndarray) -> None:
        self.idx = np.arange(n)
        self.pad = np.zeros(n + 2 * _PAD)
        self.log1p = log1p_counts(np.arange(n + 1))
        self.marks = (comment_marks > 0).nonzero()[0]


def _shared(n: int, comment_marks: np.ndarray) -> _Shared:
    return _Shared(n, comment_marks)


def line_arrays(ev: "LineEvidence") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per line of ``ev``: its length, and :func:`rule_arrays` (what the context stages read
    besides the scores; a subset of lines takes the same rows)."""
    n = len(ev.stripped)
    if kernels is not None:
        out = np.empty((3, n))
        kernels.line_arrays(_as_list(ev.stripped), _as_list(ev.reasons), out)
        return out[0], out[1], out[2]
    chars = np.frombuffer(array.array("q", map(len, ev.stripped)), dtype=np.int64, count=n).astype(float)
    return (chars, *rule_arrays(ev.reasons))


def comment_section_start(
    reasons: Sequence[str | None], kept: Sequence[bool], tokens: Sequence[Sequence[str]], min_words: int,
    thread: Sequence[bool] | None = None, window: int = 10,
) -> int:
    """Index of the first comment-section line (rule ``phrase:comments``) that follows a kept
    line of at least ``min_words`` words (so the article has started), or the number of lines.

    With ``thread`` (per line: does it look like part of a comment thread, see
    :func:`thread_marks`), a comment-section line counts only when one of the ``window``
    lines after it does too: a "Join the conversation" prompt or a comment counter in the
    middle of an article, followed by more article, does not end it.

    >>> comment_section_start([None, None, "phrase:comments", None], [True, True, False, True], [["w"] * 20, ["w"], ["said"], ["w"] * 20], 15)
    2
    >>> comment_section_start([None, None, "phrase:comments", None], [True, True, False, True], [["w"] * 20, ["w"], ["said"], ["w"] * 20], 15, [False, False, True, False])
    4
    """
    started = False
    n = len(reasons)
    for k, r in enumerate(reasons):
        if started and r is not None and r.startswith("phrase:comments"):
            if thread is None or any(thread[k + 1 : k + 1 + window]):
                return k
        if not started and kept[k] and len(tokens[k]) >= min_words:
            started = True
    return n


def thread_marks(xl: np.ndarray, reasons: Sequence[str | None], max_words: int = 15) -> list[bool]:
    """Per line: does it look like part of a comment thread: a comment-section phrase
    ("Reply", "... said:"), or a short line with a clock time or only a date (a comment's
    author-and-date line)."""
    nt = np.expm1(xl[:, _LOG_WORDS]) if len(xl) else np.zeros(0)
    short_time = ((xl[:, _HAS_TIME] > 0) & (nt <= max_words)).tolist() if len(xl) else []
    # the reasons that mark a thread line, among the few distinct reasons of the document
    marks = {r for r in set(reasons) if r is not None and (r == "dateline-only" or r.startswith("phrase:comments"))}
    return list(map(operator.or_, short_time, map(marks.__contains__, reasons)))


def _flags(values) -> np.ndarray:
    """The truth of each value, as 1.0 / 0.0 (one byte a value first: no per-item numpy conversion)."""
    return np.frombuffer(bytes(map(bool, values)), dtype=bool).astype(float)


def rule_arrays(rule_reasons: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Which lines a rule marked as chrome, and which are comment-section notices."""
    hits = _flags(rule_reasons)
    comments = _flags(map(operator.eq, rule_reasons, itertools.repeat("phrase:comments")))
    return hits, comments


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # np.clip(z, -30, 30) without its Python-level dispatch (same values, NaN included)
    z = np.minimum(np.maximum(z, -30.0), 30.0)
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    return np.divide(1.0, z, out=z)


@functools.cache
def _default_model() -> dict:
    return json.loads(read_data_text("boilerplate_model.json"))


def _weights(model: dict) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """The model's weights as arrays: stage one's, each context stage's, and the context stages'
    as one C-ordered (stages x features) array for the kernels (converted once per model; a copy
    of a model dict with other weights, ``{**model, "w1": ...}``, carries the original's cache,
    which is then redone)."""
    source = (model["w1"], model["context_stages"])
    cached = model.get("_arrays")
    if cached is None or cached[0][0] is not source[0] or cached[0][1] is not source[1]:
        stages = [np.asarray(w, dtype=np.float64) for w in source[1]]
        stacked = np.array(stages, dtype=np.float64).reshape(len(stages), len(LOCAL_FEATURES) + len(CONTEXT_FEATURES))
        cached = (source, (np.asarray(source[0], dtype=np.float64), stages, stacked))
        model["_arrays"] = cached
    return cached[1]


def reposition(xl: np.ndarray, ev: "LineEvidence") -> np.ndarray:
    """Local features of a subset of a document's lines (rows of the whole document's
    :func:`local_features`, owned by the caller), with the features that depend on the other
    lines (position, repeats) redone for ``ev``, the subset's evidence."""
    n = len(xl)
    if _kernel_rows(xl):
        kernels.reposition(xl, _as_list(ev.repeats), _as_list(ev.duplicated))
    else:
        xl[:, _REL_POS] = np.arange(n) / n
        xl[:, _REPEAT] = _flags(ev.repeats)
        xl[:, _DUPLICATED] = _flags(ev.duplicated)
    _structure_into(xl, ev)
    return xl


_REL_POS, _REPEAT, _DUPLICATED = (LOCAL_FEATURES.index(f) for f in ("rel_pos", "repeat", "duplicated"))
_LOG_WORDS, _ENDS, _ENDS_COLON, _HAS_TIME = (LOCAL_FEATURES.index(f) for f in ("log_words", "ends_sentence", "ends_colon", "has_time"))
_LEXICAL = LOCAL_FEATURES.index("lexical")
_STRUCT = slice(LOCAL_FEATURES.index(STRUCTURE_FEATURES[0]), LOCAL_FEATURES.index(STRUCTURE_FEATURES[-1]) + 1)


def _load_kernels():
    """The compiled kernels (``cleaners/_linekernels.c``), or ``None``: not built (no C compiler
    at install time), switched off with ``WIREWASH_NO_KERNELS=1``, or built for another column
    layout. Without them every function here takes its numpy path: the same verdicts, slower."""
    if os.environ.get("WIREWASH_NO_KERNELS", "") not in ("", "0"):
        return None
    try:
        from cleaners import _linekernels
    except ImportError:
        return None
    layout = (len(LOCAL_FEATURES), len(CONTEXT_FEATURES), _LOG_WORDS, _ENDS, _ENDS_COLON, _HAS_TIME, _LEXICAL, _STRUCT.start, _REPEAT, _REL_POS, _DUPLICATED)
    if layout != _linekernels.LAYOUT or not all(hasattr(_linekernels, f) for f in KERNEL_FUNCTIONS):
        return None  # built from an older _linekernels.c: `make install` (or pip install -e .) rebuilds it
    return _linekernels


#: the compiled functions cleaners call; a build without one of them (an older _linekernels.c) is not used
KERNEL_FUNCTIONS = (
    "best_span", "first_codes", "line_arrays", "line_keys", "local_features", "lower_lines", "needs_table", "repeat_flags",
    "reposition", "rule_screen", "stages", "structure", "tokenize", "unwrap_plan", "word_count", "word_table",
    "dedup_normalize", "spin_view", "dedup_minhash",  # cleaners.dedup's views and signatures
)


#: the compiled kernels in use (``None``: the numpy path); tests switch it to compare the two
kernels = _load_kernels()


def stage_scores(
    ev: "LineEvidence", model: dict | None = None, xl: np.ndarray | None = None, arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local features, stage-one scores, the last context features and the final scores.

    Every stage after the first reads the local features plus context features
    built from the previous stage's scores (stacking). ``xl``: the local features, when
    the caller has them already; ``arrays``: :func:`line_arrays` of ``ev``, likewise.
    """
    model = model or _default_model()
    xl = local_features(ev, model) if xl is None else xl
    w1, context_ws, stacked = _weights(model)
    chars, hits, comments = line_arrays(ev) if arrays is None else arrays
    if kernels is not None and xl.ndim == 2 and xl.shape[1] == len(LOCAL_FEATURES):
        n = len(xl)
        ctx, p1, p = np.empty((n, len(CONTEXT_FEATURES))), np.empty(n), np.empty(n)
        f64 = functools.partial(np.ascontiguousarray, dtype=np.float64)
        kernels.stages(n, f64(xl), w1, stacked, len(context_ws), f64(chars), f64(hits), f64(comments), float(model["confident"]), ctx, p1, p)
        return xl, p1, ctx if context_ws else np.zeros((n, 0)), p
    p1 = _sigmoid(xl @ w1)
    nl = xl.shape[1]
    x = np.empty((len(xl), nl + len(CONTEXT_FEATURES)))  # local then context features, filled in place
    x[:, :nl] = xl
    p = p1
    shared = _shared(len(xl), comments)
    for stage, w in enumerate(context_ws):
        context_features(p, chars, model["confident"], hits, comments, xl[:, 1], out=x[:, nl:], static=stage > 0, shared=shared)
        p = _sigmoid(x @ w)
    return xl, p1, x[:, nl:] if context_ws else np.zeros((len(xl), 0)), p


def body_probabilities(ev: "LineEvidence", model: dict | None = None) -> list[float]:
    """Probability that each line of ``ev`` is article body."""
    if not ev.stripped:
        return []
    return stage_scores(ev, model)[3].tolist()
