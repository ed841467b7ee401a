"""The fast paths of cleaners.boilerplate / cleaners.linescore give exactly what the plain
computations they replace give (bench/boilerplate_equiv.py checks whole documents against a
baseline revision; these tests check each piece on inputs built to hit its edge cases)."""

import random
import re
from pathlib import Path

import numpy as np
import pytest

from cleaners import boilerplate, linescore
from cleaners.boilerplate import line_evidence, strip_document_lines

SHARED_TEXT = Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction" / "text"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
_W = re.compile(r"\w+")


def _random_lines(rng: random.Random, n_docs: int) -> list[list[str]]:
    alphabet = [chr(c) for c in range(32, 300)] + list(boilerplate._NON_ASCII_SPACES) + ["İ", "\u0307", "𝟏", "𝐀", "中", "ホ", "é", "²", "\t", "\x0b", "_", "  "]
    return [["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(rng.randint(0, 6))] for _ in range(n_docs)]


def test_tokenize_is_findall():
    rng = random.Random(0)
    for lines in _random_lines(rng, 3000) + [["plain ascii line", "don’t “quote” — x"], ["İstanbul 5", "a_b-c"], []]:
        assert boilerplate._tokenize(lines) == [_W.findall(s) for s in lines]


def test_needed_substrings_are_needed():
    needs = boilerplate._prefilter(re.compile(r"(?:story|article) continues (?:below|after)(?!\w)"))
    assert needs and all(any(x in "story continues below" for x in clause) for clause in needs)
    assert boilerplate._prefilter(re.compile(r"(?i)subscribe now")) == ()  # case-insensitive: no literal test
    assert boilerplate._prefilter(re.compile(r"a?b*")) == ()  # nothing is needed for sure
    # a class that lists symbols is a clause of them; a negated class, one with a range, or one of letters is not
    assert boilerplate._prefilter(re.compile(r"(?:home|news) ?[|›>] ?")) == (("home", "news"), (">", "|", "›"))
    assert boilerplate._prefilter(re.compile(r"(?:home|news) ?[^|>] ?")) == (("home", "news"),)
    assert boilerplate._prefilter(re.compile(r"(?:home|news) ?[!-/] ?")) == (("home", "news"),)
    assert boilerplate._prefilter(re.compile(r"(?:home|news) ?[ab] ?")) == (("home", "news"),)
    assert boilerplate._prefilter(re.compile(r"(?:home|news)(?: ?[|>])?")) == (("home", "news"),)  # optional: not needed


def _real_lines() -> list[str]:
    out = []
    for d in (SHARED_TEXT, SEEDS):
        if d.exists():
            for p in sorted(d.glob("*.txt")):
                out += [l.strip().lower() for l in p.read_text(encoding="utf-8").split("\n") if l.strip()]
    return out


def test_prefilter_never_hides_a_match():
    """Every line a chrome pattern matches satisfies that pattern's prefilter (real lines and
    the phrase variants a match can take)."""
    tables = boilerplate._phrase_tables()
    lines = _real_lines()
    lines += ["story continues below advertisement", "article continues after this advertisement", "© 2024 x", "(c) abc", "&amp;lt;div", "<span>",
              "(photo: reuters)", "subscribe now", "sign up for our daily newsletter", "you might also like", "last updated: monday"]
    if len(lines) < 1000:
        pytest.skip("shared benchmark data absent")
    pairs = list(zip(tables.inner, tables.inner_needs)) + list(zip(tables.symbol, tables.symbol_needs))
    checked = 0
    for (_, rx), needs in pairs:
        for low in lines:
            if rx.search(low):
                checked += 1
                assert all(any(x in low for x in clause) for clause in needs), (rx.pattern, low)
    assert checked > 50


def _context_reference(p1, chars, confident, rule_hits, comment_marks, log_words):
    """The context features as first written (np.convolve windows, searchsorted distances)."""
    n = len(p1)

    def shift(x, k):
        out = np.zeros_like(x)
        if k > 0:
            out[k:] = x[:-k]
        else:
            out[:k] = x[-k:]
        return out

    def window(x, half):
        pad = np.zeros(len(x) + 2 * half)
        pad[half : half + len(x)] = x
        return np.convolve(pad, np.ones(2 * half + 1) / (2 * half + 1), mode="valid")

    prose = p1 >= 0.5
    cols = {}
    for gap in (2, 4):
        run = linescore._runs(prose, chars, gap)
        mass = np.bincount(run, weights=np.where(prose, chars, 0.0))
        mass[0] = 0.0
        if mass.max() <= 0:
            cols[gap] = (np.zeros(n), np.zeros(n))
        else:
            cols[gap] = (mass[run] / mass.max(), (run == mass.argmax()).astype(float))
    out = np.zeros((n, len(linescore.CONTEXT_FEATURES)))
    out[:, 0], out[:, 1], out[:, 2], out[:, 3] = shift(p1, 1), shift(p1, -1), shift(p1, 2), shift(p1, -2)
    out[:, 4], out[:, 9], out[:, 10] = window(p1, 3), p1, window(rule_hits, 3)
    out[:, 12], out[:, 13] = window(p1, 1), window(p1, 10)
    out[:, 16], out[:, 17] = shift(log_words, 1), shift(log_words, -1)
    out[:, 18], out[:, 19], out[:, 20] = cols[2][0], cols[4][0], cols[4][1]
    body = p1 >= min(confident, p1.max())  # no confident line: the best lines stand in
    bidx = np.flatnonzero(body)
    idx = np.arange(n)
    if len(bidx):
        first, last = bidx[0], bidx[-1]
        pos = np.searchsorted(bidx, idx)
        left = np.where(pos > 0, idx - bidx[np.maximum(pos - 1, 0)], n)
        right = np.where(pos < len(bidx), bidx[np.minimum(pos, len(bidx) - 1)] - idx, n)
        out[:, 7] = linescore.log1p_counts(np.minimum(left, right))
        bchars = np.where(body, chars, 0.0)
        out[:, 8] = (np.cumsum(bchars) - bchars) / max(bchars.sum(), 1.0)
        out[:, 5], out[:, 6] = idx < first, idx > last
        marks = np.flatnonzero(comment_marks > 0)
        marks = marks[marks > first]
        out[:, 11] = idx > marks[0] if len(marks) else 0.0
        out[:, 14] = linescore.log1p_counts(np.maximum(idx - first, 0))
        out[:, 15] = linescore.log1p_counts(np.maximum(last - idx, 0))
    else:
        out[:, 7] = linescore.log1p_counts(np.full(n, n, dtype=float))
        out[:, 5] = 1.0
    return out


def test_context_features_match_reference():
    rng = np.random.default_rng(1)
    for _ in range(400):
        n = int(rng.integers(1, 60))
        p1 = rng.random(n) ** rng.choice([0.3, 1.0, 3.0])
        chars = rng.integers(1, 400, n).astype(float)
        hits = (rng.random(n) < 0.3).astype(float)
        comments = (rng.random(n) < 0.05).astype(float)
        logw = np.log1p(rng.integers(0, 80, n).astype(float))
        want = _context_reference(p1, chars, 0.8, hits, comments, logw)
        got = linescore.context_features(p1, chars, 0.8, hits, comments, logw)
        assert np.array_equal(got, want)
        # a later stage reuses the static columns and the shared buffers
        shared = linescore._shared(n, comments)
        out = np.empty((n, len(linescore.CONTEXT_FEATURES)))
        linescore.context_features(rng.random(n), chars, 0.8, hits, comments, logw, out=out, shared=shared)
        linescore.context_features(p1, chars, 0.8, hits, comments, logw, out=out, static=True, shared=shared)
        assert np.array_equal(out, want)


def test_local_features_digit_and_url_columns():
    """Number tokens (str.isdigit, counted only on lines with a digit) and URL-ish lines (found
    in the joined text) match a per-line computation, astral and non-ASCII lines included."""
    rng = random.Random(2)
    docs = _random_lines(rng, 300) + [["Call 555 1234 or mail x@y.com", "https://example.com", "𝟏𝟐 items", "² squared", "year ２０２４"]]
    for lines in docs:
        lines = [s.strip() for s in lines if s.strip()]
        if not lines:
            continue
        ev = line_evidence(lines)
        x = linescore.local_features(ev)
        nt = np.array([len(t) for t in ev.tokens], dtype=float) + linescore._char_counts(lines)[:, linescore._CAT_CJK] // 2
        digits = np.array([sum(t.isdigit() for t in toks) for toks in ev.tokens], dtype=float)
        url = np.array([("http" in l or "www." in l or "@" in l) for l in ev.lows]) & (nt <= 12)
        assert np.array_equal(x[:, linescore.LOCAL_FEATURES.index("digit_share")], digits / np.maximum(nt, 1.0))
        assert np.array_equal(x[:, linescore.LOCAL_FEATURES.index("url_like")], url.astype(float))


def _classify_reference(ev, xl, title, headline):
    """One pass's verdicts as first written (lists and loops)."""
    n = len(ev.stripped)
    if not n:
        return [], [], None
    cfg = boilerplate._cfg
    probs = linescore.stage_scores(ev, None, xl)[3].tolist()
    final = [r if r else "repeat" if rp else "line-model" if p < cfg["body_threshold"] else r for r, rp, p in zip(ev.reasons, ev.repeats, probs)]
    for k in range(1, n):  # hysteresis: a rejected line after a kept one goes on the article
        if final[k] == "line-model" and final[k - 1] is None and probs[k] >= cfg["continue_threshold"]:
            final[k] = None
    k = 0
    while k + 1 < n:  # the lead: a rejected line right before a kept one that follows no kept line
        if final[k] == "line-model" and probs[k] >= cfg["lead_threshold"] and final[k + 1] is None and (k == 0 or final[k - 1] is not None):
            final[k] = None
            k += 1
        k += 1
    k = 1
    while k < n - 1:
        if final[k] == "line-model" and final[k - 1] is None and probs[k - 1] >= cfg["sandwich_confidence"]:
            end = k
            while end < n and end - k < cfg["sandwich_lines"] and final[end] == "line-model":
                end += 1
            if end < n and final[end] is None and probs[end] >= cfg["sandwich_confidence"]:
                for j in range(k, end):
                    final[j] = None
            k = end
        k += 1
    values = [-cfg["block_offset"] if r or rp else p - cfg["block_offset"] for r, rp, p in zip(ev.reasons, ev.repeats, probs)]
    inside = set()
    for a, b in boilerplate._main_blocks(values, cfg["block_second_share"]):
        inside.update(range(a, b + 1))
    for k in range(n):
        if final[k] is None and k not in inside:
            final[k] = "outside-main-block"
    found = None
    body = [k for k in range(n) if final[k] is None] if headline else []
    if headline and body:
        first = body[0]
        for k in range(max(0, first - cfg["headline_window"]), first + 1):
            if boilerplate._is_headline_shape(ev.stripped[k]) and (ev.reasons[k] is None or final[k] == "repeat") and not (k == first and len(body) == 1):
                found = ev.stripped[k]
                break
        if found is not None and cfg["headline_stack"]:  # headline-shaped body lines under it, but the last body line
            under = [b for b in body if b > k]
            while len(under) > 1 and ev.reasons[under[0]] is None and boilerplate._is_headline_shape(ev.stripped[under[0]]):
                final[under.pop(0)] = "under-headline"
    if found is not None or title is not None:
        tkey = boilerplate._key(found if found is not None else title)
        seen_first = found is None
        for k in range(n):
            if ev.keys[k] == tkey:
                final[k] = "repeat-of-headline" if seen_first else "headline"
                seen_first = True
    return final, probs, found


def _classify_cases() -> list[tuple[list[str], dict | None, str | None]]:
    texts = []
    for d in (SHARED_TEXT, SEEDS):
        if d.exists():
            texts += [p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt"))[:25]]
    texts.append("Home\nBreaking News Today In The City\nThe minister said on Monday that talks would go on next week.\nShort.\n"
                 "The union said it would strike again if the offer did not change.\nShare this\nShare this\n© 2024")
    cases = []
    for t in texts:
        lines = [l.strip() for l in t.split("\n") if l.strip()]
        cases.append((lines, None, None))
        # outside evidence whose reason is an empty string: kept, but not "no reason"
        cases.append((lines, {boilerplate._key(l): "" for l in lines[::3]}, None))
        cases.append((lines, {boilerplate._key(l): "known" for l in lines[1::4]}, lines[len(lines) // 2]))
    return cases


@pytest.mark.parametrize("case", range(len(_classify_cases())))
def test_classify_matches_reference(case):
    lines, known, title = _classify_cases()[case]
    ev = line_evidence(lines, known)
    xl = linescore.local_features(ev)
    for headline in (True, False):
        assert boilerplate._classify(ev, xl.copy(), None, title, headline) == _classify_reference(ev, xl.copy(), title, headline)


def test_unwrap_shares_the_stripped_lines():
    para = ("The council voted on Thursday to extend the program for another two years, and the mayor said "
            "the city would look for new money to pay for it, although several members objected. ") * 3
    import textwrap

    text = "Home | News\n\n" + "\n\n".join(textwrap.fill(para, 70) for _ in range(4))
    joined, unwrapped = boilerplate.unwrap_hard_wrapped(text)
    assert unwrapped and "\n\n".join([para.strip()] * 4) in joined
    assert strip_document_lines(text).unwrapped


def test_date_prefilter_never_hides_a_dateline():
    """The first-word check before the dateline rule only skips lines the rule would reject."""
    lines = [l for l in _real_lines() if len(l) < 80] + [
        "Tuesday, March 5, 2019 10:14 am", "(Updated) 12:00 pm", "( ) 2019", "Published: 5 hours ago", "Posted on 12/03/2021",
        ", 2020", "Last update: 2019-05-01", "By Ann Lee 2019", "(AP) 2019", "Mon. Jan 5",
    ]
    full = lambda s: boilerplate._is_date_line(s.replace(",", " , ").replace("(", " ").replace(")", " ").split())
    dates = [s for s in lines if full(s)]
    assert len(dates) >= 5
    assert all(boilerplate._may_be_date(s) for s in dates)
    assert not all(boilerplate._may_be_date(s) for s in lines)  # it does skip lines
