"""Comment-thread and teaser-list evidence of cleaners.boilerplate / cleaners.linescore:
the structure features, the comment-section cut and the multilingual related-list headings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cleaners import boilerplate, linescore
from cleaners.boilerplate import strip_document_lines

ARTICLE = [
    "The city council voted on Tuesday to extend the night bus network to three outer districts from next spring.",
    "Council members said the cost would be met from parking revenue, and that fares would not rise this year.",
    "Residents of the outer districts had asked for late services for years, the transport committee chair said.",
]

COMMENTS = [
    "Jane Doe on March 3, 2019 at 4:47 pm said:",
    "I have waited for this for a long time and I really hope it works out well for everyone who commutes late.",
    "Sam on March 4, 2019 at 9:12 am said:",
    "Why does it take until spring when the buses are already there and the drivers say they want the hours?",
]


def features(lines: list[str]) -> dict[str, np.ndarray]:
    xl = linescore.local_features(boilerplate.line_evidence(lines))
    return {name: xl[:, i] for i, name in enumerate(linescore.LOCAL_FEATURES)}


def test_clock_time_and_question_rate():
    f = features(["Sam on March 4, 2019 at 9:12 am said:", "Why now? And why here?", "The vote was 30 to 12 in favour."])
    assert f["has_time"].tolist() == [1.0, 0.0, 0.0]
    assert f["question_rate"][1] > 0 and f["question_rate"][0] == 0 and f["question_rate"][2] == 0


def test_alternation_window_marks_teaser_lists_not_prose():
    teasers = []
    for i in range(4):
        teasers += [f"Another Story Headline Number {i} Here", f"A single sentence that sums up story number {i} for the reader in a few words."]
    f = features(ARTICLE * 3 + teasers)
    alt = f["alternation_window"]
    assert alt[:4].max() == 0.0  # sentences after sentences
    assert alt[-5:].min() > 0.4  # headline, teaser, headline, teaser


def test_meta_window_marks_comment_threads():
    f = features(ARTICLE * 3 + COMMENTS * 2)
    meta = f["meta_window"]
    assert meta[:3].max() == 0.0
    assert meta[-3] > 0.2


def test_structure_features_are_redone_for_the_kept_lines():
    lines = ARTICLE + COMMENTS
    ev = boilerplate.line_evidence(lines)
    xl = linescore.local_features(ev)
    keep = [0, 1, 2]  # the comments gone: no date line left near the article
    sub = boilerplate._sub_evidence(ev, keep)
    again = linescore.reposition(xl[keep], sub)
    meta = linescore.LOCAL_FEATURES.index("meta_window")
    assert xl[2, meta] > 0
    assert np.allclose(again, linescore.local_features(sub))


def keep_all_model() -> dict:
    """A line model that calls every line body: what is removed, rules removed."""
    nl, nc = len(linescore.LOCAL_FEATURES), len(linescore.CONTEXT_FEATURES)
    w1 = [5.0] + [0.0] * (nl - 1)
    return {"confident": 0.8, "w1": w1, "context_stages": [[5.0] + [0.0] * (nl + nc - 1)]}


def test_comment_thread_after_the_article_goes():
    # with a model that keeps every line, only the comment-section cut removes the comments
    text = "\n\n".join(ARTICLE + COMMENTS)
    res = strip_document_lines(text, model=keep_all_model())
    for line in ARTICLE:
        assert line in res.text
    for line in COMMENTS:
        assert line not in res.text
    reasons = {r.text: r.reason for r in res.removed}
    assert reasons[COMMENTS[0]] == "phrase:comments"
    assert {reasons[c] for c in COMMENTS[1:]} == {"after-comment-section", "phrase:comments"}


def test_comment_thread_goes_with_the_shipped_model():
    res = strip_document_lines("\n\n".join(ARTICLE + COMMENTS))
    assert all(line in res.text for line in ARTICLE)
    assert not any(line in res.text for line in COMMENTS)


def test_comment_notice_above_the_article_does_not_cut_it():
    text = "\n\n".join(["Leave a comment"] + ARTICLE)
    res = strip_document_lines(text, model=keep_all_model())
    for line in ARTICLE:
        assert line in res.text


def test_comment_section_start():
    words = [["w"] * 20, ["w"] * 3, ["said"], ["w"] * 20]
    assert linescore.comment_section_start([None, None, "phrase:comments", None], [True] * 4, words, 15) == 2
    # no kept line long enough before the notice: the article has not started
    assert linescore.comment_section_start(["phrase:comments", None, None, None], [True] * 4, words[1:] + [["w"]], 15) == 4
    # a removed long line does not start the article
    assert linescore.comment_section_start([None, None, "phrase:comments", None], [False, True, True, True], words, 15) == 4


@pytest.mark.parametrize(
    "line",
    ["Você pode gostar...", "Vous aimerez aussi", "También te puede interesar", "Das könnte Sie auch interessieren", "Potrebbe interessarti"],
)
def test_related_headings_in_other_languages(line):
    assert boilerplate.line_reason(line) == "phrase:related"


def test_cleaning_cleaned_text_changes_nothing():
    text = "\n\n".join(["Home", "News"] + ARTICLE + COMMENTS)
    once = boilerplate.strip_boilerplate(text)
    assert boilerplate.strip_boilerplate(once) == once


def test_comment_prompt_inside_the_article_does_not_cut_it():
    # a "join the conversation" prompt between paragraphs, followed by more article and no thread
    more = [
        "The first late buses will run on the two busiest routes, with the rest following by the summer.",
        "Drivers' representatives said they had agreed the new rosters with the operator last month.",
    ]
    text = "\n\n".join(ARTICLE + ["Join the conversation"] + more)
    res = strip_document_lines(text, model=keep_all_model())
    for line in ARTICLE + more:
        assert line in res.text
    assert "after-comment-section" not in {r.reason for r in res.removed}


def test_without_a_confident_line_the_best_lines_anchor_the_context():
    """A lone article paragraph under hundreds of navigation lines may score below the
    confidence level in stage one; the context is then measured from the best-scoring line,
    not from nothing (which made every line "before the body" and far from it)."""
    p1 = np.array([0.1, 0.2, 0.7, 0.1, 0.05])
    chars = np.array([10.0, 12.0, 400.0, 8.0, 9.0])
    zeros = np.zeros(5)
    x = linescore.context_features(p1, chars, 0.8, zeros, zeros, np.log1p(chars / 5))
    col = {name: x[:, k] for k, name in enumerate(linescore.CONTEXT_FEATURES)}
    assert col["before_body"].tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert col["after_body"].tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert col["log_dist_body"][2] == 0.0 and col["log_dist_body"][0] == math.log1p(2)
    # with a confident line, only lines at or above the level count
    p1[1] = 0.9
    x = linescore.context_features(p1, chars, 0.8, zeros, zeros, np.log1p(chars / 5))
    assert x[:, linescore.CONTEXT_FEATURES.index("before_body")].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert x[:, linescore.CONTEXT_FEATURES.index("after_body")].tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
