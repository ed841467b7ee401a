"""Line features and the body-probability model behind :mod:`cleaners.boilerplate`.

Each non-empty line of a text dump gets a vector of cheap features (length,
stop-word share, sentence shape, capitalised and digit share, separators,
chrome-phrase evidence, position, in-document repeats). A two-stage logistic
model turns them into a probability that the line is article body: stage one
reads the line alone, stage two adds its neighbours' stage-one scores and where
the line sits relative to the confident body lines (leading navigation and
trailing footer blocks). The weights are plain numbers in
``data/boilerplate_model.json`` (fitted by ``bench/fit_boilerplate.py``), so
scoring needs numpy only.

>>> lines = ["Home", "World", "The minister said on Monday that talks with the union would go on next week in the capital."]
>>> [round(p) for p in body_probabilities(lines, [None] * 3)]
[0, 0, 1]
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Sequence

import numpy as np

from cleaners.settings import read_data_text

_TOKEN = re.compile(r"\w+")
_SENT_END = ("." , "!", "?", "。", "！", "？", "…", '"', "”", "’", "»", ")", ":")
_SEPARATOR = re.compile(r"[|/»›·•>–—]")
_CAP_WORD = re.compile(r"\b[A-ZÀ-ÖØ-ÞĀ-ſА-ЯΑ-Ω]")
_DIGIT_WORD = re.compile(r"\b\d+\b")
_SENT_BREAK = re.compile(r"[.?!] |。")
_COMMA = re.compile(r"[,、，]")
# kana and han: scripts written without spaces, where one \w+ token can be a whole sentence
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@functools.cache
def stopwords() -> frozenset[str]:
    """Union of the per-language frequent-word lists in ``data/stopwords.txt``."""
    out: set[str] = set()
    for raw in read_data_text("stopwords.txt").splitlines():
        if raw and not raw.startswith("#"):
            out.update(raw.partition("\t")[2].split())
    return frozenset(out)


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
)


def local_features(
    lines: Sequence[str],
    rule_reasons: Sequence[str | None],
    repeats: Sequence[bool],
    lows: Sequence[str] | None = None,
    tokens: Sequence[list[str]] | None = None,
) -> np.ndarray:
    """One row of :data:`LOCAL_FEATURES` per line (lines are already stripped and non-empty).

    ``lows`` and ``tokens`` are the lower-cased lines and their ``\\w+`` tokens, when known.
    """
    stop_has = stopwords().__contains__
    n = len(lines)
    lows = lows if lows is not None else [s.lower() for s in lines]
    tokens = tokens if tokens is not None else [_TOKEN.findall(low) for low in lows]
    log1p = math.log1p
    rows = []
    for i, s in enumerate(lines):
        toks = tokens[i]
        cjk = 0 if s.isascii() else len(_CJK.findall(s))
        # a kana/han line counts one word per two characters
        nt = len(toks) + cjk // 2
        nw = nt or 1
        low = lows[i]
        n_cap = len(_CAP_WORD.findall(s))
        last = s[-1]
        ends = last in _SENT_END
        rr = rule_reasons[i]
        rows.append((
            1.0,
            log1p(nt),
            log1p(len(s)),
            1.0 if ends and last != ":" else 0.0,
            1.0 if last == ":" else 0.0,
            sum(map(stop_has, toks)) / nw,
            n_cap / nw,
            len(_DIGIT_WORD.findall(s)) / nw,
            log1p(len(_SENT_BREAK.findall(s))),
            len(_COMMA.findall(s)) / nw,
            len(_SEPARATOR.findall(s)) / nw,
            1.0 if s[0].islower() else 0.0,
            1.0 if nt <= 3 else 0.0,
            1.0 if nt >= 3 and n_cap >= nt - 1 and not ends else 0.0,
            cjk / len(s),
            1.0 if rr and not rr.startswith("phrase") else 0.0,
            1.0 if rr and rr.startswith("phrase") else 0.0,
            1.0 if repeats[i] else 0.0,
            i / n,
            1.0 if nt <= 12 and ("http" in low or "www." in low or "@" in s) else 0.0,
            1.0 if nt <= 1 else 0.0,
            1.0 if 4 <= nt <= 6 else 0.0,
            1.0 if 7 <= nt <= 12 else 0.0,
            1.0 if 13 <= nt <= 25 else 0.0,
            1.0 if 26 <= nt <= 50 else 0.0,
            1.0 if nt > 50 else 0.0,
        ))
    x = np.array(rows, dtype=np.float64).reshape(n, len(LOCAL_FEATURES) - 3)
    lw = x[:, 1]
    return np.column_stack([x, x[:, 3] * lw, x[:, 5] * lw, x[:, 6] * lw])


def _shift(p: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros_like(p)
    if k > 0:
        out[k:] = p[:-k]
    elif k < 0:
        out[:k] = p[-k:]
    return out


def _window_mean(x: np.ndarray, half: int = 3) -> np.ndarray:
    pad = np.concatenate([np.zeros(half), x, np.zeros(half)])
    return np.convolve(pad, np.ones(2 * half + 1) / (2 * half + 1), mode="valid")


def context_features(p1: np.ndarray, chars: np.ndarray, confident: float, rule_hits: np.ndarray, comment_marks: np.ndarray, log_words: np.ndarray) -> np.ndarray:
    """One row of :data:`CONTEXT_FEATURES` per line.

    From stage-one scores ``p1``, line lengths ``chars``, which lines a rule marked
    as chrome (``rule_hits``) and which lines are comment-section notices (``comment_marks``).
    """
    n = len(p1)
    if n == 0:
        return np.zeros((0, len(CONTEXT_FEATURES)))
    window = _window_mean(p1)
    body = p1 >= confident
    idx = np.arange(n)
    if body.any():
        bidx = idx[body]
        first, last = bidx[0], bidx[-1]
        # distance in lines to the nearest confident body line
        pos = np.searchsorted(bidx, idx)
        left = np.where(pos > 0, idx - bidx[np.maximum(pos - 1, 0)], n)
        right = np.where(pos < len(bidx), bidx[np.minimum(pos, len(bidx) - 1)] - idx, n)
        dist = np.minimum(left, right)
        bchars = np.where(body, chars, 0.0)
        share = (np.cumsum(bchars) - bchars) / max(bchars.sum(), 1.0)
        before = (idx < first).astype(float)
        after = (idx > last).astype(float)
        # a comment-section notice after the article has started: what follows is comments
        marks = idx[(comment_marks > 0) & (idx > first)]
        after_comments = (idx > marks[0]).astype(float) if len(marks) else np.zeros(n)
        from_first = np.log1p(np.maximum(idx - first, 0))
        to_last = np.log1p(np.maximum(last - idx, 0))
    else:
        after_comments = np.zeros(n)
        from_first = to_last = np.zeros(n)
        dist = np.full(n, n, dtype=float)
        share = np.zeros(n)
        before = np.ones(n)
        after = np.zeros(n)
    return np.column_stack([_shift(p1, 1), _shift(p1, -1), _shift(p1, 2), _shift(p1, -2), window, before, after, np.log1p(dist), share, p1, _window_mean(rule_hits), after_comments,
        _window_mean(p1, 1), _window_mean(p1, 10), from_first, to_last, _shift(log_words, 1), _shift(log_words, -1)])


def rule_arrays(rule_reasons: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Which lines a rule marked as chrome, and which are comment-section notices."""
    hits = np.array([1.0 if r else 0.0 for r in rule_reasons])
    comments = np.array([1.0 if r == "phrase:comments" else 0.0 for r in rule_reasons])
    return hits, comments


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@functools.cache
def _default_model() -> dict:
    return json.loads(read_data_text("boilerplate_model.json"))


def stage_scores(
    lines: Sequence[str],
    rule_reasons: Sequence[str | None],
    repeats: Sequence[bool] | None = None,
    model: dict | None = None,
    lows: Sequence[str] | None = None,
    tokens: Sequence[list[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local features, stage-one scores, context features and stage-two scores."""
    model = model or _default_model()
    repeats = repeats if repeats is not None else [False] * len(lines)
    xl = local_features(lines, rule_reasons, repeats, lows, tokens)
    p1 = _sigmoid(xl @ np.asarray(model["w1"]))
    xc = context_features(p1, np.array([len(s) for s in lines], dtype=float), model["confident"], *rule_arrays(rule_reasons), xl[:, 1])
    p2 = _sigmoid(np.hstack([xl, xc]) @ np.asarray(model["w2"]))
    return xl, p1, xc, p2


def body_probabilities(
    lines: Sequence[str],
    rule_reasons: Sequence[str | None],
    repeats: Sequence[bool] | None = None,
    model: dict | None = None,
    lows: Sequence[str] | None = None,
    tokens: Sequence[list[str]] | None = None,
) -> list[float]:
    """Probability that each (stripped, non-empty) line is article body."""
    if not lines:
        return []
    return stage_scores(lines, rule_reasons, repeats, model, lows, tokens)[3].tolist()
