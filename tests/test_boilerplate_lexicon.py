"""The lexical feature of the line model: the fitted lexicon and its column."""

from __future__ import annotations

import numpy as np

from cleaners import boilerplate, linescore

LEX = linescore.LOCAL_FEATURES.index("lexical")
WINDOW = linescore.LOCAL_FEATURES.index("lexical_window")


def test_shipped_lexicon_is_generic_and_signed_as_chrome_and_body():
    lex, power = linescore.lexicon()
    assert 0 < power <= 1
    assert lex, "the shipped model has a lexicon"
    # words of the web's chrome weigh below zero, the reporting verb of news prose above it
    assert lex["cookies"] < 0 and lex["subscribe"] < 0
    assert lex["said"] > 0
    # no numbers (dates, counts, years) and no one-letter-rare oddities beyond \w tokens
    assert not any(w.isdigit() for w in lex)
    assert all(w == w.lower() for w in lex)


def test_lexical_column_reads_the_model_lexicon():
    lines = ["We use cookies to improve your experience", "The minister said the talks would go on."]
    ev = boilerplate.line_evidence(lines)
    model = {**linescore._default_model(), "lexicon": {"cookies": -3.0, "said": 2.0}, "lexicon_power": 1.0}
    x = linescore.local_features(ev, model)
    assert np.allclose(x[:, LEX], [-3.0 / 7, 2.0 / 8])
    assert np.allclose(x[:, WINDOW], linescore._window_mean(x[:, LEX], 3))
    # without a lexicon the column is zero, and the other columns are untouched
    bare = linescore.local_features(ev, {**model, "lexicon": {}})
    assert not bare[:, LEX].any()
    others = [k for k in range(x.shape[1]) if k not in (LEX, WINDOW)]
    assert np.array_equal(bare[:, others], x[:, others])


def test_strip_document_lines_scores_with_the_given_models_lexicon():
    body = [
        "The committee met on Tuesday and agreed on the budget for next year after a long debate.",
        "Its chairman said the plan would cut waiting times in hospitals by a third within two years.",
        "Opposition members said they would vote against it, arguing that the sums did not add up.",
        "The budget now goes to the full council, which is expected to approve it next month.",
    ]
    lines = [*body, "Alpha beta gamma delta epsilon zeta"]
    text = "\n\n".join(lines)
    base = {k: v for k, v in linescore._default_model().items() if not k.startswith("_")}
    # a lexicon that damns the first line's words, with the stage-one weight to act on it
    # (the window mean's weights at zero, so that only the line's own score acts)
    w1 = list(base["w1"])
    w1[LEX], w1[WINDOW] = 5.0, 0.0
    stages = [[0.0 if k == WINDOW else v for k, v in enumerate(w)] for w in base["context_stages"]]
    base = {**base, "context_stages": stages}
    damning = {**base, "w1": w1, "lexicon": {w: -3.0 for w in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")}}
    res = boilerplate.strip_document_lines(text, model=damning)
    assert lines[-1] not in res.text
    assert all(b in res.text for b in body)
    assert [r.reason for r in res.removed if r.text == lines[-1]] == ["line-model"]
    # the shipped lexicon does not know these words: the line stays
    assert lines[-1] in boilerplate.strip_document_lines(text, model={**base, "w1": w1}).text


def test_short_article_keeps_its_one_paragraph_before_a_long_comment_thread():
    # the comment section is cut before the main block is chosen: a thread of long prose
    # comments after a one-paragraph post must not become the "main block" instead of it
    article = (
        "Our goal with these monthly open threads is to give readers a chance to raise questions "
        "about our research and the charities we recommend, in public."
    )
    thread = []
    for i in range(12):
        thread += [
            f"Reader{i} Smith on March {i + 11}, 2019 at {i % 12 + 1}:15 pm said:",
            f"This is comment number {i}, and it makes a long and thoughtful point about the research that the team published earlier this year.",
            f"I would also add that the evidence from the second study, done in {2000 + i}, points in a rather different direction than the summary.",
        ]
    nav = ["Posted in Open thread | Permalink | 12 Comments", "Previous Post", "Next Post", "Comments"]
    text = "\n\n".join(["Home", "About", "Blog", "March 2019 open thread", "March 10, 2019 | by Anna", article, *nav, *thread])
    out = boilerplate.strip_document_lines(text).text
    assert article in out
    assert not any(line in out for line in thread)


def test_one_lookup_per_token_gives_the_stop_counts_and_lexical_scores_exactly(seeds):
    # local_features reads stop words and lexicon weights through one table of complex codes;
    # each sum must be exactly what summing it alone gives
    lex, power = linescore.lexicon()
    stops = linescore.stopwords()
    for text in seeds.values():
        lines = [l.strip() for l in text.split("\n") if l.strip()]
        ev = boilerplate.line_evidence(lines)
        x = linescore.local_features(ev)
        assert np.array_equal(x[:, LEX], linescore.lexical_scores(ev.tokens, lex, power))
        cjk = np.array([sum(0x3040 <= ord(c) < 0x3100 or 0x3400 <= ord(c) < 0xA000 for c in l) for l in lines])
        nw = np.maximum(np.array([len(t) for t in ev.tokens]) + cjk // 2, 1.0)
        want = np.array([sum(w in stops for w in t) for t in ev.tokens]) / nw
        assert np.array_equal(x[:, linescore.LOCAL_FEATURES.index("stop_share")], want)


def test_a_copied_model_with_other_weights_is_scored_with_its_own_weights():
    # the shipped model caches its weights as arrays; a copy with other weights carries that
    # cache along and must not be scored with the original's weights
    ev = boilerplate.line_evidence(["Home", "The minister said on Monday that the talks would go on next week."])
    shipped = linescore._default_model()
    before = linescore.body_probabilities(ev, shipped)
    last = shipped["context_stages"][-1]
    always = {**shipped, "context_stages": [*shipped["context_stages"][:-1], [5.0] + [0.0] * (len(last) - 1)]}  # bias only
    after = linescore.body_probabilities(ev, always)
    assert [round(p) for p in before] == [0, 1]
    assert after == [1 / (1 + np.exp(-5.0))] * 2
    assert linescore.body_probabilities(ev, shipped) == before  # the original's cache is still its own
