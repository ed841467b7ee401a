"""Strip page chrome from text that was dumped from HTML line by line.

:func:`strip_boilerplate` takes one plain-text document and returns the body;
:func:`strip_document_lines` also returns the detected headline and every
removed line with the rule (or model score) that removed it (provenance);
:func:`strip_corpus` adds corpus evidence: lines that recur across many
documents of one site, or of the whole corpus, are chrome (as in CCNet).

Evidence, in the order it is applied:

* rules on a line alone (:func:`line_reason`): ``{{template}}`` placeholders,
  icon-sprite runs, photo credits, date-only lines, e-mail contacts and the
  chrome phrases of ``data/chrome_phrases.txt`` (when they make up at least
  half of the line's sentences);
* exact repeats inside the document (only the first copy of a line is kept);
* a two-stage line model (:mod:`cleaners.linescore`): length, stop-word share,
  sentence shape, capitalisation, separators and position, then the scores of
  the neighbouring lines, which is what keeps a short line between two body
  lines and drops leading navigation and trailing footer blocks;
* the decision: a probability threshold, with hysteresis (a line right after a kept
  line needs only ``continue_threshold``) and a short-line sandwich rule, then the main
  block: the best-sum span of (probability - ``block_offset``), plus a second span
  beside it when it holds at least ``block_second_share`` of that sum;
* the comment section: a comment-section line (``comments`` phrases, such as a
  comment's "... at 4:47 pm said:" header) after a kept line of some length ends
  the article, and what follows it goes;
* after the passes, the rescue (:func:`rescue_body`), so that the article is never lost: a list or
  table between body paragraphs comes back, and a page whose kept text holds little
  prose while a long prose block was dropped (the main block went to navigation, a
  form, a consent or legal text) falls back to that block, checked in the document's
  language (:func:`stopword_language`: the language whose frequent words cover most of it);
* the headline: a headline-shaped line just above the first body line becomes
  the title, and any copy of it is removed from the body, and so are the
  headline-shaped body lines right under it (a deck, a second headline), but
  never the last body line: left in, the first of them would be the headline of
  the cleaned text cleaned again.

>>> strip_boilerplate("Skip to main content\\n\\nThe minister said on Monday that talks would go on next week in Tokyo, officials said.")
'The minister said on Monday that talks would go on next week in Tokyo, officials said.'
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
import string
import tomllib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from cleaners import linescore
from cleaners.settings import data_lines, read_data_text, section

_cfg = section("boilerplate")


@dataclass(frozen=True)
class Removal:
    line: int  # 0-based line number in the input text
    text: str
    reason: str
    score: float | None = None  # the line model's body probability, when the model decided

    def to_record(self) -> dict:
        rec = {"line": self.line, "text": self.text, "reason": self.reason}
        if self.score is not None:
            rec["score"] = round(self.score, 3)
        return rec


@dataclass
class StripResult:
    text: str
    title: str | None = None
    removed: list[Removal] = field(default_factory=list)
    #: the input was hard-wrapped (paragraphs broken at a fixed width) and was unwrapped to one
    #: paragraph a line first; removal line numbers then count those paragraph lines
    unwrapped: bool = False
    #: with ``scores=True``: per line of the (unwrapped) text, the line model's body probability in the
    #: first pass (None for a blank line), and whether the line was kept
    scores: list[float | None] | None = None
    kept: list[bool] | None = None


# ------------------------------------------------------------------ rules ---


@dataclass(frozen=True)
class _PhraseTables:
    inner: list[tuple[str, re.Pattern[str]]]  # (family, regex) found inside a line; patterns starting with a letter
    by_word: dict[str, tuple[int, ...]]  # literal word -> the inner patterns that contain it
    words: frozenset[str]  # the keys of by_word
    symbol: list[tuple[str, re.Pattern[str]]]  # patterns starting with a symbol such as ©
    symbol_first: str  # characters a symbol-led match can start with
    whole: list[tuple[str, re.Pattern[str]]]  # patterns that must be the whole line
    whole_any: re.Pattern[str]
    whole_first: frozenset[str]  # words a line matching a word-led whole-line pattern starts with
    whole_other: re.Pattern[str]  # the whole-line patterns that do not start with a plain word
    #: per whole-line pattern that does not start with a plain word, strings a line must hold for a match
    whole_other_needs: tuple[tuple[tuple[str, ...], ...], ...] = ()
    #: per inner pattern, strings a line must hold for a match (see :func:`_prefilter`)
    inner_needs: tuple[tuple[tuple[str, ...], ...], ...] = ()
    symbol_needs: tuple[tuple[tuple[str, ...], ...], ...] = ()  # the same for the symbol-led patterns


_LITERAL_WORD = re.compile(r"[^\W\d_]{3,}")


def _literal_words(pat: str) -> set[str]:
    """Words of 3+ letters a match of ``pat`` may contain, with and without optional letters."""
    bare = re.sub(r"\\[a-zA-Z]", " ", pat)  # \d, \w, \s ... are not literal
    bare = re.sub(r"\[[^\]]*\]", " ", bare)  # nor are character classes
    with_opt = re.sub(r"[?*+]|\{\d*,?\d*\}", "", bare)
    without_opt = re.sub(r"[^\W_]\?", "", bare)
    return set(_LITERAL_WORD.findall(with_opt)) | set(_LITERAL_WORD.findall(without_opt))


_LEAD_WORD = re.compile(r"[^\W\d_]+")


def _ends_word(rest: str) -> bool:
    """Does a literal word followed by ``rest`` always end there as a \\w+ token?"""
    return rest == "" or (rest[0] == " " and rest[1:2] != "?")


def _leading_words(pat: str) -> set[str] | None:
    """The words a match of ``pat`` can start with, or ``None`` when that is not plain to see.

    >>> sorted(_leading_words("(?:story|article) continues"))
    ['article', 'story']
    >>> sorted(_leading_words("comments? (?:are|is) closed"))
    ['comment', 'comments']
    >>> _leading_words("log ?in to comment") is None
    True
    """
    if pat.startswith("(?:"):
        depth, end, cuts = 0, -1, []
        i = 0
        while i < len(pat):
            ch = pat[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    end = i
                    break
            elif ch == "|" and depth == 1:
                cuts.append(i)
            i += 1
        if end < 0 or not _ends_word(pat[end + 1 :]) and pat[end + 1 : end + 2] != " ":
            return None
        if pat[end + 1 : end + 2] in ("?", "*", "{"):
            return None
        bounds = [3] + [c + 1 for c in cuts] + [end + 1]
        out: set[str] = set()
        for a, b in zip(bounds, bounds[1:]):
            branch = pat[a : b - 1]
            # a branch that ends the group continues with what follows the group
            words = _leading_words(branch + pat[end + 1 :]) if _LEAD_WORD.fullmatch(branch) else _leading_words(branch)
            if words is None:
                return None
            out |= words
        return out
    m = _LEAD_WORD.match(pat)
    if not m:
        return None
    word, rest = m.group(), pat[m.end() :]
    if _ends_word(rest):
        return {word}
    if rest[:1] == "?" and _ends_word(rest[1:]):
        return {word, word[:-1]}
    return None


def _word_end(pat: str) -> str:
    """A pattern ending in a word must end at a word boundary; one ending in ":" or ";" need not."""
    return r"(?!\w)" if pat[-1:].isalnum() or pat[-1:] in ")?" else ""


def _first_chars(pat: str) -> set[str]:
    """Characters a match of a symbol-led pattern can start with (``(?:©|\\(c\\))`` -> © and ().

    >>> sorted(_first_chars(r"(?:©|\\(c\\)) ?(?:\\d{4}|[a-z])"))
    ['(', '©']
    """
    if not pat.startswith("(?:"):
        if pat[0] == "\\" and pat[1:2].isalpha():
            raise ValueError(f"chrome phrase starts with a character class, not a symbol: {pat!r}")
        return {pat[1] if pat[0] == "\\" else pat[0]}
    out, depth, i, start = set(), 0, 0, True
    while i < len(pat):
        ch = pat[i]
        if start and depth == 1 and not pat.startswith("(?:", i):
            out.add(pat[i + 1] if ch == "\\" else ch)
            start = False
        if ch == "\\":
            i += 2
            continue
        if pat.startswith("(?:", i):
            depth += 1
            i += 3
            start = depth == 1
            continue
        if ch == ")":
            depth -= 1
            if depth == 0:
                break
        elif ch == "|" and depth == 1:
            start = True
        i += 1
    return out


def _needed_substrings(items) -> list[frozenset[str]]:  # items: a parsed regex sequence (re._parser)
    """Clauses that every match of the parsed sequence ``items`` satisfies: each clause is a set
    of strings of which the match contains at least one (a run of plain characters is a clause
    of one string; a group of alternatives that all hold a run is a clause of those runs; a class
    that lists its characters is a clause of them)."""
    from re import _constants as c

    clauses: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            clauses.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        if op is c.SUBPATTERN and not av[1] and not av[2]:  # a group that sets no flags
            clauses += _needed_substrings(av[3])
        elif op is c.BRANCH:
            best = []
            for alt in av[1]:
                singles = [next(iter(cl)) for cl in _needed_substrings(alt) if len(cl) == 1]
                if not singles:
                    break
                best.append(max(singles, key=len))
            else:
                clauses.append(frozenset(best))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:  # repeated at least once
            clauses += _needed_substrings(av[2])
        elif op is c.IN and av and all(o is c.LITERAL for o, _ in av):  # a class of listed characters: one of them
            clauses.append(frozenset(chr(v) for _, v in av))
        # anything else (classes, optional parts, assertions, ...) needs nothing for sure
    flush()
    return clauses


def _prefilter(rx: re.Pattern[str], min_len: int = 2) -> tuple[tuple[str, ...], ...]:
    """At most two clauses of :func:`_needed_substrings` for ``rx`` whose strings have at least
    ``min_len`` characters (the most selective: longest shortest string); a line failing one
    cannot hold a match, so the scan is skipped (no clauses when the pattern cannot be
    analysed or sets flags)."""
    try:
        from re import _parser

        parsed = _parser.parse(rx.pattern, rx.flags)
        if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
            return ()
        clauses = _needed_substrings(parsed.data)
    except Exception:  # a Python without re._parser, or a construct it cannot take
        return ()
    # short strings are in nearly every line, but a clause of symbols (a class such as [|›»>]) is selective
    clauses = [cl for cl in clauses if min(map(len, cl)) >= min_len or all(len(x) == 1 and not (x.isalnum() or x.isspace() or x == "_") for x in cl)]
    clauses.sort(key=lambda cl: (-min(map(len, cl)), len(cl), sorted(cl)))
    return tuple(tuple(sorted(cl)) for cl in clauses[:2])


_GROUP = re.compile(r"\((?:[^()\\]|\\.)*\)[?*+]?(?:\{\d*,?\d*\})?")
_NON_LITERAL = re.compile(r"\[[^\]]*\][?*+]?(?:\{[^}]*\})?|\\.[?*+]?(?:\{[^}]*\})?|\.[?*+]?(?:\{[^}]*\})?")


def _required_words(pat: str) -> list[set[str]]:
    """Words every match of ``pat`` contains as whole tokens (each as its spelling variants).

    >>> _required_words("(?:story|article) continues (?:below|after)")
    [{'continues'}]
    >>> sorted(map(sorted, _required_words("free articles? (?:left|remaining)")))
    [['article', 'articles'], ['free']]
    >>> _required_words("comment(?:ing)? (?:community|section)")
    []
    """
    s = pat
    while True:  # drop groups, innermost first, leaving a marker that glues to neighbours
        t = _GROUP.sub("\x00", s)
        if t == s:
            break
        s = t
    s = _NON_LITERAL.sub("\x00", s)
    if "|" in s:
        return []
    out: list[set[str]] = []
    for m in re.finditer(r"[^\W\d_]+\??", s):
        word, (a, b) = m.group(), m.span()
        before = s[a - 1] if a > 0 else " "
        after = s[b] if b < len(s) else " "
        if before != " " or after != " " or s[b + 1 : b + 2] == "?":
            continue  # glued to a group, a symbol or an optional space: not a whole token for sure
        out.append({word[:-1], word[:-2]} if word.endswith("?") else {word})
    return out


@functools.cache
def _phrase_tables() -> _PhraseTables:
    """The chrome phrases of ``data/chrome_phrases.txt``, compiled for lower-cased lines.

    A line is searched only for the patterns whose literal words it contains, so
    a long paragraph costs a set intersection, not sixty regex scans.
    """
    inner: list[tuple[str, re.Pattern[str]]] = []
    symbol: list[tuple[str, re.Pattern[str]]] = []
    whole: list[tuple[str, re.Pattern[str]]] = []
    whole_first: set[str] = set()
    whole_other: list[re.Pattern[str]] = []
    by_word: dict[str, list[int]] = defaultdict(list)
    symbol_first: set[str] = set()
    for _n, raw in data_lines(read_data_text("chrome_phrases.txt")):
        family, _, pat = raw.partition("\t")
        family, pat = family.strip(), pat.strip()
        if pat.startswith("^"):
            whole.append((family, re.compile(r"^[\W_]*(?:" + pat[1:] + r")[\W_]*$")))
            lead = _leading_words(pat[1:])
            if lead is None:
                whole_other.append(whole[-1][1])
            else:
                whole_first.update(lead)
        elif pat[:1].isalpha() or pat.startswith("(?:") and pat[3:4].isalpha() or pat.startswith("\\d"):
            # a line is searched for a pattern only if it has a word the pattern starts with
            # (or, when that is not plain, any of the pattern's literal words)
            # the rarest word every match must contain, else the words a match can start with
            required = [w for w in _required_words(pat) if not w & linescore.stopwords()]
            words = max(required, key=lambda w: max(map(len, w))) if required else (_leading_words(pat) or _literal_words(pat))
            for w in words:
                by_word[w].append(len(inner))
            # no leading \b: it defeats the regex engine's literal-prefix scan (3x slower);
            # the word boundary before a match is checked in _phrase_hits instead
            # a pattern ending in a word must end at a word boundary (ones ending in ":" need not)
            inner.append((family, re.compile(r"(?:" + pat + r")" + _word_end(pat))))
        else:
            symbol.append((family, re.compile(r"(?:" + pat + r")" + _word_end(pat))))
            symbol_first |= _first_chars(pat)
    return _PhraseTables(
        inner=inner,
        by_word={w: tuple(v) for w, v in by_word.items()},
        words=frozenset(by_word),
        symbol=symbol,
        symbol_first="".join(sorted(symbol_first)),
        whole=whole,
        whole_any=re.compile("|".join(f"(?:{rx.pattern})" for _, rx in whole) or r"(?!)"),
        whole_first=frozenset(whole_first),
        whole_other=re.compile("|".join(f"(?:{rx.pattern})" for rx in whole_other) or r"(?!)"),
        whole_other_needs=tuple(_prefilter(rx) for rx in whole_other),
        inner_needs=tuple(_prefilter(rx) for _, rx in inner),
        symbol_needs=tuple(_prefilter(rx, 1) for _, rx in symbol),
    )


def _holds_needs(low: str, needs) -> bool:
    """Does ``low`` hold, for every clause of ``needs`` (see :func:`_prefilter`), one of its strings?"""
    for clause in needs:
        for x in clause:
            if x in low:
                break
        else:
            return False
    return True


def _phrase_hits(low: str, tokens: list[str], tables: _PhraseTables, symbols: bool = True) -> list[str]:
    """Families of the chrome phrases in one lower-cased line, one entry per match
    (``symbols=False``: the caller knows no symbol-led pattern can match)."""
    hit_words = tables.words.intersection(tokens)
    by_word = tables.by_word
    if len(hit_words) == 1:
        cands: Sequence[int] = by_word[next(iter(hit_words))]  # already in pattern order
    else:
        cands = sorted({j for w in hit_words for j in by_word[w]})
    needs = tables.inner_needs
    # strings every match holds: without them, no scan; each symbol-led pattern that can match
    # (a line no pattern matches is not scanned: the same as scanning every pattern only when one
    # of them matches)
    inner = [j for j in cands if _holds_needs(low, needs[j])]
    symbol = [j for j, need in enumerate(tables.symbol_needs) if _holds_needs(low, need)] if symbols else ()
    return _phrase_families(low, inner, symbol, tables)


def _phrase_families(low: str, inner: Sequence[int], symbol: Sequence[int], tables: _PhraseTables) -> list[str]:
    """Families of the matches of the inner patterns ``inner`` and the symbol-led patterns ``symbol``
    (numbers, ascending) in ``low``, one entry per match start, in the order of the line."""
    starts: dict[int, str] = {}
    for j in inner:
        fam, rx = tables.inner[j]
        for m in rx.finditer(low):
            st = m.start()
            if st == 0 or not (low[st - 1].isalnum() or low[st - 1] == "_"):
                starts.setdefault(st, fam)
    for j in symbol:
        fam, rx = tables.symbol[j]
        for m in rx.finditer(low):
            starts.setdefault(m.start(), fam)
    if len(starts) < 2:
        return list(starts.values())
    return [starts[k] for k in sorted(starts)]


_TEMPLATE = re.compile(r"\{\{[^{}\n]{0,200}\}\}")
# an icon sprite's words (SVG titles and class names dumped as text: "Facebook IconIcon Twitter",
# "Created with Sketch. Artboard", "chevron-down"): "Icon" as a word of its own or glued to the next
# capitalised one, never the start of a longer word ("icons", "iconographic"), nor "narrow"
_ICON_TOKEN = re.compile(r"[Ii][Cc][Oo][Nn](?![a-z])|(?i:created with sketch|artboard|layer \d)|(?<![A-Za-z])(?i:chevron|arrow)(?![a-z])")
# ... and they are a large share of the line's words: "Chevron said ... Chevron shares ... gives
# Chevron ..." and a paragraph on Byzantine icons are prose
_ICON_MIN_SHARE = 0.2
_WORD = re.compile(r"\w+", re.UNICODE)
_SENT_SPLIT = re.compile(r"(?<=[.!?…])\s+")
_CREDIT = re.compile(r"^(?:(?:photo|image|picture|credit)s?\s*:\s*)?[A-Z][A-Z .'’-]{2,60}\s*/\s*[\w .'’-]{2,40}$")
# the local part starts where the run of local-part characters starts (the look-behind): a long
# run without "@" is then tried once, not from each of its characters (64 steps apiece)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{2,63}")
_BULLET = re.compile(r"^\s*[•·▪◦\-–*]\s*")
# the words of a date-only line ("Published 12:45 pm ET", "Mon, March 3, 2024"): day and month
# names (by their first letters), time zones and such words, one-character marks, and numbers shaped
# as a day, a year, a clock time or a date (the lists are data/date_words.toml); the compiled rule
# screen reads the same lists (their ASCII words: a line with a word outside ASCII is left to Python)
def _date_lists(data: Mapping, name: str = "date_words.toml") -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], str]:
    """(days, months, zones, words, marks) from the data file's tables, words lower-cased. A word
    with a character that matches an ASCII letter when case is ignored ("ſ", the Kelvin sign) is
    refused: the compiled screen, which reads ASCII words as they are, could not tell."""
    lists = tuple(tuple(str(w).lower() for w in data[k]) for k in ("days", "months", "zones", "words"))
    for w in itertools.chain.from_iterable(lists):
        for c in w:
            if not c.isascii() and any(re.fullmatch(re.escape(c), a, re.I) for a in string.ascii_lowercase):
                raise ValueError(f"{name}: the date word {w!r} has {c!r}, which matches an ASCII letter when case is ignored")
    return (*lists, str(data["marks"]))  # type: ignore[return-value]


def _alternatives(words: Sequence[str]) -> str:
    return "|".join(map(re.escape, words))


def _date_token_pattern(days: Sequence[str], months: Sequence[str], zones: Sequence[str], words: Sequence[str], marks: str) -> re.Pattern[str]:
    return re.compile(
        rf"^(?:{_alternatives(days)})[a-z]*\.?,?$|^(?:{_alternatives(months)})[a-z]*\.?,?$"
        r"|^\d{1,4}(?:st|nd|rd|th)?,?$|^\d{1,2}[:.]\d{2}(?:am|pm)?,?$|^\d{1,4}[./-]\d{1,2}[./-]\d{1,4},?$"
        rf"|^(?:{_alternatives(zones)})$|^(?:{_alternatives(words)})$|^[{re.escape(marks)}]$",
        re.I,
    )


_DATE_DAYS, _DATE_MONTHS, _DATE_ZONES, _DATE_WORDS, _DATE_MARKS = _date_lists(tomllib.loads(read_data_text("date_words.toml")))
_DATE_TOKEN = _date_token_pattern(_DATE_DAYS, _DATE_MONTHS, _DATE_ZONES, _DATE_WORDS, _DATE_MARKS)


_DIGIT = re.compile(r"\d")


@functools.lru_cache(maxsize=1 << 16)
def _date_token(w: str) -> bool:
    """Is ``w`` (less a trailing ":"; a ":" alone is kept whole) a date token. Remembered: the same
    words ("updated", "2024", "pm", "the") start line after line, and the pattern is a long alternation."""
    return _DATE_TOKEN.match(w.rstrip(":") or w) is not None


def _is_date_line(words: list[str]) -> bool:
    # every word a date token, stopping at the first that is not; a trailing ":" holds no digit,
    # so the digit test reads the words as given
    return 0 < len(words) <= 14 and all(map(_date_token, words)) and any(map(_DIGIT.search, words))


def _may_be_date(s: str) -> bool:
    """False when the first word :func:`_is_date_line` would read is not a date token (the
    words are cut per whitespace-separated chunk, so the first chunk alone gives it)."""
    head = s.split(None, 1)[0].replace(",", " , ").replace("(", " ").replace(")", " ").split()
    return not head or _date_token(head[0])


# the cheap pre-checks of the rules below, shared with the compiled screen (_screen_spec): a line
# failing all of them, and holding none of the phrase tables' needed strings, gets no rule
_ICON_HINTS = ("icon", "sketch", "chevron", "arrow")  # in the lower-cased line, before _ICON_TOKEN
_ICON_HINT = re.compile("|".join(_ICON_HINTS))
_CREDIT_MAX_CHARS = 110  # a photo credit is shorter, and holds "/"
_DATE_MAX_CHARS = 80  # a date-only line is shorter, and holds a digit
_WHOLE_MAX_CHARS = 120  # a whole-line phrase is shorter
_BULLETS = "•·▪◦-–*"  # a line starting with one is read without it (_BULLET)


def _own_rule(s: str, low: str, others: bool = True, date: bool = True) -> str | None:
    """Rules other than chrome phrases, each behind a cheap pre-check (``others=False`` or
    ``date=False``: the caller knows the pre-checks of the first three or of the date rule fail)."""
    if others:
        if "{{" in s and _TEMPLATE.search(s):
            return "template"
        if _ICON_HINT.search(low) and 4 <= (icons := len(_ICON_TOKEN.findall(s))) and icons >= _ICON_MIN_SHARE * len(s.split()):
            return "icon-sprite"
        if "/" in s and len(s) < _CREDIT_MAX_CHARS and _CREDIT.match(s) and len(s.split()) <= 8:
            return "photo-credit"
    if date and len(s) < _DATE_MAX_CHARS and _DIGIT.search(s) and _may_be_date(s) and _is_date_line(s.replace(",", " , ").replace("(", " ").replace(")", " ").split()):
        return "dateline-only"
    return None


# what the compiled rule screen found on a line (bits of its masks, as cleaners/_linekernels.c sets them)
_SCREEN_BULLET, _SCREEN_OWN, _SCREEN_WHOLE, _SCREEN_PHRASE, _SCREEN_AT, _SCREEN_DATE, _SCREEN_WHOLE_OTHER, _SCREEN_DATELINE = 1, 2, 4, 8, 16, 32, 64, 128


@functools.cache
def _screen_spec() -> tuple:
    """What the compiled rule screen (``linescore.kernels.rule_screen``) reads: the pre-checks of
    :func:`_own_rule` and of :func:`_rule_evidence`, and the phrase tables' word index and needed
    strings (:func:`_prefilter`), compiled (``kernels.word_table``: the word index and the whole-line
    phrases' first words; ``kernels.needs_table``: the needed strings). A line it passes over is one on which no rule can fire; on the
    others it says which checks may fire and which phrase patterns can match."""
    t = _phrase_tables()
    k = linescore.kernels
    return (
        ("{{",),  # in the line: a template
        k.needs_table(((_ICON_HINTS,),)),  # in the lower-cased line, one of them: an icon sprite
        "@",  # in the line: an e-mail address
        _BULLETS,
        _CREDIT_MAX_CHARS,
        _DATE_MAX_CHARS,
        _WHOLE_MAX_CHARS,
        k.word_table(None, t.by_word, t.whole_first),
        k.needs_table(t.whole_other_needs),
        t.symbol_first,
        k.needs_table(t.symbol_needs),
        k.needs_table(t.inner_needs),
        (*(tuple(w for w in ws if w.isascii()) for ws in (_DATE_DAYS, _DATE_MONTHS, _DATE_ZONES, _DATE_WORDS)), _DATE_MARKS),  # the date-line rule's words
    )


_PROSE_MIN_WORDS = 12  # (settings would not do: the rule screen's verdicts are cached per line)
# the phrase families that news sentences also name ("privacy policy", "updated on 3 March", "courtesy
# of", "you may also like"); a notice to the reader (comments, cookies, newsletter, paywall ...) is chrome
# whatever its length
_PROSE_FAMILIES = frozenset({"copyright", "meta", "caption", "related"})
# ... and any family inside a reported sentence: a notice to the reader never reports what someone said
# ("The company said it would accept all cookies from partners ...")
_REPORTED = re.compile(r"\b(?:said|says|told|according to|sagte|sagten|laut|a déclaré|a dit|selon|dijo|afirmó|según)\b", re.I)


def _prose_sentence(s: str) -> bool:
    """A line that reads as one long sentence of prose: one chrome phrase of :data:`_PROSE_FAMILIES`
    inside it is not enough for a rule ("The company updated its privacy policy after regulators
    ..."); the phrase share still reaches the line model as evidence.

    >>> _prose_sentence("The company updated its privacy policy after regulators in Brussels opened an investigation into it.")
    True
    >>> _prose_sentence("Read our privacy policy")
    False
    """
    return len(s.split()) >= _PROSE_MIN_WORDS and s[:1].isupper() and s.rstrip()[-1:] in ".!?\"”’"


def _sentence_count(s: str) -> int:
    return len([x for x in _SENT_SPLIT.split(s) if x.strip()]) if ("." in s or "!" in s or "?" in s or "…" in s) else 1


# navigation, share bars and footers repeat across the pages of a corpus: the rule verdict
# on a short line is remembered (it depends on the line alone)
_SHORT_LINE = 120
_SHORT_LINE_CACHE = 100_000
_SHORT_LINE_RULES: dict[str, tuple[str | None, float]] = {}


def clear_caches() -> None:
    """Forget every remembered verdict (the short-line rule cache, the date-token memo): for timing
    from a cold start."""
    _SHORT_LINE_RULES.clear()
    _date_token.cache_clear()


def _rule_reasons(stripped: Sequence[str], lows: Sequence[str] | None = None, tokens: Sequence[list[str]] | None = None) -> list[str | None]:
    """:func:`line_reason` for many lines at once.

    ``lows`` and ``tokens`` (lower-cased lines and their ``\\w+`` tokens) may be
    passed in when the caller has them already.
    """
    return _rule_evidence(stripped, lows, tokens)[0]


def _rule_evidence(stripped: Sequence[str], lows: Sequence[str] | None = None, tokens: Sequence[list[str]] | None = None) -> tuple[list[str | None], list[float]]:
    """Per line: the rule that marks it as chrome (or ``None``), and the share of its
    sentences holding a chrome phrase (evidence for the line model even when it is
    too small for the rule)."""
    tables = _phrase_tables()
    lows = lows if lows is not None else [s.lower() for s in stripped]
    out: list[str | None] = [None] * len(stripped)
    shares = [0.0] * len(stripped)
    words = tables.words
    whole_first = tables.whole_first
    first_chars = tables.symbol_first  # a symbol-led match starts with one of these (str.find beats a regex scan)
    cache = _SHORT_LINE_RULES
    # what may fire on each line (the compiled screen, when built: its SCREEN_* bits, and the phrase
    # patterns that can match; without it every rule is tried on every line)
    kernels = linescore.kernels
    if kernels is not None:
        masks, screened = kernels.rule_screen(linescore._as_list(stripped), linescore._as_list(lows), _screen_spec())
    else:
        masks, screened = b"\x01" * len(stripped), {}  # SCREEN_BULLET: try everything
    if tokens is None:  # the tokens of the few lines that need them (the screen reads the words itself)
        tokens = _Tokens(lows)
    for i in itertools.compress(range(len(stripped)), masks):  # the lines a rule may fire on
        s = stripped[i]
        mask = masks[i]
        short = len(s) <= _SHORT_LINE
        if short:
            hit = cache.get(s)
            if hit is not None:
                out[i], shares[i] = hit
                continue
        every = mask & _SCREEN_BULLET
        low = lows[i]
        if s[:1] in _BULLETS:
            low = _BULLET.sub("", low)
        # the own rules whose pre-checks the line passes (the screen's bits; a bullet line: all); the
        # date-line rule is decided by the screen (_SCREEN_DATELINE: it fires) but on words outside ASCII
        own, date = every or mask & _SCREEN_OWN, every or mask & _SCREEN_DATE
        reason, share = _own_rule(s, low, own, date) if own or date else None, 0.0
        if reason is None and mask & _SCREEN_DATELINE:
            reason = "dateline-only"
        # a word-led whole-line pattern can match only a line that starts with one of its words
        # (a line holding "_", which [\W_] skips but \w+ keeps, is checked against them all); the others
        # only a line holding their needed strings (the screen tells both apart)
        if reason is None and (every or mask & (_SCREEN_WHOLE | _SCREEN_WHOLE_OTHER)) and len(low) < _WHOLE_MAX_CHARS and (
            (
                ("_" in low or (toks := tokens[i]) and toks[0] in whole_first) and tables.whole_any.match(low) or tables.whole_other.match(low)
            ) if every else (
                mask & _SCREEN_WHOLE and tables.whole_any.match(low) or mask & _SCREEN_WHOLE_OTHER and tables.whole_other.match(low)
            )
        ):
            reason = "phrase:" + next(fam for fam, rx in tables.whole if rx.match(low))
        if reason is None:
            if every:
                sym = False
                for ch in first_chars:
                    if ch in low:
                        sym = True
                        break
                fams = _phrase_hits(low, tokens[i], tables, sym) if sym or not words.isdisjoint(tokens[i]) else []
            elif mask & _SCREEN_PHRASE:
                fams = _phrase_families(low, *screened[i], tables)
            else:
                fams = []
            if "@" in s:
                fams += ["contact"] * len(_EMAIL.findall(s))
            if fams:
                share = min(len(fams) / _sentence_count(s), 1.0)
                if share >= 0.5 and not (len(fams) == 1 and _prose_sentence(s) and (fams[0] in _PROSE_FAMILIES or _REPORTED.search(s))):
                    reason = f"phrase:{fams[0]}"
        out[i], shares[i] = reason, share
        if short:
            if len(cache) >= _SHORT_LINE_CACHE:
                cache.clear()
            cache[s] = (reason, share)
    return out, shares


class _Tokens(Sequence[list[str]]):
    """The ``\\w+`` tokens of each lower-cased line, made when first asked for: with the compiled
    kernels, which read the words of every line themselves, only the few lines that reach a Python
    rule, and the lines before a comment section, need them as strings."""

    __slots__ = ("lows", "made")

    def __init__(self, lows: Sequence[str]) -> None:
        self.lows = lows
        self.made: list[list[str] | None] = [None] * len(lows)

    def __len__(self) -> int:
        return len(self.lows)

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self.lows)))]
        t = self.made[k]
        if t is None:
            t = self.made[k] = _WORD.findall(self.lows[k])
        return t

    def __iter__(self):
        if None in self.made:  # every line at once: the batched tokenizer
            self.made = _tokenize(self.lows)
        return iter(self.made)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


@dataclass
class LineEvidence:
    """Everything the line model reads about a document's non-empty lines (``tokens``: a list,
    or, with the compiled kernels, a :class:`_Tokens` that makes them when asked for)."""

    stripped: list[str]
    lows: list[str]
    tokens: Sequence[list[str]]
    keys: list[str]
    reasons: list[str | None]
    phrase_share: list[float]
    repeats: list[bool]  # an earlier line has the same key
    duplicated: list[bool]  # some other line has the same key


# \w for ASCII: letters, digits and "_"; every other ASCII character but the line break becomes a space
_ASCII_WORDS = str.maketrans({chr(c): chr(c) if chr(c).isalnum() or chr(c) in "_\n" else " " for c in range(128)})
# punctuation common in news text outside ASCII; none is a \w character, so as a space it splits tokens alike
_NON_ASCII_SPACES = "\u2019\u2018\u201c\u201d\u2014\u2013\u00a9\u00ab\u00bb\u2026\u2022\u00b7\u00a0\u201e\u00b4"
assert not any(c.isalnum() or c == "_" for c in _NON_ASCII_SPACES)


def _tokenize(lows: Sequence[str]) -> list[list[str]]:
    """The ``\\w+`` tokens of each line (``_WORD.findall``). ASCII lines are tokenised together:
    with every non-word character made a space, a line's tokens are its ``split()``; common
    non-ASCII punctuation is made a space first, so that most lines of English text are ASCII."""
    if not lows:
        return []
    if linescore.kernels is not None:
        return linescore.kernels.tokenize(linescore._as_list(lows))
    joined = "\n".join(lows)
    if not joined.isascii():
        for ch in _NON_ASCII_SPACES:
            if ch in joined:
                joined = joined.replace(ch, " ")
    if joined.isascii():
        return [line.split() for line in joined.translate(_ASCII_WORDS).split("\n")]
    lines = joined.split("\n")
    ascii_lines = [k for k, line in enumerate(lines) if line.isascii()]
    out: list[list[str] | None] = [None] * len(lines)
    if ascii_lines:
        for k, line in zip(ascii_lines, "\n".join([lines[k] for k in ascii_lines]).translate(_ASCII_WORDS).split("\n")):
            out[k] = line.split()
    for k, line in enumerate(lines):
        if out[k] is None:
            out[k] = _WORD.findall(line)
    return out  # type: ignore[return-value]


def line_evidence(stripped: Sequence[str], known_chrome: Mapping[str, str] | None = None) -> LineEvidence:
    """Rules, phrase evidence and in-document repeats for stripped, non-empty lines."""
    if linescore.kernels is not None:
        lows = linescore.kernels.lower_lines(linescore._as_list(stripped))  # str.lower's result, by a table below U+0100
        tokens: Sequence[list[str]] = _Tokens(lows)
        keys = linescore.kernels.line_keys(lows)
    else:
        lows = list(map(str.lower, stripped))
        tokens = _tokenize(lows)
        # a stripped line whose only whitespace is single ASCII spaces is its own key
        # (isprintable() is False for every other whitespace character)
        keys = [low if low.isprintable() and "  " not in low else " ".join(low.split()) for low in lows]
    reasons, shares = _rule_evidence(stripped, lows, tokens)
    if known_chrome:
        for k, key in enumerate(keys):
            if reasons[k] is None and key in known_chrome:
                reasons[k] = known_chrome[key]
    repeats, duplicated = _repeat_flags(keys)
    return LineEvidence(list(stripped), lows, tokens, keys, reasons, shares, repeats, duplicated)


def _repeat_flags(keys: Sequence[str]) -> tuple[list[bool], list[bool]]:
    """Exact repeats inside the document: is there an earlier line with the same key
    (only the first copy is kept; a chrome line stays chrome), and is there any other."""
    if linescore.kernels is not None:
        return linescore.kernels.repeat_flags(linescore._as_list(keys), _cfg["min_repeat_chars"])
    n = len(keys)
    counts = Counter(keys)
    if len(counts) == n:  # no key twice (the usual case once chrome is gone)
        return [False] * n, [False] * n
    m = _cfg["min_repeat_chars"]
    dup = {k for k, c in counts.items() if c > 1 and len(k) >= m}
    if not dup:
        return [False] * n, [False] * n
    seen: set[str] = set()
    repeats = []
    for k in keys:
        if k in dup:
            repeats.append(k in seen)
            seen.add(k)
        else:
            repeats.append(False)
    return repeats, [k in dup for k in keys]


def _sub_evidence(ev: LineEvidence, sel: Sequence[int]) -> LineEvidence:
    """The evidence of the lines ``sel`` of ``ev`` as if they were the whole document: the
    per-line evidence is reused, the repeat flags (which depend on the other lines) are redone."""

    def take(items: Sequence) -> list:
        return list(map(items.__getitem__, sel))

    keys, lows = take(ev.keys), take(ev.lows)
    repeats, duplicated = _repeat_flags(keys)
    tokens = _Tokens(lows) if type(ev.tokens) is _Tokens else take(ev.tokens)
    return LineEvidence(take(ev.stripped), lows, tokens, keys, take(ev.reasons), take(ev.phrase_share), repeats, duplicated)


def line_reason(line: str) -> str | None:
    """The rule that marks ``line`` as chrome on its own evidence, or ``None``.

    >>> line_reason("You have {{count}} free articles left")
    'template'
    >>> line_reason("Story continues below advertisement")
    'phrase:ads'
    >>> line_reason("The minister said talks would continue.") is None
    True
    """
    stripped = line.strip()
    if not stripped:
        return None
    return _rule_reasons([stripped])[0]


# -------------------------------------------------------------- document ---


def _key(s: str) -> str:
    return " ".join(s.lower().split())


def _is_headline_shape(line: str) -> bool:
    words = line.split()
    return _cfg["headline_min_words"] <= len(words) <= _cfg["headline_max_words"] and not line.rstrip().endswith((".", ":", ";", ",")) and line[:1].isupper()


def _best_span(values: Sequence[float]) -> tuple[int, int]:
    """The contiguous span with the largest sum (Kadane).

    >>> _best_span([-1, 2, -0.5, 3, -4, 1])
    (1, 3)
    """
    best, cur, start, span = float("-inf"), 0.0, 0, (0, -1)
    for i, v in enumerate(values):
        if cur <= 0:
            cur, start = v, i
        else:
            cur += v
        if cur > best:
            best, span = cur, (start, i)
    return span


def _main_blocks(values: Sequence[float], second_share: float, array: np.ndarray | None = None) -> list[tuple[int, int]]:
    """The best span of ``values`` (:func:`_best_span`), and the best span of what lies on
    either side of it when its sum is at least ``second_share`` times the first one's.
    ``array``: the same values as a float64 array, for the compiled scan when it is built.

    >>> _main_blocks([3, -9, 2, -1], 0.5)
    [(0, 0), (2, 2)]
    >>> _main_blocks([3, -9, 1, -1], 0.5)
    [(0, 0)]
    """
    kernels = linescore.kernels if array is not None else None

    def best_span(lo: int, hi: int) -> tuple[int, int]:
        return kernels.best_span(array, lo, hi) if kernels is not None else _best_span(values[lo:hi])

    a, b = best_span(0, len(values))
    if b < a:
        return []
    out = [(a, b)]
    first = sum(values[a : b + 1])
    if first <= 0:
        return out
    best, second = second_share * first, None
    for lo, hi in ((0, a), (b + 1, len(values))):
        a2, b2 = best_span(lo, hi)
        if b2 >= a2 and (total := sum(values[lo + a2 : lo + b2 + 1])) >= best:
            best, second = total, (lo + a2, lo + b2)
    if second is not None:
        out.append(second)
    return out


_SENTENCE_END = (".", "!", "?", ":", ";", '"', "”", "’", ")")
_SENTENCE_END_CHARS = frozenset(_SENTENCE_END)  # each one character: a line ends a sentence when its last character is one
assert all(len(c) == 1 for c in _SENTENCE_END)
# more than one blank line in a row, left where lines were removed (r"\n{3,}", written so that the
# regex engine searches for its literal prefix instead of trying every position)
_BLANK_RUN = re.compile(r"\n\n\n+")


def unwrap_hard_wrapped(text: str) -> tuple[str, bool]:
    """Join hard-wrapped paragraphs (wire copy, e-mail, text re-flowed at ~72 columns) into one line each.

    The line evidence below is about blocks; a paragraph broken into 70-character lines would be
    judged line by line and lost. A text counts as hard-wrapped when most of its lines continue
    on the next line, those lines fit a fixed width and mostly stop mid-sentence; lines that
    are separated by blank lines (one block a line, as HTML dumps are) are left alone.

    >>> unwrap_hard_wrapped("a b c d e f g\\nh i j k l m n\\n\\no p")[1]
    False
    """
    lines = text.split("\n")
    stripped = [l.strip() for l in lines]
    out = _unwrap(stripped, [i for i, l in enumerate(stripped) if l])
    return (text, False) if out is None else (out, True)


def _unwrap(stripped: Sequence[str], nonblank: Sequence[int]) -> str | None:
    """:func:`unwrap_hard_wrapped` of the text whose lines, stripped, are ``stripped`` (the
    non-blank ones at ``nonblank``): the unwrapped text, or ``None`` when it is not hard-wrapped."""
    plan = _wrap_plan(stripped, nonblank)
    if plan is None:
        return None
    if plan is True:  # every run of non-blank lines is one paragraph
        out: list[str] = []
        para: list[str] = []
        for piece in [*stripped, ""]:
            if not piece:
                if para:
                    out.append(_join_pieces(para))
                    para = []
                out.append("")
            else:
                para.append(piece)
        return "\n".join(out[:-1])
    # double-spaced: the pieces that run on join the line before them
    lines = list(map(stripped.__getitem__, nonblank))
    join = set(plan)
    groups: list[list[str]] = []
    for k, line in enumerate(lines):
        if k - 1 in join:
            groups[-1].append(line)
        else:
            groups.append([line])
    return "\n\n".join(map(_join_pieces, groups))


def _wrap_plan(stripped: Sequence[str], nonblank: Sequence[int]) -> bool | list[int] | None:
    """Is the text whose lines, stripped, are ``stripped`` (the non-blank ones at ``nonblank``)
    hard-wrapped: ``None``, no; ``True``, yes, every run of non-blank lines is a paragraph; a list,
    it is double-spaced (:func:`_spaced_plan`), and these non-blank lines (numbers among them)
    are continued by the next one. By the compiled ``unwrap_plan`` when it is built."""
    if linescore.kernels is not None:
        return linescore.kernels.unwrap_plan(linescore._as_list(stripped), linescore._as_list(nonblank), _wrap_params())
    if len(nonblank) < _cfg["unwrap_min_lines"]:
        return None
    # the non-blank lines whose next line is not blank
    continued = list(itertools.compress(nonblank, map([*stripped[1:], ""].__getitem__, nonblank)))
    if not continued or len(continued) < _cfg["unwrap_continued_share"] * len(nonblank):
        return _spaced_plan(stripped, nonblank)
    width = _wrap_width(len(stripped[i]) for i in continued)
    if width > _cfg["unwrap_max_width"]:
        return None
    open_lines = [i for i in continued if not stripped[i].endswith(_SENTENCE_END)]
    if len(open_lines) < _cfg["unwrap_open_end_share"] * len(continued):
        return None
    # ... and the lines that stop mid-sentence fill the width (a column of menu items does not)
    return True if _fill_width([len(stripped[i]) for i in open_lines], width) else None


def _fill_width(lengths: Sequence[int], width: int) -> bool:
    """Do most lines that stop mid-sentence (their ``lengths``) fill a wrapped text's ``width``
    (``unwrap_spaced_lower_share`` of them at least ``unwrap_spaced_fill`` of it)?"""
    filled = sum(1 for n in lengths if n >= _cfg["unwrap_spaced_fill"] * width)
    return filled >= _cfg["unwrap_spaced_lower_share"] * len(lengths)


def _wrap_params() -> tuple:
    """The settings :func:`_wrap_plan` reads, as the compiled ``unwrap_plan`` takes them."""
    return (
        _cfg["unwrap_min_lines"], _cfg["unwrap_continued_share"], _cfg["unwrap_max_width"], _cfg["unwrap_open_end_share"],
        _cfg["unwrap_spaced_min_width"], _cfg["unwrap_spaced_lower_share"], _cfg["unwrap_spaced_fill"], "".join(_SENTENCE_END),
    )


def _wrap_width(lengths) -> int:
    """The width a text is wrapped at: the 90th percentile of its line lengths (non-empty)."""
    ordered = sorted(lengths)
    return ordered[int(0.9 * (len(ordered) - 1))]


def _joins(line: str, nxt: str) -> str:
    """``line`` and the next piece of its paragraph, as one (a word hyphenated across the break is whole again)."""
    return line + _separator(line[-2:], nxt) + nxt


def _separator(tail: str, nxt: str) -> str:
    """What goes between a paragraph ending in ``tail`` (its last two characters) and its next piece."""
    if tail[-1] == "-" and tail[-2:-1].isalpha() and nxt[:1].islower():
        return ""  # "well-\nknown"
    return " "


def _join_pieces(pieces: Sequence[str]) -> str:
    """``_joins`` folded over the (non-empty) pieces of one paragraph, in linear time: the paragraph
    is built once by ``str.join`` (adding piece by piece copied it each time, quadratic in its
    length: 13.6 s for 1 MB of short lines). Only the last two characters of the paragraph so far
    decide a separator, so they are all that is carried along.

    >>> _join_pieces(["a well-", "known fact", "-", "x"])
    'a well-known fact - x'
    """
    parts = [pieces[0]]
    tail = pieces[0][-2:]
    for nxt in pieces[1:]:
        sep = _separator(tail, nxt)
        parts += (sep, nxt)
        tail = (tail + sep + nxt)[-2:]
    return "".join(parts)


def _spaced_plan(stripped: Sequence[str], nonblank: Sequence[int]) -> list[int] | None:
    """Hard-wrapped text with a blank line after every wrapped line (double-spaced e-mail or
    PDF text, re-flowed copy): lines end at a fixed width, mid-sentence, and the next piece
    starts in lower case. Such a piece is joined to the line before it; nothing else changes.
    The numbers (among the non-blank lines) of the lines the next piece joins, or ``None`` when
    the text is not like that: a page dumped one block a line has no fixed width and its short
    lines (menus, headings) are followed by capitalised ones."""
    lines = list(map(stripped.__getitem__, nonblank))
    width = _wrap_width(map(len, lines))
    if not _cfg["unwrap_spaced_min_width"] <= width <= _cfg["unwrap_max_width"]:
        return None
    # the lines that stop mid-sentence, and how many of them run on in lower case
    ends = map(_SENTENCE_END_CHARS.__contains__, map(operator.itemgetter(-1), lines[:-1]))  # the lines are not empty
    open_lines = list(itertools.compress(range(len(lines) - 1), map(operator.not_, ends)))
    if len(open_lines) < _cfg["unwrap_open_end_share"] * (len(lines) - 1):
        return None
    # ... the next line's first character lower-case (the lines are not empty)
    runs_on = list(itertools.compress(open_lines, map(str.islower, map(operator.itemgetter(0), map(lines[1:].__getitem__, open_lines)))))
    if len(runs_on) < _cfg["unwrap_spaced_lower_share"] * len(open_lines):
        return None
    # wrapped lines fill the width: most open lines are at least this share of it
    if not _fill_width([len(lines[k]) for k in open_lines], width):
        return None
    return runs_on


def strip_document_lines(
    text: str,
    known_chrome: Mapping[str, str] | None = None,
    model: dict | None = None,
    title: str | None = None,
    removals: bool = True,
    scores: bool = False,
) -> StripResult:
    """Strip chrome from one text dump; return body, headline and removals.

    ``known_chrome`` maps a line key (lower-cased, whitespace folded) to a reason
    for lines known to be chrome from outside evidence (see :func:`strip_corpus`);
    ``model`` replaces the shipped line-model weights (used for held-out evaluation).
    ``title``, when the document already has one, is the headline: only copies of it are
    removed and no other line is taken for a headline (so cleaning cleaned text is a no-op).
    ``removals=False`` leaves ``removed`` empty (for callers that want the body only).
    ``scores=True`` also returns each line's first-pass body probability and verdict
    (``StripResult.scores``, ``StripResult.kept``: by line of the text, after any unwrapping).

    Context rules look at neighbours, so removing a line can expose another: the passes
    repeat on the kept lines until nothing more goes (a fixed point, hence idempotent).
    """
    lines = text.split("\n")
    stripped = list(map(str.strip, lines))
    nonempty = list(itertools.compress(range(len(stripped)), stripped))  # the non-empty lines
    text_unwrapped = _unwrap(stripped, nonempty)  # unwrap_hard_wrapped, on the lines at hand
    unwrapped = text_unwrapped is not None
    if text_unwrapped is not None:
        lines = text_unwrapped.split("\n")
        stripped = list(map(str.strip, lines))
        nonempty = list(itertools.compress(range(len(stripped)), stripped))  # the non-empty lines
    # blank lines are never removed and carry no evidence; the evidence of every non-empty line
    # that depends on the line alone (rules, phrases, local features) is computed once and
    # reused by every pass, which redoes only what depends on the other kept lines
    ev_all = line_evidence(list(filter(None, stripped)), known_chrome)
    xl_all = linescore.local_features(ev_all, model)
    arrays_all = linescore.line_arrays(ev_all)
    alive = np.arange(len(nonempty))  # non-empty lines still kept (positions in nonempty)
    gone_at: list[np.ndarray] = []  # per pass, the positions (in nonempty) of the lines it removed
    reasons: dict[int, tuple[str, float | None]] = {}
    held: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]  # per pass, headline lines and the comment section: never rescued
    found_title = None
    for n_pass in range(_cfg["max_passes"]):
        if n_pass == 0:
            ev, xl, arrays = ev_all, xl_all, arrays_all
        else:
            sel = alive.tolist()
            ev = _sub_evidence(ev_all, sel)
            xl = linescore.reposition(xl_all[alive], ev)
            arrays = tuple(a[alive] for a in arrays_all)
        codes, extra, probs, t = _classify_codes(ev, xl, model, title, headline=n_pass == 0 and title is None, arrays=arrays)
        if n_pass == 0:
            found_title = t
            first_probs = probs
        gone = (codes >= _GONE).nonzero()[0]
        if not len(gone):
            break
        if removals:
            code_list = codes.tolist()
            for k, pos in zip(gone.tolist(), alive[gone].tolist()):
                c = code_list[k]
                reasons[nonempty[pos]] = (_code_reason(c, k, extra), probs[k] if c == _MODEL else None)
        gone_at.append(alive[gone])
        held.append(alive[(codes == _TITLE) | (codes == _AFTER_COMMENTS)])
        alive = alive[codes < _GONE]
    keep = [True] * len(lines)
    if gone_at:
        # the article must not be lost: lists between body paragraphs come back, and a page whose kept
        # text has little prose while a long prose block was dropped falls back to that block
        kept_at = np.ones(len(nonempty), dtype=bool)
        kept_at[np.concatenate(gone_at)] = False
        fixed = rescue_body(ev_all, xl_all, kept_at, np.concatenate(held))
        if fixed is not None:
            kept_at, why = fixed
            if removals:
                for pos, r in why.items():
                    if r is None:
                        reasons.pop(nonempty[pos], None)
                    else:
                        reasons[nonempty[pos]] = (r, None)
        for pos in (~kept_at).nonzero()[0].tolist():  # the removed lines (positions in nonempty)
            keep[nonempty[pos]] = False
    kept = list(itertools.compress(lines, keep))
    removed = [Removal(i, lines[i], r, sc) for i, (r, sc) in sorted(reasons.items())] if removals else []
    out = _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip()
    result = StripResult(text=out, title=found_title if title is None else title, removed=removed, unwrapped=unwrapped)
    if scores:
        line_scores: list[float | None] = [None] * len(lines)
        for pos, i in enumerate(nonempty):
            line_scores[i] = first_probs[pos] if pos < len(first_probs) else None
        result.scores, result.kept = line_scores, [k and bool(s) for k, s in zip(keep, stripped)]
    return result


# ---------------------------------------------------------- rescue body ---

_COL = {f: linescore.LOCAL_FEATURES.index(f) for f in ("log_words", "ends_sentence", "ends_colon", "stop_share", "rule_hit", "phrase_hit", "repeat", "phrase_share")}


@functools.cache
def _language_stopwords() -> dict[str, frozenset[str]]:
    """Language code -> its frequent words (``data/stopwords.txt``, one language a line)."""
    out: dict[str, frozenset[str]] = {}
    for raw in read_data_text("stopwords.txt").splitlines():
        if raw and not raw.startswith("#"):
            lang, _, words = raw.partition("\t")
            out[lang.strip()] = frozenset(words.split())
    return out


def stopword_language(tokens: Sequence[str], min_coverage: float | None = None) -> str | None:
    """The language whose frequent words (``data/stopwords.txt``) cover most of ``tokens``
    (lower-cased words), or ``None`` when no language covers ``min_coverage`` of them (default:
    the setting ``language_min_coverage``). Internal evidence of the boilerplate stripper, not a
    language label for output.

    >>> stopword_language("der minister sagte am montag dass die gespräche in der nächsten woche weitergehen".split())
    'de'
    >>> stopword_language("le ministre a dit que les discussions vont continuer la semaine prochaine".split())
    'fr'
    >>> stopword_language("zzz qqq".split()) is None
    True
    """
    if not tokens:
        return None
    counts = Counter(tokens)
    best, best_n = None, 0
    for lang, words in _language_stopwords().items():
        n = sum(c for w, c in counts.items() if w in words)
        if n > best_n:
            best, best_n = lang, n
    need = _cfg["language_min_coverage"] if min_coverage is None else min_coverage
    return best if best_n >= need * len(tokens) else None


def _list_runs(kept: np.ndarray, blocked: np.ndarray, col: np.ndarray, prose: np.ndarray, is_item) -> list[tuple[int, int]]:
    """Runs ``[a, b)`` of removed, unblocked lines between two kept lines that are a list inside
    the article: the kept line before ends with ":" (it introduces the list), or both kept lines
    around the run are prose and every line of the run is a list item (``is_item(k)``). Runs
    longer than ``rescue_list_lines`` are not lists.

    >>> kept = np.array([True, False, False, True, False, True])
    >>> _list_runs(kept, np.zeros(6, dtype=bool), np.array([True] + [False] * 5), np.zeros(6, dtype=bool), lambda k: False)
    [(1, 3)]
    """
    at = kept.nonzero()[0]
    out = []
    if len(at) < 2:
        return out
    limit = _cfg["rescue_list_lines"]
    for i in (np.diff(at) > 1).nonzero()[0].tolist():  # the gaps between kept lines
        before, after = int(at[i]), int(at[i + 1])
        a, b = before + 1, after
        if b - a > limit or blocked[a:b].any():
            continue
        if col[before] or prose[before] and prose[after] and all(map(is_item, range(a, b))):
            out.append((a, b))
    return out


def rescue_body(ev: LineEvidence, xl: np.ndarray, kept: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, dict[int, str | None]] | None:
    """Second thoughts on a document's verdicts, so that the article is never lost: ``kept`` (per
    non-empty line) says what the passes kept, ``held`` the lines that must stay removed (the
    headline and its copies, the comment section). Returns the new verdicts and, per changed
    line, its new removal reason (``None``: it is kept again), or ``None`` when nothing changes.

    * a list or table inside the article (see :func:`_list_runs`) is kept;
    * when the kept text holds little prose (under ``rescue_kept_share`` of the prose of the
      best dropped prose block, which has at least ``rescue_min_words`` words), the page's
      main-block choice took navigation, a form, a consent or legal text: the prose block is
      kept instead, and what was kept goes as ``fallback:not-prose-block`` (when it held no
      prose at all; else both stay). Prose lines have ``prose_min_words`` words, end a
      sentence, hold no chrome phrase and have a stop-word share of ``prose_min_stop``, also
      in the document's language (:func:`stopword_language`).
    """
    n = len(kept)
    if n == 0:
        return None
    c = _COL
    words = np.rint(np.expm1(xl[:, c["log_words"]]))
    blocked = (xl[:, c["rule_hit"]] > 0) | (xl[:, c["phrase_hit"]] > 0) | (xl[:, c["repeat"]] > 0)
    blocked[held] = True
    prose = ~blocked & (xl[:, c["phrase_share"]] == 0) & (words >= _cfg["prose_min_words"]) & (xl[:, c["ends_sentence"]] > 0) & (xl[:, c["stop_share"]] >= _cfg["prose_min_stop"])
    new = kept.copy()
    why: dict[int, str | None] = {}
    ends = xl[:, c["ends_sentence"]]
    short = _cfg["rescue_list_item_words"]
    stripped = ev.stripped

    def is_item(k: int) -> bool:
        # a list item between prose paragraphs is short and ends a sentence or starts with a bullet or
        # a number (not headline-shaped: a box of related headlines inside an article is not the article)
        return words[k] <= short and (ends[k] > 0 or stripped[k][:1] in _BULLETS or stripped[k][:1].isdigit())

    for a, b in _list_runs(kept, blocked, xl[:, c["ends_colon"]] > 0, prose & kept, is_item):
        new[a:b] = True
        why.update((k, None) for k in range(a, b))
    # the dropped prose words, of prose lines next to another prose line (an article's paragraphs
    # follow each other; the blurbs of a teaser list alternate with their headlines)
    paired = np.zeros(n, dtype=bool)
    pair = prose[:-1] & prose[1:]
    paired[:-1] |= pair
    paired[1:] |= pair
    dropped = paired & ~new
    if float(words[dropped].sum()) >= _cfg["rescue_min_words"]:
        fallback = _fallback_block(ev, words, prose, dropped, new)
        if fallback is not None:
            a, b, keep_old = fallback
            span = np.zeros(n, dtype=bool)
            span[a : b + 1] = True
            span &= ~blocked
            for k in (span & ~new).nonzero()[0].tolist():
                why[k] = None
            if not keep_old:
                for k in (new & ~span).nonzero()[0].tolist():
                    why[k] = "fallback:not-prose-block"
                new = span
            else:
                new |= span
    return (new, why) if why else None


def _fallback_block(ev: LineEvidence, words: np.ndarray, prose: np.ndarray, dropped: np.ndarray, kept: np.ndarray) -> tuple[int, int, bool] | None:
    """The prose block :func:`rescue_body` falls back to: first and last line, and whether the
    text kept before stays (it holds some prose of its own), or ``None``. Blocks are prose lines
    with at most ``rescue_block_gap`` other lines between them, before the comment section (the
    first comment-section line after a kept line); ``dropped`` marks the prose lines whose words
    count (dropped, next to another prose line)."""
    n = len(kept)
    first_kept = int(kept.argmax()) if kept.any() else n
    stop = n
    if _has_comment_phrase(ev.reasons):
        stop = next((k for k, r in enumerate(ev.reasons) if k > first_kept and r is not None and r.startswith("phrase:comments")), n)
    at = prose[:stop].nonzero()[0]
    if not len(at):
        return None
    kept_prose = float(words[prose & kept].sum())
    cuts = (np.diff(at) > _cfg["rescue_block_gap"] + 1).nonzero()[0]
    starts = np.concatenate(([0], cuts + 1))
    ends = np.concatenate((cuts, [len(at) - 1]))
    sums = np.add.reduceat(words[at] * dropped[at], starts)
    best = int(sums.argmax())
    total = float(sums[best])
    if total < _cfg["rescue_min_words"] or kept_prose >= _cfg["rescue_kept_share"] * total:
        return None
    lines = at[starts[best] : ends[best] + 1].tolist()
    # the language check: the block's prose must be prose in the document's language too
    lang = stopword_language([t for k in lines for t in ev.tokens[k]])
    if lang is not None:
        stops = _language_stopwords()[lang]
        share = [sum(t in stops for t in ev.tokens[k]) / max(1, len(ev.tokens[k])) for k in lines]
        if sum(words[k] * dropped[k] for k, sh in zip(lines, share) if sh >= _cfg["prose_min_stop"]) < _cfg["rescue_min_words"]:
            return None
    return lines[0], lines[-1], kept_prose > 0


def _has_comment_phrase(reasons: Sequence[str | None]) -> bool:
    """Does any line carry a comment-section phrase (else there is no comment section to find)."""
    return any(r.startswith("phrase:comments") for r in set(reasons) if r is not None)


# a line's verdict in one pass, as a small integer (see _classify_codes): kept (reason None, or a
# reason that is an empty string), then removed by a rule (the reason is the rule's), as a
# repeat, by the line model, outside the main block, as the headline or a copy of it, or after
# the start of the comment section
_KEPT, _KEPT_FALSY, _RULE, _REPEAT, _MODEL, _OUTSIDE, _TITLE, _AFTER_COMMENTS = range(8)
_GONE = _RULE
_CODE_REASON = (None, None, None, "repeat", "line-model", "outside-main-block", None, "after-comment-section")


def _code_reason(c: int, k: int, extra: Mapping[int, str]) -> str | None:
    """The reason string of verdict code ``c`` of line ``k`` (``extra``: the reasons the codes do not name)."""
    return extra[k] if c == _RULE or c == _TITLE or c == _KEPT_FALSY else _CODE_REASON[c]


def _classify(
    ev: LineEvidence,
    xl: np.ndarray,
    model: dict | None,
    title: str | None,
    headline: bool,
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[list[str | None], list[float], str | None]:
    """One pass over the kept non-empty lines (``ev``, local features ``xl``, and
    :func:`cleaners.linescore.line_arrays` when known): a removal reason (or None) and a
    body probability per line, and the headline."""
    codes, extra, probs, found = _classify_codes(ev, xl, model, title, headline, arrays)
    final = [_code_reason(c, k, extra) for k, c in enumerate(codes.tolist())]
    return final, probs, found


def _classify_codes(
    ev: LineEvidence,
    xl: np.ndarray,
    model: dict | None,
    title: str | None,
    headline: bool,
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, Mapping[int, str], list[float], str | None]:
    """:func:`_classify` as a verdict code per line (``_KEPT`` ... ``_TITLE``), the reason
    strings the codes do not name (rule reasons, headline verdicts: by line, or the evidence's
    reasons list), the body probabilities and the headline."""
    n = len(ev.stripped)
    if not n:
        return np.zeros(0, dtype=np.int8), {}, [], None
    stripped, keys, reasons, repeats = ev.stripped, ev.keys, ev.reasons, ev.repeats
    if arrays is None:
        arrays = linescore.line_arrays(ev)
    p = linescore.stage_scores(ev, model, xl, arrays)[3]
    probs = p.tolist()
    codes = _first_codes(p, probs, arrays[1], repeats, reasons)

    # comment section first (see _comment_cut), so that the main block cannot jump past a
    # short article into the prose of its comments
    cut = _comment_cut(codes, ev, xl)

    # main block (before the comments): the article is one contiguous stretch of lines, or two
    # when an inserted box (related links, an ad) splits it; take the span that maximises the sum
    # of (body probability - block_offset), and a second span beside it when its sum is at least
    # block_second_share of the first, and drop kept lines outside them
    # (a line a rule removed or a repeat counts as probability 0, whatever the model says)
    values = p[: cut + 1] - _cfg["block_offset"]
    values[(codes[: cut + 1] == _RULE) | (codes[: cut + 1] == _REPEAT)] = -_cfg["block_offset"]
    outside = codes == _KEPT  # the kept lines, less those in the main block(s)
    for a, b in _main_blocks(values.tolist(), _cfg["block_second_share"], values):
        outside[a : b + 1] = False
    codes[outside] = _OUTSIDE

    # headline: a headline-shaped line among the few lines above the first body line
    extra: dict[int, str] = {}
    found = None
    body = (codes == _KEPT).nonzero()[0] if headline else ()
    if headline and len(body):
        first = int(body[0])
        window = range(max(0, first - _cfg["headline_window"]), first + 1)
        at = -1  # the headline's line
        for k in window:
            if _is_headline_shape(stripped[k]) and (reasons[k] is None or codes[k] == _REPEAT) and not (k == first and len(body) == 1):
                found, at = stripped[k], k
                break
        if found is not None and _cfg["headline_stack"]:
            # headline-shaped body lines right under the headline (a deck, a second headline) go with it:
            # left in, the first of them would be the headline of the cleaned text
            rest = body[np.searchsorted(body, at, side="right") :].tolist()  # the body lines below it
            run = 0
            while run < len(rest) - 1 and reasons[rest[run]] is None and _is_headline_shape(stripped[rest[run]]):
                run += 1
            for b in rest[:run]:
                codes[b] = _TITLE
                extra[b] = "under-headline"
    if found is not None or title is not None:
        tkey = _key(found if found is not None else title)
        seen_first = found is None  # a known title: every copy left in the text is a repeat
        for k in _indices(keys, tkey):
            codes[k] = _TITLE
            extra[k] = "repeat-of-headline" if seen_first else "headline"
            seen_first = True
    return codes, _Reasons(reasons, extra), probs, found


def _first_codes(p: np.ndarray, probs: list[float], hits: np.ndarray, repeats: Sequence[bool], reasons: Sequence[str | None]) -> np.ndarray:
    """The verdict codes of one pass before the comment section and the main block (see
    :func:`_classify_codes`; ``probs`` is ``p.tolist()``, ``hits`` the rule hits of
    :func:`cleaners.linescore.line_arrays`). The compiled ``first_codes`` does the same."""
    n = len(p)
    if linescore.kernels is not None:
        codes = np.empty(n, dtype=np.int8)
        linescore.kernels.first_codes(
            p, hits, linescore._as_list(repeats), linescore._as_list(reasons), _cfg["body_threshold"], _cfg["continue_threshold"],
            _cfg["sandwich_confidence"], _cfg["sandwich_lines"], codes, _cfg["lead_threshold"],
        )
        return codes
    # the verdict before context: a rule's reason, else a repeat, else the model's threshold
    codes = np.full(n, _KEPT, dtype=np.int8)
    if "" in reasons:  # a reason that is an empty string is kept, but is not "no reason"
        codes[[k for k, r in enumerate(reasons) if r == ""]] = _KEPT_FALSY
    codes[hits > 0] = _RULE
    if True in repeats:
        codes[np.fromiter(repeats, dtype=bool, count=n) & (codes < _GONE)] = _REPEAT
    codes[(codes < _GONE) & (p < _cfg["body_threshold"])] = _MODEL
    # hysteresis, as jusText's "near-good" lines: a line only the model rejected, right after a
    # kept line, is body when its probability reaches continue_threshold (the article goes on);
    # the scan runs forward, so a run of such lines after a kept line is kept whole
    low = _cfg["continue_threshold"]
    for k in ((codes[1:] == _MODEL) & (p[1:] >= low)).nonzero()[0].tolist():
        if codes[k] == _KEPT:  # k is the line before (k + 1)
            codes[k + 1] = _KEPT
    # the lead: one line only the model rejected, right before a kept line that follows no kept
    # line, is body when its probability reaches lead_threshold (the article starts: a short first
    # sentence, a dateline lead, scores low on its own)
    lead, k = _cfg["lead_threshold"], 0
    while k + 1 < n:
        if codes[k] == _MODEL and p[k] >= lead and codes[k + 1] == _KEPT and (k == 0 or codes[k - 1] != _KEPT):
            codes[k] = _KEPT
            k += 1
        k += 1
    # context, as jusText does: a line only the model rejected, between two confident body
    # lines, is body (a short paragraph, a subhead); a run is looked at from each line that
    # follows a kept confident line, and the scan resumes after the run's end
    sure = _cfg["sandwich_confidence"]
    span = _cfg["sandwich_lines"]
    if n > 2:
        starts = ((codes[1:-1] == _MODEL) & (codes[:-2] == _KEPT) & (p[:-2] >= sure)).nonzero()[0]
        resume = 0
        for k in (starts + 1).tolist():
            if k < resume:
                continue
            end = k
            while end < n and end - k < span and codes[end] == _MODEL:
                end += 1
            if end < n and codes[end] == _KEPT and probs[end] >= sure:
                codes[k:end] = _KEPT
            resume = end + 1
    return codes


def _indices(items: Sequence[str], value: str) -> list[int]:
    """The positions of ``value`` in ``items`` (by ``list.index``: a C-level scan)."""
    items = linescore._as_list(items)
    out: list[int] = []
    k = -1
    while True:
        try:
            k = items.index(value, k + 1)
        except ValueError:
            return out
        out.append(k)


def _comment_cut(codes: np.ndarray, ev: LineEvidence, xl: np.ndarray) -> int:
    """The comment section: once the article has started, a comment-section line (a comment's
    "... at 4:47 pm said:" header, "Leave a reply", "Comments are closed") followed by more of
    a thread (author-and-date lines, replies) ends it; the kept lines after it are marked
    ``_AFTER_COMMENTS`` in place. Returns the cut line (``n`` when there is none)."""
    n = len(codes)
    reasons = ev.reasons
    cut = linescore.comment_section_start(
        reasons, (codes == _KEPT).tolist(), ev.tokens, _cfg["comments_after_words"],
        linescore.thread_marks(xl, reasons), _cfg["comments_thread_window"],
    ) if _has_comment_phrase(reasons) else n
    if cut + 1 < n:
        tail = codes[cut + 1 :]
        tail[tail == _KEPT] = _AFTER_COMMENTS
    return cut


class _Reasons(Mapping[int, str]):
    """The reason strings of one pass: the headline verdicts, else the evidence's rule reasons."""

    __slots__ = ("rules", "titles")

    def __init__(self, rules: Sequence[str | None], titles: dict[int, str]) -> None:
        self.rules, self.titles = rules, titles

    def __getitem__(self, k: int) -> str:
        t = self.titles.get(k)
        return t if t is not None else self.rules[k]  # type: ignore[return-value]

    def __iter__(self):
        return iter(range(len(self.rules)))

    def __len__(self) -> int:
        return len(self.rules)


def strip_boilerplate(text: str) -> str:
    """One plain-text document in, its article body out (headline removed)."""
    return strip_document_lines(text, removals=False).text


# ---------------------------------------------------------------- corpus ---


def repeated_lines(docs_lines: Sequence[Sequence[str]], sites: Sequence[str | None] | None = None) -> list[dict[str, str]]:
    """Per document, the keys of its lines that recur across documents (corpus evidence).

    A line is *site chrome* when it occurs in at least ``min_site_docs`` documents
    of one site and in at least ``min_site_share`` of that site's documents; it is
    *web chrome* when it occurs in ``min_corpus_docs`` documents across two or more
    sites. Copies of one story (documents sharing their longest line) count once,
    so a syndicated story or a quote carried by two reports is not chrome, and
    lines of ``max_words`` words or more are never removed on this evidence.

    >>> docs = [["Subscribe to our newsletter", f"Story {i} is about a different thing entirely."] for i in range(4)]
    >>> sorted(repeated_lines(docs, ["a.example"] * 4)[0].values())
    ['site-repeat:4/4']
    """
    cfg = section("corpus")
    sites = list(sites) if sites is not None else [None] * len(docs_lines)
    site_docs: Counter[str] = Counter()
    site_df: dict[tuple[str, str], set[str]] = defaultdict(set)
    corpus_df: dict[str, set[str]] = defaultdict(set)
    corpus_sites: dict[str, set[str]] = defaultdict(set)
    doc_keys: list[set[str]] = []
    for lines, site in zip(docs_lines, sites):
        site = site or ""
        keys = {_key(l) for l in lines if l.strip()}
        keys = {k for k in keys if len(k) >= _cfg["min_repeat_chars"] and len(k.split()) < cfg["max_words"]}
        longest = max((_key(l) for l in lines if l.strip()), key=len, default="")
        story = str(hash(longest))
        doc_keys.append(keys)
        site_docs[site] += 1
        for k in keys:
            site_df[(site, k)].add(story)
            corpus_df[k].add(story)
            corpus_sites[k].add(site)
    out: list[dict[str, str]] = []
    for keys, site in zip(doc_keys, sites):
        site = site or ""
        flagged: dict[str, str] = {}
        n_site = site_docs[site]
        for k in keys:
            df = len(site_df[(site, k)])
            if site and df >= cfg["min_site_docs"] and df >= cfg["min_site_share"] * n_site:
                flagged[k] = f"site-repeat:{df}/{n_site}"
            elif len(corpus_df[k]) >= cfg["min_corpus_docs"] and len(corpus_sites[k]) >= 2:
                flagged[k] = f"corpus-repeat:{len(corpus_df[k])}"
        out.append(flagged)
    return out


def remove_known_lines(text: str, known_chrome: Mapping[str, str]) -> StripResult:
    """Remove the lines of ``text`` whose key is in ``known_chrome`` (the corpus pass over
    already-stripped text; nothing else changes).

    >>> remove_known_lines("Body line.\\nSubscribe now", {"subscribe now": "site-repeat:3/3"}).text
    'Body line.'
    """
    kept: list[str] = []
    removed: list[Removal] = []
    for i, line in enumerate(text.split("\n")):
        reason = known_chrome.get(_key(line)) if line.strip() else None
        if reason:
            removed.append(Removal(i, line, reason))
        else:
            kept.append(line)
    return StripResult(text=_BLANK_RUN.sub("\n\n", "\n".join(kept)).strip(), removed=removed)


def strip_corpus(texts: Sequence[str], sites: Sequence[str | None] | None = None) -> list[StripResult]:
    """:func:`strip_document_lines` for each text, plus lines repeated across the corpus.

    ``sites`` gives each document's site (url host or source); documents without
    one only share corpus-wide evidence.
    """
    flagged = repeated_lines([t.split("\n") for t in texts], sites)
    return [strip_document_lines(t, known_chrome=f) for t, f in zip(texts, flagged)]
