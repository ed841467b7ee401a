"""The compiled kernels (cleaners/_linekernels.c) against the numpy path of cleaners.linescore.

The local features must be the same numbers exactly; the scores may differ in the last bits
(the kernels add the dot products' terms in order, numpy's BLAS does not) and the verdicts
must not differ at all.
"""

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cleaners import boilerplate, linescore
from cleaners.boilerplate import line_evidence, strip_document_lines
from conftest import with_and_without_kernels

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
KERNELS = linescore.kernels


def _docs(limit: int | None = None) -> list[str]:
    out = []
    for d in (SHARED / "bench" / "extraction" / "text", SHARED / "seeds", ROOT / "seeds"):
        if d.exists():
            out += [p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt"))[:limit]]
    return out


def _random_docs(rng: random.Random, n_docs: int) -> list[list[str]]:
    alphabet = [chr(c) for c in range(32, 300)] + list("。．？?！!:：1234567890,、，|/»›·•>–—\"”’)") + [
        "İ", "\u0307", "𝟏", "𝐀", "中", "ホ", "ひ", "é", "²", "_", "  ", "http", "www.", "@", "Icon", "ＡＢ"]
    docs = []
    for _ in range(n_docs):
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))).strip() for _ in range(rng.randint(1, 30))]
        docs.append([l for l in lines if l])
    return docs


def _both(fn):
    return with_and_without_kernels(fn)


def test_kernels_are_built():
    # `make install` builds them (gcc and the Python headers); without them everything still
    # works, slower, and this test says why the stripper is slow
    assert KERNELS is not None, "cleaners._linekernels is not built: pip install -e . needs a C compiler and the Python headers"


needs_kernels = pytest.mark.skipif(KERNELS is None, reason="kernels not built")


@needs_kernels
@pytest.mark.parametrize("model", [None, {"lexicon": {}}], ids=["shipped", "no-lexicon"])
def test_local_features_are_the_same_numbers(model):
    if model is not None:
        model = {**linescore._default_model(), **model}
    rng = random.Random(5)
    docs = [[l.strip() for l in t.split("\n") if l.strip()] for t in _docs(40)] + _random_docs(rng, 300)
    docs.append(["Published 12:45 pm", "2024年3月1日 東京。新しい", "𝟏𝟐 items", "ＡＢＣ is here", "A B C D", "x"])
    checked = 0
    for lines in docs:
        if not lines:
            continue
        known = {boilerplate._key(l): "dateline-only" for l in lines[::5]}  # the meta column reads this reason
        ev = line_evidence(lines, known)
        got, want = _both(lambda: linescore.local_features(ev, model))
        assert got.shape == want.shape
        bad = [linescore.LOCAL_FEATURES[j] for j in range(got.shape[1]) if not np.array_equal(got[:, j], want[:, j])]
        assert not bad, (bad, lines[:3])
        checked += len(lines)
    assert checked > 2000


@needs_kernels
def test_line_arrays_and_reposition_are_the_numpy_ones():
    # every kind of reason: none, a rule's, a comment notice, a date line, and an empty one (kept,
    # so not a hit); subsets of lines as the later passes take them
    rng = random.Random(11)
    docs = [[l.strip() for l in t.split("\n") if l.strip()] for t in _docs(40)] + _random_docs(rng, 200)
    kinds = ["phrase:comments", "dateline-only", "", "site-repeat:3/3"]
    checked = 0
    for lines in docs:
        if not lines:
            continue
        known = {boilerplate._key(l): kinds[i % len(kinds)] for i, l in enumerate(lines[::2])}
        ev = line_evidence(lines, known)
        got, want = _both(lambda: linescore.line_arrays(ev))
        assert all(np.array_equal(a, b) for a, b in zip(got, want)), lines[:3]
        sel = sorted(rng.sample(range(len(lines)), rng.randint(1, len(lines))))
        sub = boilerplate._sub_evidence(ev, sel)
        xl = linescore.local_features(ev)
        got, want = _both(lambda: linescore.reposition(xl[sel], sub))
        assert np.array_equal(got, want), lines[:3]
        checked += len(lines)
    assert checked > 2000
    with pytest.raises(ValueError, match="reasons"):
        KERNELS.line_arrays(["a", "b"], [None], np.empty((3, 2)))
    with pytest.raises(ValueError, match="out"):
        KERNELS.line_arrays(["a", "b"], [None, None], np.empty((3, 1)))
    with pytest.raises(ValueError, match="duplicated"):
        KERNELS.reposition(np.empty((2, len(linescore.LOCAL_FEATURES))), [False, True], [False])


@needs_kernels
def test_wrap_plan_is_the_python_one():
    # real dumps (not wrapped), the same texts hard-wrapped and double-spaced at several widths,
    # and random texts with sentence ends, lower-case starts and blank lines mixed in
    import textwrap

    rng = random.Random(17)
    texts = _docs()
    for text in texts[:150]:
        paras = [" ".join(p.split()) for p in text.split("\n") if p.strip()]
        for width in (38, 60, 72, 110):
            pieces = [piece for p in paras for piece in textwrap.wrap(p, width)]
            texts += ["\n\n".join(pieces), "\n\n".join(textwrap.fill(p, width) for p in paras)]
    # generated prose, so wrapped paragraphs are plenty without the bench's dumps (../shared)
    vocab = ["minister", "talks", "said", "union", "capital", "week", "government", "report", "market", "the", "of", "and",
             "would", "prices", "central", "bank", "Tokyo", "Reuters", "officials", "on", "in", "a", "after", "agreement"]
    for _ in range(60):
        paras = [" ".join(" ".join(rng.choice(vocab) for _ in range(rng.randint(6, 20))).capitalize() + "."
                          for _ in range(rng.randint(2, 6))) for _ in range(rng.randint(2, 6))]
        width = rng.choice((38, 60, 72, 110))
        pieces = [piece for p in paras for piece in textwrap.wrap(p, width)]
        texts += ["\n".join(pieces), "\n\n".join(pieces), "\n\n".join(textwrap.fill(p, width) for p in paras)]
    words = ["the", "Minister", "said.", "talks", "(AP)", "well-", "known", "”", "U.S.", "é", "Ünd", "ok?", "a:", "x"]
    for _ in range(400):
        lines = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 14))) for _ in range(rng.randint(0, 40))]
        texts.append("\n".join(lines))
    kinds = {None: 0, True: 0, list: 0}
    for text in texts:
        stripped = [l.strip() for l in text.split("\n")]
        nonblank = [i for i, l in enumerate(stripped) if l]
        got, want = _both(lambda: boilerplate._wrap_plan(stripped, nonblank))
        assert got == want, text[:200]
        kinds[want if want is None or want is True else list] += 1
    assert min(kinds.values()) > 20, kinds  # every outcome is compared, many times
    with pytest.raises(IndexError, match="out of range"):
        KERNELS.unwrap_plan(["a"] * 9, list(range(10)), boilerplate._wrap_params())
    # the width by selection, not sorting: random lengths, many ties, sorted, reversed, organ-pipe and
    # all-equal orders (a median-of-three pivot's bad cases), every size from 1 to 300
    rng = random.Random(3)
    for m in range(1, 301):
        base = [rng.randint(0, 120) for _ in range(m)]
        few = [rng.choice((40, 72, 73)) for _ in range(m)]
        pipe = list(range(m // 2)) + list(range(m - m // 2, 0, -1))
        for lengths in (base, few, sorted(base), sorted(base, reverse=True), pipe, [7] * m):
            assert KERNELS.wrap_width(list(lengths)) == boilerplate._wrap_width(lengths), (m, lengths)
    with pytest.raises(ValueError, match="no lengths"):
        KERNELS.wrap_width([])


@needs_kernels
def test_stage_scores_agree_and_verdicts_are_the_same():
    docs = _docs()
    if len(docs) < 50:
        pytest.skip("shared benchmark data absent")
    worst = 0.0
    for text in docs:
        lines = [l.strip() for l in text.split("\n") if l.strip()]
        ev = line_evidence(lines)
        xl = linescore.local_features(ev)
        got, want = _both(lambda: linescore.stage_scores(ev, None, xl.copy()))
        for a, b in zip(got, want):
            assert a.shape == b.shape
            assert np.allclose(a, b, rtol=0, atol=1e-12)
            if a.size:
                worst = max(worst, float(np.abs(a - b).max()))
        r1, r2 = _both(lambda: strip_document_lines(text))
        assert (r1.text, r1.title, [(r.line, r.reason) for r in r1.removed]) == (r2.text, r2.title, [(r.line, r.reason) for r in r2.removed])
    assert worst < 1e-12


@needs_kernels
def test_stage_scores_edge_cases():
    rng = np.random.default_rng(3)
    model = linescore._default_model()
    ev = line_evidence(["Home", "The minister said on Monday that talks would go on.", "Share this", "Leave a comment", "More text here, and more."])
    xl = linescore.local_features(ev)
    # no context stage; NaN weights (every score NaN: the no-body branch); random weights
    cases = [{**model, "context_stages": []},
             {**model, "w1": [float("nan")] * len(model["w1"])},
             {**model, "context_stages": [list(rng.normal(0, 2, len(w))) for w in model["context_stages"]]}]
    for m in cases:
        got, want = _both(lambda: linescore.stage_scores(ev, m, xl.copy()))
        for a, b in zip(got, want):
            assert a.shape == b.shape
            assert np.allclose(a, b, rtol=0, atol=1e-12, equal_nan=True)


@needs_kernels
def test_bad_input_is_a_clear_error():
    x = np.empty((1, len(linescore.LOCAL_FEATURES)))
    args = [[""], [""], linescore._code_table(None), [None], [False], [0.0], [False], linescore._packed_table(), linescore._end_table(), False, 1.0, x]
    with pytest.raises(ValueError, match="line 0 is empty"):
        KERNELS.local_features(*args)
    with pytest.raises(ValueError, match="lows has 2 items"):
        KERNELS.local_features(["a"], ["a", "b"], *args[2:])
    with pytest.raises(TypeError, match="out"):
        KERNELS.local_features(["a"], ["a"], *args[2:-1], np.empty((1, len(linescore.LOCAL_FEATURES)), dtype=np.float32))
    with pytest.raises(ValueError, match="expected at least"):
        KERNELS.local_features(["a"], ["a"], *args[2:-1], np.empty((1, 3)))
    with pytest.raises(TypeError, match="codes must be a word_table"):
        KERNELS.local_features(["a"], ["a"], {"a": 1j}, *args[3:])
    with pytest.raises(TypeError, match="str keys"):
        KERNELS.word_table({1: 1j}, None, None)
    with pytest.raises(TypeError, match="tuples of pattern numbers"):
        KERNELS.word_table(None, {"a": [1]}, None)
    with pytest.raises(ValueError, match="negative"):
        KERNELS.word_table(None, {"a": (-1,)}, None)
    with pytest.raises(TypeError, match="tuples of tuples of str"):
        KERNELS.needs_table(((("a", 1),),))


def test_switched_off_by_environment():
    code = "from cleaners import linescore; print(linescore.kernels is None)"
    env = {**os.environ, "WIREWASH_NO_KERNELS": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


@needs_kernels
def test_an_older_build_is_not_used(monkeypatch):
    # every compiled function the cleaners call is listed (a build without one is refused, not called)
    import re
    import types

    called = set()
    for path in (ROOT / "cleaners").rglob("*.py"):  # cleaners.dedup calls them too
        called |= set(re.findall(r"kernels\.([a-z_]+)\(", path.read_text(encoding="utf-8")))
    assert called and called <= set(linescore.KERNEL_FUNCTIONS), called - set(linescore.KERNEL_FUNCTIONS)
    # ... and a build from an older _linekernels.c, without one of them, leaves the numpy path on
    older = types.ModuleType("cleaners._linekernels")
    for name in ["LAYOUT", *linescore.KERNEL_FUNCTIONS[1:]]:
        setattr(older, name, getattr(KERNELS, name))
    monkeypatch.setitem(sys.modules, "cleaners._linekernels", older)
    monkeypatch.delenv("WIREWASH_NO_KERNELS", raising=False)
    import cleaners

    monkeypatch.setattr(cleaners, "_linekernels", older, raising=False)
    assert linescore._load_kernels() is None
    setattr(older, linescore.KERNEL_FUNCTIONS[0], getattr(KERNELS, linescore.KERNEL_FUNCTIONS[0]))
    assert linescore._load_kernels() is older


def _rule_lines() -> list[str]:
    rng = random.Random(11)
    lines = [l.strip() for t in _docs() for l in t.split("\n") if l.strip()]
    # every chrome phrase family's typical lines, bullets, templates, credits, datelines, sprites
    lines += ["Story continues below advertisement", "• Share this article", "- Read more", "© 2024 Example Media", "(c) 2020 x",
              "You have {{count}} free articles left", "Facebook Icon Twitter Icon Email Icon Print Icon", "JOHN SMITH / REUTERS",
              "Published 12:45 pm ET", "March 3, 2024", "Contact: news@example.com", "Photo: AP", "Leave a comment", "12 comments",
              "share_this", "Home | News | Sport", "&lt;div&gt;", "<span>x</span>", "Image: Getty Images", "Sign up for our newsletter"]
    words = sorted(boilerplate._phrase_tables().words)
    extra = random.Random(12)  # a second stream: enough rule lines without ../shared's dumps
    for r in (rng,) * 3000 + (extra,) * 3000:  # random lines of phrase words, symbols and digits
        parts = [r.choice(words + ["the", "said", "©", "&", "(", "<", "/", "@", "1", "{{x}}", "_", "icon"]) for _ in range(r.randint(1, 12))]
        lines.append(" ".join(parts).capitalize())
    # date-only lines and near misses: the words of dates in any case, numbers of every shape (and
    # one digit too many), marks, brackets, other whitespace, and characters outside ASCII
    # (digits, letters that fold to ASCII ones) that the compiled screen leaves to Python
    date = ["Monday", "MON.", "tue,", "Sept.", "December", "mar", "Ma", "published", "Updated:", "at", "ago", "Hours",
            "ET", "a.m.", "P.M.", "utc", "gmt:", "on", "2024", "20245", "3rd", "21ST", "4xh", "12:45", "1.30pm", "123:45",
            "12:4", "12:45AM", "2024-03-01", "1/2/2024", "12.3.20245", "1-123-2", "5", ",", ":", "::", "|", "•", "·", "/",
            "-", ".", "(", ")", "(AP)", "٣", "２０２４", "ſat", "Kst", "İst", "é", "日", "the", "said"]
    seps = [" ", " ", " ", "\u00a0", "\u2009", "\u3000", ", ", "(", ")", "\x1f"]
    for _ in range(4000):
        parts = [rng.choice(date) for _ in range(rng.randint(1, 16))]
        line = "".join(p + rng.choice(seps) for p in parts).strip()
        if line:
            lines.append(line)
    # short date lines of the same words (the dumps of ../shared hold many; these stand in without them)
    for _ in range(4000):
        parts = [extra.choice(date) for _ in range(extra.randint(1, 4))]
        line = "".join(p + extra.choice(seps) for p in parts).strip()
        if line:
            lines.append(line)
    return lines


@needs_kernels
def test_rule_screen_never_hides_a_rule():
    """A line the compiled screen passes over gets no rule and no phrase share from the full
    per-line rules (run here without the screen), and with the screen's masks and phrase
    candidates every line gets exactly what the full rules give."""
    lines = _rule_lines()
    lows = [l.lower() for l in lines]
    tokens = boilerplate._tokenize(lows)
    masks, phrases = KERNELS.rule_screen(lines, lows, boilerplate._screen_spec())
    assert len(masks) == len(lines) and set(phrases) <= set(range(len(lines)))
    try:
        linescore.kernels = None
        boilerplate._SHORT_LINE_RULES.clear()
        want = boilerplate._rule_evidence(lines, lows, tokens)
    finally:
        linescore.kernels = KERNELS
        boilerplate._SHORT_LINE_RULES.clear()
    reasons, shares = want
    hidden = [(l, r, s) for l, m, r, s in zip(lines, masks, reasons, shares) if not m and (r is not None or s)]
    assert not hidden, hidden[:5]
    got = boilerplate._rule_evidence(lines, lows, tokens)
    boilerplate._SHORT_LINE_RULES.clear()
    differ = [(l, a, b) for l, a, b in zip(lines, zip(*got), zip(*want)) if a != b]
    assert not differ, differ[:5]
    fired = sum(1 for r, s in zip(reasons, shares) if r is not None or s)
    assert fired > 1000  # the lines above do exercise the rules
    assert sum(1 for m in masks if m) < 0.8 * len(lines)  # ... and the screen does pass over lines
    assert sum(1 for m in masks if m & boilerplate._SCREEN_PHRASE) > 500
    # the date-line rule fires often, is mostly decided by the screen, and sometimes left to Python
    assert sum(1 for r in reasons if r == "dateline-only") > 500
    decided = sum(1 for m in masks if m & boilerplate._SCREEN_DATELINE)
    assert decided > 300 and sum(1 for m in masks if m & boilerplate._SCREEN_DATE) > 100


@needs_kernels
def test_date_words_outside_ascii_are_left_to_python(monkeypatch):
    # a data file with upper-case and non-ASCII date words ("Mär" for März, "Tháng"): lower-cased on
    # loading, the ASCII ones handed to the screen, and every line gets what the Python rule gives
    data = {"days": ["Mon", "tue"], "months": ["jan", "Mär", "mai"], "zones": ["pm", "Uhr"], "words": ["am", "Tháng"], "marks": ",-·"}
    lists = boilerplate._date_lists(data)
    assert lists[1] == ("jan", "mär", "mai") and lists[2] == ("pm", "uhr")
    monkeypatch.setattr(boilerplate, "_DATE_DAYS", lists[0])
    monkeypatch.setattr(boilerplate, "_DATE_MONTHS", lists[1])
    monkeypatch.setattr(boilerplate, "_DATE_ZONES", lists[2])
    monkeypatch.setattr(boilerplate, "_DATE_WORDS", lists[3])
    monkeypatch.setattr(boilerplate, "_DATE_MARKS", lists[4])
    monkeypatch.setattr(boilerplate, "_DATE_TOKEN", boilerplate._date_token_pattern(*lists))
    boilerplate._screen_spec.cache_clear()
    boilerplate.clear_caches()
    try:
        assert boilerplate._screen_spec()[-1][1] == ("jan", "mai")  # the screen reads ASCII words only
        lines = ["3 März 2024, 14:05 Uhr", "Mär 3", "MÄRZ 2024", "12 Tháng 3, 2024", "Mon, 3 Mai 2024 - 9:15 pm",
                 "Märchen 3", "Montag 3", "Jan 3 · 10:00 Uhr", "3 jan 2024 Uhr", "Sun 3 March"]
        got, want = _both(lambda: line_evidence(lines).reasons)
        assert got == want
        assert got[:5] == ["dateline-only"] * 5 and got[-1] is None  # "sun" and "march" are not in these lists
    finally:
        monkeypatch.undo()
        boilerplate._screen_spec.cache_clear()
        boilerplate.clear_caches()
    with pytest.raises(ValueError, match="date_words.toml: the date word 'ſun'"):  # "ſ" matches "s" when case is ignored
        boilerplate._date_lists({**data, "days": ["ſun"]})
    assert boilerplate._date_lists({**data, "days": ["\u212aw"]})[0] == ("kw",)  # the Kelvin sign lower-cases to "k"


@needs_kernels
def test_rule_screen_bad_spec_is_a_clear_error():
    spec = list(boilerplate._screen_spec())
    spec[-2] = (("not a tuple of tuples",),)
    with pytest.raises(TypeError, match="inner_needs must be a needs_table"):
        KERNELS.rule_screen(["a"], ["a"], tuple(spec))
    with pytest.raises(TypeError, match="spec"):
        KERNELS.rule_screen(["a"], ["a"], ("too", "short"))
    spec = list(boilerplate._screen_spec())
    spec[1] = ("icon", 3)
    with pytest.raises(TypeError, match="own_low_needles"):
        KERNELS.rule_screen(["a"], ["a"], tuple(spec))
    spec[1] = KERNELS.needs_table(())  # no entry: nothing to hold
    with pytest.raises(ValueError, match="own_low_needles must be a needs_table of one entry"):
        KERNELS.rule_screen(["a"], ["a"], tuple(spec))
    spec = list(boilerplate._screen_spec())
    for bad in ("Mon", "mön"):  # a date word must be lower-case ASCII (the words read are lower-cased)
        spec[-1] = ((bad,), (), (), (), "-")
        with pytest.raises(TypeError, match="date words"):
            KERNELS.rule_screen(["a"], ["a"], tuple(spec))
    spec[-1] = ((), (), (), ())  # four lists, no marks
    with pytest.raises(TypeError, match="spec"):
        KERNELS.rule_screen(["a"], ["a"], tuple(spec))
    spec = list(boilerplate._screen_spec())
    spec[7] = KERNELS.word_table(None, {"cookies": (10**6,)}, None)  # a word naming a pattern that is not there
    with pytest.raises(IndexError, match="out of range"):
        KERNELS.rule_screen(["We use cookies"], ["we use cookies"], tuple(spec))


@needs_kernels
def test_best_span_is_the_python_scan():
    rng = np.random.default_rng(8)
    cases = [np.zeros(0), np.array([-1.0, -2.0]), np.array([0.0, 0.0, 0.0]), np.array([1.0, -1.0, 1.0]), np.array([np.nan, 1.0, 2.0]),
             np.array([2.0, np.nan, -1.0, 3.0]), np.array([-np.inf, 1.0]), np.array([0.3, -0.1, 0.2, -0.4, 0.3])]
    cases += [rng.normal(0, 1, rng.integers(1, 60)).round(int(rng.integers(0, 3))) for _ in range(500)]
    for values in cases:
        n = len(values)
        for lo, hi in [(0, n), (0, n // 2), (n // 3, n), (n // 2, n // 2)]:
            assert KERNELS.best_span(values, lo, hi) == boilerplate._best_span(values.tolist()[lo:hi]), (values, lo, hi)
        assert boilerplate._main_blocks(values.tolist(), 0.5, values) == boilerplate._main_blocks(values.tolist(), 0.5)
    with pytest.raises(IndexError):
        KERNELS.best_span(np.zeros(3), 2, 5)


@needs_kernels
def test_line_keys_and_repeat_flags_are_the_python_ones():
    rng = random.Random(21)
    pieces = ["a", "B", "the", " ", "  ", "\t", "\u00a0", "\u2003", "\u200b", "é", "中", "𝐀", "\x85", "\u2028", "x y", "1"]
    docs = [[l.strip() for l in t.split("\n") if l.strip()] for t in _docs(30)]
    for _ in range(500):  # enough repeats without ../shared's dumps
        lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))).strip() for _ in range(rng.randint(1, 25))]
        lines = [l for l in lines if l]
        docs.append(lines + rng.sample(lines, min(len(lines), rng.randint(0, 5))))  # some lines twice
    twice = 0
    for lines in docs:
        ev_got, ev_want = _both(lambda: line_evidence(lines))
        assert ev_got.keys == ev_want.keys, lines
        assert (ev_got.repeats, ev_got.duplicated) == (ev_want.repeats, ev_want.duplicated), lines
        for m in (0, 3, 20):
            got = KERNELS.repeat_flags(ev_want.keys, m)
            try:
                linescore.kernels = None
                boilerplate._cfg["min_repeat_chars"], old = m, boilerplate._cfg["min_repeat_chars"]
                want = boilerplate._repeat_flags(ev_want.keys)
            finally:
                linescore.kernels = KERNELS
                boilerplate._cfg["min_repeat_chars"] = old
            assert got == want
        twice += any(ev_want.repeats)
    assert twice > 100  # the repeats are exercised
    with pytest.raises(TypeError, match="key 1 is not a str"):
        KERNELS.repeat_flags(["a", 1], 0)
    with pytest.raises(TypeError, match="line 0 is not a str"):
        KERNELS.line_keys([None])


@needs_kernels
def test_lower_lines_is_str_lower():
    # every code point alone (a table below U+0100, str.lower for a character above it that changes),
    # then lines mixing the cases str.lower alone gets right: final sigma, "İ" (two characters), "ẞ",
    # the Kelvin sign (lowers into ASCII), titlecase digraphs, astral letters; and the real dumps
    every = [chr(c) for c in range(0x110000)]
    assert KERNELS.lower_lines(every) == [c.lower() for c in every]
    rng = random.Random(5)
    pool = [chr(c) for c in range(0x250)] + ["Σ", "ΑΣ", "İ", "ẞ", "\u212a", "ǅ", "\U00010400", "𝐀", "’", "中", " "]
    lines = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 25))) for _ in range(20_000)]
    lines += [l.strip() for t in _docs() for l in t.split("\n")]
    # (equal str in CPython have the same, narrowest, character width: a wider copy would not be equal)
    assert KERNELS.lower_lines(lines) == [l.lower() for l in lines]
    with pytest.raises(TypeError, match="line 1 is not a str"):
        KERNELS.lower_lines(["a", b"B"])

    class Loud(str):
        def lower(self):
            return "LOUD"

    assert KERNELS.lower_lines([Loud("ab"), "Ab"]) == ["LOUD", "ab"]  # a subclass keeps its own lower()

    lines = []

    class Clears(str):
        def lower(self):
            lines.clear()
            return ""

    lines += [Clears("A"), "B"]
    with pytest.raises(RuntimeError, match="changed size"):  # not a read past the list's end
        KERNELS.lower_lines(lines)


@needs_kernels
def test_first_codes_are_the_numpy_ones():
    rng = np.random.default_rng(4)
    cfg = boilerplate._cfg
    marks = [cfg["body_threshold"], cfg["continue_threshold"], cfg["sandwich_confidence"]]  # scores right at the thresholds
    kinds = set()
    for _ in range(3000):
        n = int(rng.integers(0, 40))
        p = rng.choice(np.concatenate([rng.random(8), marks, [np.nan, 0.0, 1.0]]), n)
        hits = (rng.random(n) < 0.15).astype(float)
        repeats = (rng.random(n) < 0.1).tolist()
        reasons = [rng.choice(["", None, None, None, "phrase:share"]) for _ in range(n)]
        got, want = _both(lambda: boilerplate._first_codes(p, p.tolist(), hits, repeats, reasons))
        assert got.dtype == want.dtype and np.array_equal(got, want), (p, hits, repeats, reasons, got, want)
        kinds |= set(got.tolist())
    assert kinds >= {boilerplate._KEPT, boilerplate._KEPT_FALSY, boilerplate._RULE, boilerplate._REPEAT, boilerplate._MODEL}
    with pytest.raises(ValueError, match="reasons has 1 items"):
        KERNELS.first_codes(np.zeros(2), np.zeros(2), [False, False], [None], 0.5, 0.3, 0.7, 3, np.zeros(2, dtype=np.int8))


@needs_kernels
def test_word_count_is_the_rows_regex():
    """cleaners.rows counts a row's words with the compiled kernel: the same number as its regex
    (``\\w+`` runs joined by one apostrophe, right quote or hyphen) on every code point alone, on
    random texts dense in joiners and word characters of every width, and on the real dumps."""
    from cleaners import rows

    def want(t: str) -> int:
        return len(rows._WORD.findall(t))

    every = [chr(c) for c in range(0x110000)]
    assert [KERNELS.word_count(c) for c in every] == [want(c) for c in every]
    rng = random.Random(11)
    pool = list("ab1_-'’ -–‘\"\n") + ["é", "中", "\U00010400", "𝟏", "\u0307", "²", "ホ", "--", "''"]
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 30))) for _ in range(20_000)] + _docs()
    assert [KERNELS.word_count(t) for t in texts] == [want(t) for t in texts]
    assert KERNELS.word_count("The council's night-bus plan -- two   words?") == 6
    with pytest.raises(TypeError, match="needs a str"):
        KERNELS.word_count(b"bytes")
    try:  # the row's count is the same without the kernels
        linescore.kernels = None
        slow = [rows.word_count(t) for t in texts[:2000]]
    finally:
        linescore.kernels = KERNELS
    assert slow == [rows.word_count(t) for t in texts[:2000]]
