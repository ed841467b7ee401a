"""Repair encoding damage with ftfy: mojibake, HTML entities, control characters.

One deliberate :class:`ftfy.TextFixerConfig` (the decisions are documented on
:data:`FIXER_CONFIG`), applied by :func:`fix_text`, and :func:`fix_text_explained`
which also says which fixes ran, for provenance.

>>> fix_text("The Globe\u00e2\u20ac\u2122s &amp; co")
'The Globe’s & co'
>>> fix_text("clean text stays clean")
'clean text stays clean'
"""

from __future__ import annotations

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
    """
    steps: list[str] = []
    for _ in range(MAX_ROUNDS):
        fixed, explanation = ftfy.fix_and_explain(text, config=FIXER_CONFIG)
        if fixed == text:
            break
        steps.extend(f"{kind}:{name}" for kind, name in (explanation or []))
        text = fixed
    return text, steps
