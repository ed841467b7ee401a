"""Repair encoding damage with ftfy: mojibake, HTML entities, control characters.

One deliberate :class:`ftfy.TextFixerConfig` (the decisions are documented on
:data:`FIXER_CONFIG`), applied by :func:`fix_text`, and :func:`fix_text_explained`
which also says which fixes ran, for provenance.

Bounded work: Unicode normalisation sorts each run of combining marks after a letter
by combining class (an insertion sort: 256 KB of marks after one letter took over 90 s).
Runs longer than ``[textfix] max_combining_run`` marks are cut to that length first
(:func:`cap_combining_runs`, named ``limit:combining-marks`` among the fixes), so the stage
is linear in its input. 30 is Unicode's own bound for such runs ("Stream-Safe Text
Format", UAX #15); no written language comes near it.

>>> fix_text("The Globe\u00e2\u20ac\u2122s &amp; co")
'The Globe’s & co'
>>> fix_text("clean text stays clean")
'clean text stays clean'
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

import ftfy

from cleaners.settings import section

_cfg = section("textfix")

#: The ftfy configuration wirewash uses, one comment a decision.
FIXER_CONFIG = ftfy.TextFixerConfig(
    # entities left in text dumps ("&amp;", "&#8217;") are artefacts; our inputs are text, not HTML
    unescape_html=True,
    # ANSI escapes never belong in news
    remove_terminal_escapes=True,
    # the point of the stage: undo UTF-8 read as cp1252/latin-1 (mojibake)
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    # "ﬁ" -> "fi": ligatures split words for search and dedup
    fix_latin_ligatures=True,
    # fullwidth Latin letters/digits -> ASCII width (CJK text itself is untouched)
    fix_character_width=True,
    # keep typographic quotes: they are correct text, and dedup folds punctuation anyway
    # (datatrove's ftfy formatter makes the same call)
    uncurl_quotes=_cfg["uncurl_quotes"],
    # "\r\n", "\u2028" -> "\n" so line-based boilerplate rules see real lines
    fix_line_breaks=True,
    fix_surrogates=True,
    # strip C0/C1 controls except newline and tab
    remove_control_chars=True,
    # NFC composes accents without NFKC's lossy compatibility folding ("²" stays "²")
    normalization=_cfg["normalization"],
    max_decode_length=1_000_000,
    explain=True,
)


#: ftfy runs again on its own output until nothing changes, at most this many times: one
#: repair can expose another (a line fixed in the first round reads as mojibake in the next),
#: and a cleaning stage must be idempotent (cleaning cleaned text changes nothing).
MAX_ROUNDS = 3


def fix_text(text: str) -> str:
    """Return ``text`` with encoding, entity and control-character damage repaired."""
    return fix_text_explained(text)[0]


def fix_text_explained(text: str) -> tuple[str, list[str]]:
    """Like :func:`fix_text`, also returning the names of the fixes that changed the text.

    >>> fix_text_explained("caf\u00c3\u00a9")
    ('café', ['encode:latin-1', 'decode:utf-8'])
    >>> fixed, steps = fix_text_explained("q" + "\u0301" * 200 + "!")
    >>> len(fixed), steps
    (32, ['limit:combining-marks'])
    """
    steps: list[str] = []
    for _ in range(MAX_ROUNDS):
        capped, dropped = cap_combining_runs(text)
        if dropped and "limit:combining-marks" not in steps:
            steps.append("limit:combining-marks")
        fixed, explanation = ftfy.fix_and_explain(capped, config=FIXER_CONFIG)
        if fixed == text:
            break
        steps.extend(f"{kind}:{name}" for kind, name in (explanation or []))
        text = fixed
    return text, steps


def cap_combining_runs(text: str, max_run: int | None = None) -> tuple[str, int]:
    """``text`` with every run of combining marks (non-zero canonical combining class) cut to
    ``max_run`` marks (``[textfix] max_combining_run``), and how many marks were dropped.

    >>> cap_combining_runs("e\u0301\u0301\u0301x", max_run=2)
    ('e\u0301\u0301x', 1)
    >>> cap_combining_runs("Tiếng Việt")
    ('Tiếng Việt', 0)
    """
    limit = _cfg["max_combining_run"] if max_run is None else max_run
    if _maybe_run(limit).search(text) is None:  # the common case: one scan, no table of marks built
        return text, 0
    rx = _combining_run(limit)
    if rx.search(text) is None:
        return text, 0
    dropped = 0

    def cut(m: re.Match[str]) -> str:
        nonlocal dropped
        dropped += len(m.group()) - limit
        return m.group()[:limit]

    return rx.sub(cut, text), dropped


@functools.cache
def _maybe_run(limit: int) -> re.Pattern[str]:
    """Runs of more than ``limit`` characters at or above U+0300 (every combining mark is): what
    a run of marks needs, checked before the table of marks is built (it takes ~0.1 s)."""
    return re.compile(f"[^\\x00-\\u02ff]{{{limit + 1},}}")


@functools.cache
def _combining_run(limit: int) -> re.Pattern[str]:
    """A pattern for runs of more than ``limit`` combining marks (the running Python's Unicode data)."""
    ranges, start = [], None
    for cp in range(sys.maxunicode + 2):
        mark = cp <= sys.maxunicode and unicodedata.combining(chr(cp)) != 0
        if mark and start is None:
            start = cp
        elif not mark and start is not None:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(cp - 1))}")
            start = None
    return re.compile(f"[{''.join(ranges)}]{{{limit + 1},}}")
