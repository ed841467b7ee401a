"""The main-block decision of strip_document_lines: the article is the best-scoring span of
lines, plus a second span beside it when that one holds enough evidence of its own (an
article split in two by a box of links), but not a lone stray paragraph far from it."""

import pytest

from cleaners import boilerplate
from cleaners.boilerplate import _main_blocks, strip_boilerplate, strip_document_lines

PART1 = [
    "The city council voted on Tuesday to expand the bus network, adding three routes that will link the northern suburbs to the hospital.",
    "Officials said the plan would cost about four million dollars a year and would be paid for by a small rise in parking fees downtown.",
    "Residents who spoke at the meeting were mostly in favour, although several shop owners said higher fees could keep customers away.",
    "The mayor said the council had listened to those concerns and would review the fees after a year, once ridership figures are known.",
    "Buses on the new routes will run every fifteen minutes during the day and every half hour in the evening, the transit agency said.",
    "The agency expects the first of the routes to open in the spring, with the other two following before the end of the summer.",
]
PART2 = [
    "Drivers for the new routes will be hired over the winter, and the agency said it had already received more than two hundred applications.",
    "A spokesperson for the drivers' union said it welcomed the new jobs but wanted assurances about shift lengths and rest breaks.",
    "The council will hold a second public meeting next month to discuss where the new stops should be placed along each of the routes.",
    "Those who cannot attend can send their comments by post or leave them at the library, where maps of the proposed routes are on display.",
]
NAV = ["Weather", "Sports", "Local", "Opinion", "Obituaries", "Business", "Events", "Contact", "Photos",
       "Video", "Traffic", "Schools", "Crime", "Health", "Food", "Arts", "Travel", "Cars"]


def _page(second: list[str]) -> str:
    return "\n\n".join(["Skip to main content", *NAV[:6], *PART1, *NAV, *second, "Copyright 2020 The Daily Example. All rights reserved."])


def test_main_blocks_second_span_needs_its_share():
    assert _main_blocks([3, -9, 2, -1], 0.5) == [(0, 0), (2, 2)]
    assert _main_blocks([3, -9, 1, -1], 0.5) == [(0, 0)]
    assert _main_blocks([-1, 2, -9, 3], 0.5) == [(3, 3), (1, 1)]  # the second span may lie before
    assert _main_blocks([-1, -2], 0.5) == [(0, 0)]  # no positive evidence: no second span
    assert _main_blocks([], 0.5) == []


def test_article_split_by_a_long_link_box_keeps_both_parts():
    out = strip_boilerplate(_page(PART2))
    assert all(p in out for p in PART1 + PART2)
    assert not any(f"\n{w}\n" in f"\n{out}\n" for w in NAV)


def test_both_parts_removal_reasons_and_idempotent():
    res = strip_document_lines(_page(PART2))
    assert not any(r.reason == "outside-main-block" and r.text in PART2 for r in res.removed)
    assert strip_boilerplate(res.text) == res.text


def test_one_stray_paragraph_after_a_long_link_box_is_not_a_second_part():
    out = strip_boilerplate(_page(PART2[:1]))
    assert all(p in out for p in PART1)
    assert PART2[0] not in out


def test_without_the_second_span_the_split_article_loses_its_second_part(monkeypatch):
    # the rule is what keeps it: with the share out of reach only the larger part stays
    monkeypatch.setitem(boilerplate._cfg, "block_second_share", float("inf"))
    out = strip_boilerplate(_page(PART2))
    assert all(p in out for p in PART1)
    assert not any(p in out for p in PART2)


SHARED_TEXT = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction" / "text"


def _pages(limit: int = 40) -> list[list[str]]:
    if not SHARED_TEXT.exists():
        pytest.skip("no shared benchmark text")
    return [[l.strip() for l in p.read_text(encoding="utf-8").split("\n") if l.strip()] for p in sorted(SHARED_TEXT.glob("*.txt"))[:limit]]


def test_continue_threshold_keeps_only_runs_that_follow_a_kept_line(monkeypatch):
    from cleaners import linescore
    from cleaners.boilerplate import line_evidence

    low = boilerplate._cfg["continue_threshold"]
    assert 0 < low < boilerplate._cfg["body_threshold"]
    monkeypatch.setitem(boilerplate._cfg, "block_offset", -1.0)  # the whole page is the main block
    rescued = 0
    for lines in _pages():
        ev = line_evidence(lines)
        xl = linescore.local_features(ev)
        with monkeypatch.context() as m:
            m.setitem(boilerplate._cfg, "continue_threshold", 2.0)  # off
            off, probs, _ = boilerplate._classify(ev, xl.copy(), None, None, False)
        on, probs_on, _ = boilerplate._classify(ev, xl.copy(), None, None, False)
        assert probs_on == probs
        for k, (a, b) in enumerate(zip(off, on)):
            if a != b:
                # only model rejections of a high enough probability, right after a kept line, are rescued
                assert (a, b) == ("line-model", None) and probs[k] >= low and k > 0 and on[k - 1] is None
                rescued += 1
            elif a == "line-model" and k > 0 and on[k - 1] is None:
                assert probs[k] < low  # a rejection after a kept line stands only below the threshold
    assert rescued > 0
