"""The fast fixed-point passes of strip_document_lines give what recomputing every pass from
scratch gives (later passes reuse the first pass's per-line evidence and local features)."""

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from cleaners import boilerplate, linescore
from cleaners.boilerplate import StripResult, line_evidence, strip_document_lines

SHARED_TEXT = Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction" / "text"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def _naive(text: str, known_chrome=None, title=None) -> StripResult:
    """The fixed point with everything recomputed from the kept lines on every pass."""
    text, unwrapped = boilerplate.unwrap_hard_wrapped(text)
    lines = text.split("\n")
    alive = list(range(len(lines)))
    reasons = {}
    found_title = None
    for n_pass in range(boilerplate._cfg["max_passes"]):
        sub = [lines[i] for i in alive]
        idx = [k for k, l in enumerate(sub) if l.strip()]
        ev = line_evidence([sub[k].strip() for k in idx], known_chrome)
        final, probs, t = boilerplate._classify(ev, linescore.local_features(ev), None, title, headline=n_pass == 0 and title is None)
        if n_pass == 0:
            found_title = t
        gone = {idx[j] for j, r in enumerate(final) if r}
        for j, r in enumerate(final):
            if r:
                reasons[alive[idx[j]]] = (r, probs[j] if r == "line-model" else None)
        if not gone:
            break
        alive = [a for k, a in enumerate(alive) if k not in gone]
    kept = [lines[i] for i in alive]
    removed = [boilerplate.Removal(i, lines[i], r, sc) for i, (r, sc) in sorted(reasons.items())]
    out = "\n".join(kept)
    while "\n\n\n" in out:
        out = out.replace("\n\n\n", "\n\n")
    return StripResult(text=out.strip(), title=found_title if title is None else title, removed=removed, unwrapped=unwrapped)


def _texts() -> list[str]:
    texts = [
        "Home\nWorld\n\nBreaking: Minister Resigns After Vote\n\nThe minister said on Monday that talks would go on next week, officials said.\n"
        "Short line.\nThe union said it would strike again if the offer did not change before the end of the month.\n"
        "Share this article\nSubscribe to our newsletter\n\u00a9 2024 All rights reserved",
        "Skip to main content\nA line  with  odd\tspacing that repeats in the document, as chrome does.\n"
        "A line with odd spacing that repeats in the document, as chrome does.\nThe court ruled on Tuesday that the law, passed last year, was void.",
    ]
    import textwrap

    para = ("The council voted on Thursday to extend the program for another two years, and the mayor said "
            "the city would look for new money to pay for it, although several members objected to the plan. ") * 3
    texts.append("Home | News\n\n" + "\n\n".join(textwrap.fill(para, 70) for _ in range(4)) + "\n\nShare this article")
    for d in (SHARED_TEXT, SEEDS):
        if d.exists():
            texts += [p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt"))[:12]]
    return texts


@pytest.mark.parametrize("k", range(len(_texts())))
def test_fast_passes_equal_recomputed_passes(k):
    text = _texts()[k]
    fast, slow = strip_document_lines(text), _naive(text)
    assert (fast.text, fast.title, _verdicts(fast), fast.unwrapped) == (slow.text, slow.title, _verdicts(slow), slow.unwrapped)
    _same_scores(fast, slow)
    known = {" ".join(l.lower().split()): "known" for l in [l for l in text.split("\n") if l.strip()][1::4]}
    fast, slow = strip_document_lines(text, known_chrome=known), _naive(text, known_chrome=known)
    assert (fast.text, _verdicts(fast)) == (slow.text, _verdicts(slow))
    _same_scores(fast, slow)


def _verdicts(r: StripResult) -> list[tuple[int, str, str]]:
    return [(x.line, x.text, x.reason) for x in r.removed]


def _same_scores(a: StripResult, b: StripResult) -> None:
    """The line model's scores of the removed lines: equal but for the last bits (numpy's BLAS may
    add a dot product's terms in another order for a matrix of other rows; seen on one machine's
    OpenBLAS without the compiled kernels, which add them in order)."""
    sa, sb = [x.score for x in a.removed], [x.score for x in b.removed]
    assert [s is None for s in sa] == [s is None for s in sb]
    assert np.allclose([s for s in sa if s is not None], [s for s in sb if s is not None], rtol=0, atol=1e-12)


def test_repeat_flags_match_a_plain_scan():
    keys = ["a long enough line", "short", "a long enough line", "short", "another long line", "a long enough line"]
    repeats, duplicated = boilerplate._repeat_flags(keys)
    m = boilerplate._cfg["min_repeat_chars"]
    counts, seen, want = Counter(keys), set(), []
    for key in keys:
        want.append(len(key) >= m and key in seen)
        seen.add(key)
    assert repeats == want == [False, False, True, False, False, True]
    assert duplicated == [len(key) >= m and counts[key] > 1 for key in keys]


def test_run_shares_match_run_ids():
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 30))
        prose, chars = rng.random(n) < rng.random(), rng.integers(1, 300, n).astype(float)
        for gap in (2, 4):
            run = linescore._runs(prose, chars, gap)
            mass = np.bincount(run, weights=np.where(prose, chars, 0.0))
            mass[0] = 0.0
            share, largest = linescore._run_share(prose, chars, gap)
            if mass.max() <= 0:
                assert not share.any() and not largest.any()
            else:
                assert np.array_equal(share, mass[run] / mass.max())
                assert np.array_equal(largest, (run == mass.argmax()).astype(float))
