"""Synonym-spin detection and repair ("de-spinning").

Article spinners swap words for thesaurus neighbours without looking at context:
"would" becomes "might maybe maybe well well", "year" "twelve months", "Prime
Minister" "High Minister". This module finds such documents and restores the
original wording, with evidence for every change.

* :func:`spin_score` - how likely a document is spun, in [0, 1]: the density of
  matches of the reverse phrase table (``data/spin_table.tsv``), weighted by how
  impossible each spun form is in real news. Flag at ``[spin] threshold``.
* :func:`despin` / :func:`despin_explained` - repair one document. A table
  candidate is applied only in a flagged document, only where its context
  condition holds, and only where the repaired sentence is more probable than the
  spun one under a noisy-channel model: log10 P_LM(original in context) + log10
  P(spinner wrote the spun form | original) must beat log10 P_LM(spun in context) +
  log10 P(spinner left it alone). The LM is wordfreq unigrams, sharpened by
  bigram counts of the corpus's clean documents in the corpus step; the channel
  term is the class prior in ``settings.toml`` (large for forms no news writer uses,
  small for ordinary English). A one-word entry whose positive context condition is
  unmet may still apply on strong LM evidence (class "unmet"); any entry whose condition
  fails where the same entry's holds elsewhere in the document (a spinner prints the
  same form throughout) is weighed with ``prior_echo``, and for a form of several words
  the trigram model must agree (``echo_min_window_gain``). Then the thesaurus layer:
  WordNet reverse candidates (``data/spin_thesaurus.tsv.gz``, made by
  ``scripts/make_spin_thesaurus.py``), the family list's and Moby's (:func:`moby_only`) decided by background bigrams from general English
  (:class:`BackgroundBigrams`: the Google Books counts ``symspellpy`` ships) and, for single
  words, a trigram model's sentence window (:class:`BackgroundTrigrams`: CMU Sphinx's generic
  English LM that ``pocketsphinx`` ships), see :func:`_thesaurus_repairs`. Passes repeat until nothing changes, so ``despin`` is idempotent.
* :func:`despin_corpus` - corpus-level repair: a spun sentence that has a clean
  near-duplicate in the corpus is aligned to it and restored from it where names
  and numbers agree; the substitution pairs found that way are counted in a
  :class:`PhraseTable` (JSON, grows across runs) and, once they recur, applied to
  other spun documents.

>>> t = "The talks might maybe maybe well well end this twelve months, officials articulate."
>>> spin_score(t) > 0.5
True
>>> despin(t)
'The talks would end this year, officials say.'
>>> despin("Officials say the talks would end this year.")
'Officials say the talks would end this year.'
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import functools
import gc
import gzip
import hashlib
import json
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from wordfreq import word_frequency

from cleaners import linescore
from cleaners.language import detect_language
from cleaners.settings import data_lines, data_path, read_data_text, section

TABLE_FILE = "spin_table.tsv"
TABLE_FORMAT = "wirewash-spin-table/1"
CLASSES = ("tell", "likely", "ambiguous")
# a one-word entry whose positive context condition is unmet (and no negative one fires) is still
# a candidate of class "unmet": it never counts for detection and needs strong LM evidence (unless
# its condition says "nofallback": a word whose ordinary sense the LM prefers the original to as well);
# an entry whose condition says "nodetect" is repaired in a flagged document but never counts for
# detection (a form writers use too in that position: a sentence-initial "Additionally,")

_WORD = r"\w+(?:['’.\-]\w+)*"  # a word token (joined by ' ’ . -)
_TOKEN = re.compile(_WORD + r"|[^\w\s]")
# the last token before a position, matched on the reversed text: one anchored match, linear on
# any line (a "$"-anchored search re-scans every token suffix: quadratic on "a-a-a-…-")
_LAST_TOKEN_REVERSED = re.compile(_WORD + r"|[^\w\s]")  # (_WORD reads the same reversed)
_WORDISH = re.compile(r"\w")
_DIGIT = re.compile(r"\d")
_WORD_TOKEN = re.compile(_WORD)  # _TOKEN's word tokens
_LINE = re.compile(r"[^\n]+")
# between a table key's words: white space holding at most one line break (possessive: linear on any run)
_KEY_GAP = r"(?=\s)[^\S\n]*+(?:\n[^\S\n]*+)?+"
_SENT_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")


# --------------------------------------------------------------------------- table


@dataclass(frozen=True)
class Entry:
    """One reverse substitution: ``spun`` -> ``original``, when ``condition`` holds."""

    spun: str
    original: str
    cls: str  # tell | likely | ambiguous | learned
    condition: str = ""
    case_sensitive: bool = False
    clauses: tuple[tuple[str, bool, frozenset[str]], ...] = ()
    fallback: bool = True  # may stand as an "unmet" candidate (condition clause "nofallback": no)
    detect: bool = True  # counts for spin_score (condition clause "nodetect": no)

    @property
    def key(self) -> str:
        return " ".join(self.spun.lower().split())


def _parse_condition(cond: str) -> tuple[tuple[tuple[str, bool, frozenset[str]], ...], bool, bool]:
    """The clauses of a condition (``prev=a|b;!next=c``), whether the entry may fall back to an
    "unmet" candidate and whether it counts for detection: the bare clauses ``nofallback`` and
    ``nodetect`` are those flags, not tests.

    >>> _parse_condition("prev=on|at;!next=of;nofallback") == ((("prev", False, frozenset({"on", "at"})), ("next", True, frozenset({"of"}))), False, True)
    True
    >>> _parse_condition("prev=$|.;nodetect")[1:]
    (True, False)
    """
    out = []
    fallback = detect = True
    for clause in filter(None, (c.strip() for c in cond.split(";"))):
        if clause == "nofallback":
            fallback = False
            continue
        if clause == "nodetect":
            detect = False
            continue
        neg = clause.startswith("!")
        name, _, values = clause.lstrip("!").partition("=")
        if name not in ("prev", "next", "doc") or not values:
            raise ValueError(f"bad spin-table condition clause {clause!r}")
        vals = values.split("|")
        if name != "doc":
            vals = [v.lower() for v in vals]
        out.append((name, neg, frozenset(vals)))
    return tuple(out), fallback, detect


def make_entry(spun: str, original: str, cls: str, condition: str = "") -> Entry:
    """An :class:`Entry`; an entry whose spun form has a capital letter is case-sensitive."""
    if cls not in CLASSES + ("learned",):
        raise ValueError(f"unknown spin-table class {cls!r}")
    clauses, fallback, detect = _parse_condition(condition)
    return Entry(spun, original, cls, condition, spun != spun.lower(), clauses, fallback, detect)


_SET_REF = re.compile(r"@[a-z_]+")


def parse_table(text: str) -> list[Entry]:
    """Entries of a TSV table (``spun, original, class[, condition]``; ``#`` comments).

    A line ``@name<TAB>a|b|c`` names a set of condition values; a later condition may write
    ``@name`` among its values (``prev=@modal|so``), and the entry holds the expanded condition.

    >>> [e.condition for e in parse_table("@modal\\twill|would\\nis able to\\tcan\\tlikely\\tprev=@modal|so\\n")]
    ['prev=will|would|so']
    """
    entries = []
    sets: dict[str, str] = {}

    def expand(match: re.Match[str]) -> str:
        if match.group() not in sets:
            raise ValueError(f"spin table line {n}: unknown set {match.group()!r} (define it above its first use)")
        return sets[match.group()]

    for n, line in data_lines(text):
        cols = line.rstrip("\n").split("\t")
        if cols[0].startswith("@"):
            if len(cols) != 2 or not _SET_REF.fullmatch(cols[0]) or not cols[1]:
                raise ValueError(f"spin table line {n}: a set is '@name<TAB>a|b|c'")
            sets[cols[0]] = _SET_REF.sub(expand, cols[1])
            continue
        if len(cols) < 3:
            raise ValueError(f"spin table line {n}: need spun, original, class")
        cond = _SET_REF.sub(expand, cols[3]) if len(cols) > 3 else ""
        entries.append(make_entry(cols[0], cols[1], cols[2], cond))
    return entries


@functools.cache
def default_entries() -> tuple[Entry, ...]:
    """The shipped reverse table (``cleaners/data/spin_table.tsv``)."""
    return tuple(parse_table(read_data_text(TABLE_FILE)))


_SCAN_WORD = re.compile(r"\w+")


class Matcher:
    """All entries indexed by their rarest word; finds the candidates of a text in one regex scan."""

    def __init__(self, entries: Iterable[Entry]):
        self.by_key: dict[str, list[Entry]] = {}
        for e in entries:
            self.by_key.setdefault(e.key, []).append(e)
        for lst in self.by_key.values():  # exact-case entries are more specific: try them first
            lst.sort(key=lambda e: not e.case_sensitive)
        # one-word entries may stand as "unmet" candidates when only a positive condition fails
        # (an entry of several words may stand so too, but is applied only where the same entry's
        # condition holds elsewhere in the document: :func:`_table_repairs`)
        self._unmet = {
            e: dataclasses.replace(e, cls="unmet")
            for lst in self.by_key.values()
            for e in lst
            if e.clauses and e.fallback and not e.case_sensitive and e.cls in CLASSES
        }
        # anchor word (the key's rarest word; "-sure" for "-sure") -> (key, pattern)
        self._index: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        # the words of each key: a key whose words are not all among a text's words cannot match there
        self._needs: dict[str, frozenset[str]] = {}
        for k in self.by_key:
            words = _SCAN_WORD.findall(k)
            self._needs[k] = frozenset(words)
            anchor = "-" + words[0] if k.startswith("-") else min(words, key=lambda w: (_unigram(w), w))
            self._index.setdefault(anchor, []).append((k, re.compile(self._pattern(k), re.I)))
        self._plain = frozenset(w for w in self._index if not w.startswith("-"))
        self._hyph = frozenset(w[1:] for w in self._index if w.startswith("-"))
        self._anchors = self._plain | self._hyph
        # literal first (fast search), left word boundary checked by hand
        self._word_re = {w: re.compile(re.escape(w) + r"(?!\w)") for w in self._anchors}
        self._reach = max((len(k) for k in self.by_key), default=0) * 2 + 8

    @staticmethod
    def _pattern(key: str) -> str:
        r"""The regex of a key: its words joined by whitespace that holds at most one line break (a
        wrapped line, not a paragraph boundary).

        >>> p = re.compile(Matcher._pattern("right now"), re.I)
        >>> bool(p.search("is right\nnow")), bool(p.search("where right\n\nNow that")), bool(p.search("right  \t now"))
        (True, False, True)
        """
        body = _KEY_GAP.join(re.escape(w) for w in key.split())
        left = r"(?<=[\w.])" if key.startswith("-") else r"(?<!\w)"
        return left + body + r"(?!\w)"

    def candidates(self, text: str, ctx: "_Context") -> list[tuple[int, int, Entry]]:
        """Non-overlapping (start, end, entry) whose case and condition hold, left to right
        (where valid matches overlap, the one starting first, then the longer, wins)."""
        if not self._index:
            ctx.n_words = _word_count(text)
            return []
        hits: dict[tuple[int, int], tuple[int, int, Entry]] = {}
        reach, index = self._reach, self._index
        n = len(text)
        low = text.lower()
        k = linescore.kernels  # the compiled \w+ scanner: the same words (tests/test_linekernels.py)
        words = k.tokenize([low])[0] if k is not None else _SCAN_WORD.findall(low)
        ctx.n_words = len(words)
        vocab = frozenset(words)
        needs = self._needs
        for w in self._anchors & vocab:
            plain = [kp for kp in index.get(w, ()) if needs[kp[0]] <= vocab]
            hyph = [kp for kp in index.get("-" + w, ()) if needs[kp[0]] <= vocab] if w in self._hyph else []
            if not plain and not hyph:
                continue
            for m in self._word_re[w].finditer(low):
                a, b = m.start(), m.end()
                if a and (low[a - 1].isalnum() or low[a - 1] == "_"):
                    continue
                keys = plain + hyph if hyph and a >= 2 and text[a - 1] == "-" else plain
                for _k, pat in keys:
                    for m2 in pat.finditer(text, max(0, a - reach), min(n, b + reach)):
                        if m2.start() <= a and b <= m2.end() and (m2.start(), m2.end()) not in hits:
                            hit = self._first_valid(text, m2.start(), m2.end(), ctx)
                            if hit is not None:
                                hits[(m2.start(), m2.end())] = hit
        # matches whose condition holds first; an "unmet" one only where none of those overlaps it
        out: list[tuple[int, int, Entry]] = []
        pos = 0
        ordered = sorted(hits.items(), key=lambda kv: (kv[0][0], -kv[0][1]))
        for (a, b), hit in ordered:
            if a >= pos and hit[2].cls != "unmet":
                out.append(hit)
                pos = b
        if len(out) < len(ordered):  # (``out`` is sorted and its spans do not overlap: bisect)
            starts = [h[0] for h in out]
            extra: list[tuple[int, int, Entry]] = []
            last = -1
            for (a, b), hit in ordered:
                if hit[2].cls != "unmet" or a < last:
                    continue
                k = bisect.bisect_left(starts, b)  # the valid spans that start before this one ends
                if k and out[k - 1][1] > a:
                    continue
                extra.append(hit)
                last = b
            out = sorted(out + extra, key=lambda h: h[0])
        return out

    def _first_valid(self, text: str, start: int, end: int, ctx: "_Context"):
        matched = text[start:end]
        key = " ".join(matched.lower().split())
        norm = " ".join(matched.split())
        fallback = None
        for e in self.by_key.get(key, ()):
            if e.case_sensitive and e.spun != norm:
                continue
            if ctx.holds(e, start, end):
                return (start, end, e)
            if fallback is None and e in self._unmet and ctx.holds(e, start, end, positive=False):
                fallback = self._unmet[e]
        return (start, end, fallback) if fallback is not None else None


@functools.cache
def _default_matcher() -> Matcher:
    return Matcher(default_entries())


class _Context:
    """Lazy context of one text for condition checks (``around``: more text whose words the
    ``doc=`` conditions read too, e.g. the body of a title)."""

    def __init__(self, text: str, around: str = ""):
        self.text, self.around = text, around
        self._words: set[str] | None = None
        self.n_words = 0  # set by Matcher.candidates

    @property
    def words(self) -> set[str]:
        if self._words is None:
            self._words = set(re.findall(r"\w+(?:['’]\w+)*", self.text + "\n" + self.around))
        return self._words

    def prev_token(self, start: int) -> str:
        chunk = self.text[max(0, start - 60) : start]
        m = _LAST_TOKEN_REVERSED.match(chunk[chunk.rfind("\n") + 1 :].rstrip()[::-1])
        return m.group(0)[::-1] if m else "$"

    def next_token(self, end: int) -> str:
        chunk = self.text[end : end + 60]
        nl = chunk.find("\n")
        if nl >= 0:
            chunk = chunk[:nl]
        m = _TOKEN.search(chunk)
        return m.group() if m else "$"

    def holds(self, e: Entry, start: int, end: int, positive: bool = True) -> bool:
        """Whether every clause holds (``positive=False``: every negative clause, ignoring the rest)."""
        for name, neg, vals in e.clauses:
            if not (neg or positive):
                continue
            if name == "doc":
                ok = not vals.isdisjoint(self.words)
            else:
                tok = self.prev_token(start) if name == "prev" else self.next_token(end)
                ok = _token_in(tok, vals)
            if ok == neg:
                return False
        return True


def _single_words(e: Entry) -> bool:
    return " " not in e.key and " " not in e.original and not e.key.startswith("-")


def _token_in(tok: str, vals: frozenset[str]) -> bool:
    """Whether a condition's set holds ``tok``: the word itself (lower case, a final "." dropped),
    or one of the classes "#" (has a digit), "^" (capitalised), "~ed", "~ing" (the ending).

    >>> _token_in("spreading", frozenset({"~ing"})), _token_in("king", frozenset({"~ing"}))
    (True, False)
    >>> _token_in("U.S.", frozenset({"u.s"})), _token_in("2024", frozenset({"#"}))
    (True, True)
    """
    low = tok.lower()
    if low in vals or low.rstrip(".") in vals:
        return True
    if "#" in vals and any(c.isdigit() for c in tok):
        return True
    if "^" in vals and tok[:1].isupper():
        return True
    if "~ed" in vals and len(low) > 4 and low.endswith("ed"):
        return True
    if "~ing" in vals and len(low) > 5 and low.endswith("ing"):
        return True
    return False


# --------------------------------------------------------------------------- language model


@functools.lru_cache(maxsize=65536)
def _unigram(word: str) -> float:
    return max(word_frequency(word, "en"), 1e-8)


def _lm_tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


class NgramLM:
    """wordfreq unigram frequencies, optionally sharpened by bigram counts of clean text.

    ``P(b | a) = (c(a, b) + k * P_wordfreq(b)) / (c(a) + k)``: with no counts this is the
    wordfreq unigram model; counts from a corpus's clean documents pull it towards that
    corpus's own collocations.

    >>> lm = NgramLM()
    >>> lm.gain("the", "year", "twelve months", "ago") > 0
    True
    """

    def __init__(self, texts: Iterable[str] = (), k: float | None = None):
        self.k = float(section("spin")["bigram_k"] if k is None else k)
        self.bigrams: Counter[tuple[str, str]] = Counter()
        self.unigrams: Counter[str] = Counter()
        for t in texts:
            self.add(t)

    def add(self, text: str) -> None:
        toks = ["$"] + _lm_tokens(text)
        self.unigrams.update(toks)
        self.bigrams.update(zip(toks, toks[1:]))

    def logp(self, prev: str, word: str) -> float:
        pu = _unigram(word)
        if not self.unigrams:
            return math.log10(pu)
        return math.log10((self.bigrams.get((prev, word), 0) + self.k * pu) / (self.unigrams.get(prev, 0) + self.k))

    def seq_logp(self, toks: Sequence[str]) -> float:
        return sum(self.logp(a, b) for a, b in zip(toks, toks[1:]))

    def gain(self, left: str, new: str, old: str, right: str) -> float:
        """log10 P(left new right) - log10 P(left old right)."""
        lt, rt = left.lower(), right.lower()
        return self.seq_logp([lt, *_lm_tokens(new), rt]) - self.seq_logp([lt, *_lm_tokens(old), rt])


_PLAIN_LM = None


def _plain_lm() -> NgramLM:
    global _PLAIN_LM
    if _PLAIN_LM is None:
        _PLAIN_LM = NgramLM()
    return _PLAIN_LM


class BackgroundBigrams:
    """Bigram evidence from general English: the Google Books n-gram counts that ``symspellpy``
    ships (242k most frequent bigrams, 83k unigrams; MIT licence), read once, offline.

    ``P(b | a) = c(a, b) / c(a)`` for a listed bigram; an unlisted one is known to be rarer than
    the list's smallest count ``T``: it gets ``P_wordfreq(b)`` lifted by ``lift`` (in log space)
    towards the bound ``unseen_share * T / c(a)`` (a rare word is never listed, whatever its
    neighbours, so leaving it at its unigram probability would favour frequent words everywhere).

    >>> bg = background_bigrams()
    >>> bg.gain("central", "bank", "financial institution", "said") > 1
    True
    """

    UNIGRAMS = "frequency_dictionary_en_82_765.txt"
    BIGRAMS = "frequency_bigramdictionary_en_243_342.txt"

    def __init__(self, unigrams: dict[str, int], bigrams: dict[tuple[str, str], int], unseen_share: float = 0.5, lift: float = 0.0):
        self.uni, self.bi = unigrams, bigrams
        self.floor = min(bigrams.values(), default=1) * unseen_share
        self.lift = lift
        self._static: dict[str, tuple[float, int | None, float, bool]] = {}  # (:meth:`word_static`)

    @classmethod
    def load(cls) -> "BackgroundBigrams":
        from importlib import resources

        pkg = resources.files("symspellpy")
        was = gc.isenabled()
        gc.disable()  # 242k key tuples, no cycles: collecting while they are made costs a quarter of the load
        try:
            uni: dict[str, int] = {}
            for line in pkg.joinpath(cls.UNIGRAMS).read_text(encoding="utf-8").splitlines():
                w, _, c = line.partition(" ")
                if c:
                    uni[w] = int(c)
            bi: dict[tuple[str, str], int] = {}
            for line in pkg.joinpath(cls.BIGRAMS).read_text(encoding="utf-8").splitlines():
                parts = line.split(" ")
                if len(parts) == 3:
                    bi[(parts[0], parts[1])] = int(parts[2])
        finally:
            if was:
                gc.enable()
        cfg = section("spin")
        return cls(uni, bi, cfg["bigram_unseen_share"], cfg["bigram_unseen_lift"])

    def logp(self, a: str, b: str) -> float:
        pu = _unigram(b)
        ca = self.uni.get(a)
        if not ca or not b[:1].isalnum():
            return math.log10(pu)
        c = self.bi.get((a, b))
        if c is not None:
            return math.log10(c / ca)
        # unlisted: rarer than the list's floor, so at most floor / c(a); a rare word can never be
        # listed, so "unlisted" is weak evidence against it: lift it towards that bound by ``lift``
        lp, bound = math.log10(pu), math.log10(min(1.0, self.floor / ca))
        return lp + self.lift * (bound - lp) if bound > lp else bound

    def word_static(self, word: str) -> tuple[float, int | None, float, bool]:
        """What :meth:`logp` reads of ``word`` whichever its neighbour: log10 of its unigram
        probability, its count as a left word, the unlisted bound after it, and whether it starts
        with a letter or digit (kept per word: the decider asks it of thesaurus candidates only, so
        the memo is bounded by the thesaurus's vocabulary, not by the corpus's)."""
        got = self._static.get(word)
        if got is None:
            ca = self.uni.get(word)
            got = self._static[word] = (math.log10(_unigram(word)), ca, math.log10(min(1.0, self.floor / ca)) if ca else 0.0,
                                        word[:1].isalnum())
        return got

    def seq_logp(self, toks: Sequence[str]) -> float:
        return sum(self.logp(a, b) for a, b in zip(toks, toks[1:]))

    def gain(self, left: str, new: str, old: str, right: str) -> float:
        """log10 P(left new right) - log10 P(left old right)."""
        lt, rt = left.lower(), right.lower()
        return self.seq_logp([lt, *_lm_tokens(new), rt]) - self.seq_logp([lt, *_lm_tokens(old), rt])


@functools.cache
def background_bigrams() -> BackgroundBigrams:
    """The shared :class:`BackgroundBigrams` (loaded on first use: only spun documents need it)."""
    return BackgroundBigrams.load()


class BackgroundTrigrams:
    """Trigram evidence from general English: CMU Sphinx's generic US English language model
    (``en-us.lm.bin``: 72.5k words, 2.05M bigrams, 1.67M trigrams, Katz back-off; BSD licence),
    which the ``pocketsphinx`` wheel ships and whose ``NGramModel`` scores it offline (~0.4 µs a
    query, the file is read once, ~0.1 s). Lower-case words, no punctuation: a sentence is
    ``<s> w1 w2 ... </s>``.

    :meth:`window` is the log10 probability of the terms a word at one position takes part in:
    ``P(x | l2 l1) P(r1 | l1 x) P(r2 | x r1)``, so comparing two words at the same place compares
    the whole sentences. A word outside the vocabulary gets ``oov_logp`` for its own term (and
    its neighbours' terms back off past it).

    >>> tg = background_trigrams()
    >>> tg.window(["the", "central"], "bank", ["said", "on"]) > tg.window(["the", "central"], "financial", ["said", "on"])
    True
    """

    MODEL = ("model", "en-us", "en-us.lm.bin")
    LOG10_BASE = math.log10(1.0001)  # pocketsphinx's default log base: scores are log_1.0001 P

    def __init__(self, model: Any, oov_logp: float = -7.0):
        self.model = model
        self.oov_logp = oov_logp
        self._zero = model.prob([" "])  # its score of an unknown word (no word in it has a space)

    @classmethod
    def load(cls) -> "BackgroundTrigrams":
        import importlib.util
        from pathlib import Path

        spec = importlib.util.find_spec("pocketsphinx")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("spin repair needs the pocketsphinx package (its English trigram model)")
        from pocketsphinx import NGramModel

        path = Path(next(iter(spec.submodule_search_locations))).joinpath(*cls.MODEL)
        return cls(NGramModel.readfile(str(path)))

    def logp(self, word: str, hist: Sequence[str]) -> float:
        """log10 P(word | hist), ``hist`` nearest first (at most two words)."""
        v = self.model.prob([word, *hist])
        return self.oov_logp if v == self._zero else v * self.LOG10_BASE

    def terms(self, hist: Sequence[str], word: str, right: Sequence[str]) -> tuple[float, float]:
        """The terms ``word`` takes part in: log10 P(word | ``hist``, nearest first, up to two
        words), and log10 P of the (up to two) ``right`` words, in text order, after it (``</s>``
        ends a sentence)."""
        own, r = self.logp(word, hist), 0.0
        if right:
            r = self.logp(right[0], [word, *hist[:1]])
            if len(right) > 1 and right[0] != "</s>":
                r += self.logp(right[1], [right[0], word])
        return own, r

    def phrase_window(self, left: Sequence[str], words: Sequence[str], right: Sequence[str]) -> float:
        """log10 P of ``words`` and of the (up to two) ``right`` words after them, in text order,
        given ``left`` (up to two words, in text order; ``</s>`` ends a sentence): what a span of
        any length takes part in, for comparing a spun phrase with a candidate of another length.

        >>> tg = background_trigrams()
        >>> tg.phrase_window(["the"], ["central", "bank"], ["said", "on"]) > tg.phrase_window(["the"], ["central", "financial", "institution"], ["said", "on"])
        True
        """
        hist = list(reversed(left[-2:]))
        total = 0.0
        for w in [*words, *right]:
            total += self.logp(w, hist[:2])
            if w == "</s>":
                break
            hist.insert(0, w)
        return total

    def window(self, left: Sequence[str], word: str, right: Sequence[str]) -> float:
        """log10 P of the terms ``word`` takes part in between ``left`` (up to two words, in text
        order) and ``right`` (likewise; ``</s>`` ends a sentence)."""
        own, r = self.terms(list(reversed(left[-2:])), word, right)
        return own + r


@functools.cache
def background_trigrams() -> BackgroundTrigrams:
    """The shared :class:`BackgroundTrigrams` (loaded on first use: only spun documents need it)."""
    return BackgroundTrigrams.load()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Repair:
    """One change: ``text[start:end]`` was ``old`` and became ``new`` (offsets in the input)."""

    start: int
    end: int
    old: str
    new: str
    evidence: str

    def to_record(self) -> dict[str, Any]:
        return {"span": [self.start, self.end], "old": self.old, "new": self.new, "evidence": self.evidence}


@dataclass(frozen=True)
class DespinResult:
    text: str
    score: float
    flagged: bool
    repairs: tuple[Repair, ...] = ()
    spin_level: float | None = None  # the content check's document spin level, when it ran (:func:`content_spin_level`)


# --------------------------------------------------------------------------- detection


def _word_count(text: str) -> int:
    return len(_SCAN_WORD.findall(text))


def _score_from(cands: Iterable[tuple[int, int, Entry]], n_words: int, cfg: dict[str, Any], text: str | None = None) -> float:
    weight = sum(cfg[f"weight_{e.cls}"] for _s, _e, e in cands if e.cls in CLASSES and e.detect)
    words = max(n_words, cfg["min_words"])
    score = _squash(100.0 * weight / words, cfg)
    if text is not None and cfg["thesaurus"] and cfg["thesaurus_gray_low"] <= score < cfg["threshold"]:
        # some tells but not enough: the thesaurus layer's confident repairs count as hits too (a
        # spinner with tells this table does not know still leaves its thesaurus swaps); clean text
        # rarely reaches the gray zone, so this costs nothing on most documents
        # (only the decider's confident repairs: thesaurus_detect_threshold)
        # (and WordNet's and the family's only: the zone's bars were set on them, and Moby's loose
        # entries lifted a clean Wikipedia piece over the threshold)
        strict = dict(cfg, thesaurus_decider_threshold=max(cfg["thesaurus_decider_threshold"], cfg["thesaurus_detect_threshold"]),
                      thesaurus_odds_ratio=0.0, thesaurus_moby=False)
        weight += cfg["weight_thesaurus"] * len(_thesaurus_repairs(text, _plain_lm(), strict))
        score = _squash(100.0 * weight / words, cfg)
    return score


def content_spin_level(text: str, cfg: dict[str, Any] | None = None) -> float | None:
    """The document's spin level as the repair's decider reads it from the text alone: the
    log-odds of the mean probability, over its words with thesaurus candidates, that a candidate
    is the original (a spinner that swapped many words leaves many positions where a candidate
    fits better). ``None`` for text that is not English (``cleaners.language``) or has fewer than
    ``[spin] content_min_positions`` such words. It needs no tell of any spinner, so it finds
    spinners the table does not know; it costs the decider's pass over the whole document
    (~40 ms for a 700-word article), which is why ``[spin] content_check`` is off by default.

    >>> content_spin_level("Der Bundestag hat am Donnerstag das neue Gesetz zur Rente beschlossen.") is None
    True
    """
    cfg = cfg or section("spin")
    if detect_language(text)[0] != "en":
        return None
    got: list = []
    _thesaurus_repairs(text, _plain_lm(), cfg, positions=got)
    if not got or got[0][1]["level_positions"] < cfg["content_min_positions"]:
        return None
    return round(got[0][1]["doc_spin"], 4)


def site_verdict(levels: Sequence[float], cfg: dict[str, Any] | None = None) -> float | None:
    """The median of a site's sampled :func:`content_spin_level` values when the site spins:
    at least ``[spin] site_min_samples`` of them and a median at or over ``content_spin_level``
    (one document can read high by chance; a spinner's whole output reads high). ``None``
    otherwise.

    >>> site_verdict([-1.9, -2.0, -3.1]), site_verdict([-1.9, -3.0, -3.1]), site_verdict([-1.0, -1.0])
    (-2.0, None, None)
    """
    cfg = cfg or section("spin")
    if len(levels) < cfg["site_min_samples"]:
        return None
    median = statistics.median(levels)
    return round(median, 4) if median >= cfg["content_spin_level"] else None


def _content_check(text: str, score: float, cfg: dict[str, Any]) -> tuple[float, float | None]:
    """``(score, level)``: with ``[spin] content_check`` on, a document the tells leave under the
    threshold is flagged (its score raised to the threshold) when its :func:`content_spin_level`
    reaches ``content_spin_level``."""
    if not cfg["content_check"] or not cfg["thesaurus"] or score >= cfg["threshold"]:
        return score, None
    level = content_spin_level(text, cfg)
    if level is not None and level >= cfg["content_spin_level"]:
        score = cfg["threshold"]
    return score, level


def _squash(density: float, cfg: dict[str, Any]) -> float:
    return round(density / (density + cfg["half_density"]), 4)


def spin_score(text: str) -> float:
    """How likely ``text`` is machine-spun, in [0, 1] (flagged at ``[spin] threshold`` in settings.toml).

    The score is ``d / (d + half_density)`` where ``d`` is the class-weighted number of
    spinner tells per 100 words (short texts count as ``min_words`` long). A document in the gray
    zone (``thesaurus_gray_low`` <= score < threshold) also counts the thesaurus layer's repairs,
    ``weight_thesaurus`` each.

    >>> spin_score("Japanese Prime Minister Shinzo Abe said on Monday he would meet the president.")
    0.0
    >>> spin_score("Eastern High Minister Shinzo Abe talked about he might maybe maybe well well meet the president in Tokyo.") > 0.5
    True
    """
    cfg = section("spin")
    ctx = _Context(text)
    cands = _default_matcher().candidates(text, ctx)
    return _content_check(text, _score_from(cands, ctx.n_words, cfg, text), cfg)[0]


def is_spun(score: float) -> bool:
    """Whether a :func:`spin_score` flags the document (``[spin] threshold``)."""
    return score >= section("spin")["threshold"]


# --------------------------------------------------------------------------- repair


def _match_case(old: str, new: str) -> str:
    if old[:1].isupper() and new[:1].islower():
        if len(old) > 1 and old.isupper() and len(new) > 1:
            return new.upper()
        return new[:1].upper() + new[1:]
    return new


def _keep_full_stop(text: str, end: int, old: str, new: str) -> str:
    """``new``, with the full stop that the spun form ``old`` swallowed when it ended a sentence
    (the spinner's "p.c." for "percent" takes the sentence's own stop with it).

    >>> t = "Prices rose 3 p.c. Wages did not."
    >>> _keep_full_stop(t, t.index("p.c.") + 4, "p.c.", "percent")
    'percent.'
    >>> t = "Prices rose 3 p.c. in May."
    >>> _keep_full_stop(t, t.index("p.c.") + 4, "p.c.", "percent")
    'percent'
    """
    if not old.endswith(".") or new.endswith("."):
        return new
    after = text[end : end + 12]  # (a bounded look: spaces, then a line end or a capital)
    rest = after.lstrip(" \t")
    if end + len(after) >= len(text) and not rest.strip():
        return new + "."
    if rest[:1] in ("\n", "\r") or (rest != after and rest.lstrip("\"“‘(")[:1].isupper()):
        return new + "."
    return new


def _window_gain(text: str, start: int, end: int, new: str) -> float:
    """The trigram model's gain per word (of the longer side) for ``new`` in place of
    ``text[start:end]``, over the sentence window (two tokens each side, punctuation dropped).

    >>> t = "The airline talked about most of the flights were cancelled."
    >>> _window_gain(t, 12, 24, "said") > 1.0
    True
    >>> t = "At dinner they talked about the weather and football."
    >>> _window_gain(t, 15, 27, "said") < 1.0
    True
    """
    def words(s: str) -> list[str]:
        return [w.lower() for w in _TOKEN.findall(s) if w[:1].isalnum()]

    head, tail = text[max(0, start - 80) : start], text[end : end + 80]
    head = re.split(r"[.!?;:\n]\s", head)[-1]
    tail = re.split(r"[.!?;:\n]", tail)[0]
    left, right = words(head)[-2:], words(tail)[:2]
    old_w, new_w = words(text[start:end]), words(new)
    tg = background_trigrams()
    return (tg.phrase_window(left, new_w, right) - tg.phrase_window(left, old_w, right)) / max(len(old_w), len(new_w), 1)


def _table_repairs(
    text: str,
    matcher: Matcher,
    lm: NgramLM,
    cfg: dict[str, Any],
    ctx: _Context,
    taken: list[tuple[int, int]] = (),
    cands: list[tuple[int, int, Entry]] | None = None,
) -> list[Repair]:
    out = []
    if cands is None:
        cands = matcher.candidates(text, ctx)
    # a spinner prints the same form for the same word throughout: where an entry's condition
    # holds somewhere in the document, its unmet matches elsewhere are weighed with prior_echo
    met = {(e.spun.lower(), e.original.lower()) for _a, _b, e in cands if e.cls != "unmet"}
    for start, end, e in cands:
        if any(start < b and a < end for a, b in taken):
            continue
        echo = e.cls == "unmet" and (e.spun.lower(), e.original.lower()) in met
        if e.cls == "unmet" and not echo and not _single_words(e):
            continue
        old = text[start:end]
        new = _keep_full_stop(text, end, old, _match_case(old, e.original))
        if new == old:
            continue
        left, right = ctx.prev_token(start), ctx.next_token(end)
        gain = lm.gain(left, new, old, right)
        prior = cfg["prior_echo"] if echo else cfg[f"prior_{e.cls}"]
        if gain + prior <= cfg["min_gain"]:
            continue
        if echo and not _single_words(e) and _window_gain(text, start, end, new) < cfg["echo_min_window_gain"]:
            continue  # a form of several words is ordinary English where its condition fails: the trigram model must agree
        cond = f" when {e.condition}" if e.condition and e.cls != "unmet" else ""
        if e.cls == "unmet":
            cond = f" (context condition {e.condition!r} unmet" + ("; it holds elsewhere in the document)" if echo else ")")
        out.append(Repair(start, end, old, new, f"{e.cls} table entry '{e.spun}'→'{e.original}'{cond}; LM gain {gain:+.2f} + prior {prior:+.1f}"))
    return out


# --------------------------------------------------------------------------- thesaurus layer

THESAURUS_FILE = "spin_thesaurus.tsv.gz"


def _read_gz_lines(name: str) -> Iterator[str]:
    with gzip.open(data_path(name).open("rb"), "rt", encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                yield line.rstrip("\n")


def _read_gz_table(name: str) -> dict[str, str]:
    """key -> raw value of a gzipped ``key<TAB>value`` data file (the candidate tables)."""
    out = {}
    for line in _read_gz_lines(name):
        k, _, v = line.partition("\t")
        out[k] = v
    return out


class _Candidates(Mapping):
    """Spun form -> candidates, parsed from the raw TSV values on first lookup (the files hold 131k
    forms and a document looks up a few hundred: parsing all of them would cost seconds). The
    spinner family's single-word candidates (:func:`family_candidates`) come first, then
    WordNet's, then Moby's (:func:`_moby_raw`) that WordNet lacks."""

    def __init__(self, raw: dict[str, str], costs: bool, family: Mapping[str, tuple[str, ...]], moby: dict[str, str]):
        self._raw, self._costs, self._family, self._moby = raw, costs, family, moby

    def _merged(self, key: str) -> tuple[tuple[str, float], ...]:
        return _merged_candidates(key, self._raw.get(key, ""), self._family.get(key, ()), self._moby.get(key, ""))

    def __getitem__(self, key: str) -> tuple:
        parsed = self._merged(key)
        if not parsed:
            raise KeyError(key)
        return parsed if self._costs else tuple(w for w, _c in parsed)

    def __iter__(self) -> Iterator[str]:
        return (k for k in {**self._raw, **dict.fromkeys(self._family), **self._moby} if k in self)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self._merged(key))

    def __len__(self) -> int:
        return sum(1 for _k in self)


FAMILY_FILE = "spin_family.tsv"
# -log10 P(the spinner printed this form | the original) for a family candidate: the family maps a
# word to its output deterministically (seed 003 swapped nearly every word it knew), so 0
FAMILY_CHANNEL_COST = 0.0


def parse_family(text: str, name: str = FAMILY_FILE) -> dict[str, tuple[str, ...]]:
    """Spun form -> originals from the text of a family file (see ``data/spin_family.tsv``).

    >>> parse_family("# comment\\nstrive|strives\\ttry|tries\\nstrive\\taim\\n")
    {'strive': ('try', 'aim'), 'strives': ('tries',)}
    >>> parse_family("strive|strives\\ttry\\n")
    Traceback (most recent call last):
    ...
    ValueError: spin_family.tsv line 1: want 'spun|forms<TAB>original|forms', as many on each side, lower-case single words: 'strive|strives\\ttry'
    """
    out: dict[str, list[str]] = {}
    for n, line in data_lines(text):
        cols = line.split("\t")
        spun, orig = (c.split("|") for c in cols) if len(cols) == 2 else ([], [])
        if not spun or len(spun) != len(orig) or any(not w or " " in w or w != w.lower() for w in spun + orig):
            raise ValueError(f"{name} line {n}: want 'spun|forms<TAB>original|forms', as many on each side, "
                             f"lower-case single words: {line!r}")
        for s, o in zip(spun, orig):
            if o not in out.setdefault(s, []):
                out[s].append(o)
    return {k: tuple(v) for k, v in out.items()}


@functools.cache
def family_candidates() -> Mapping[str, tuple[str, ...]]:
    """Spun form -> originals from ``data/spin_family.tsv``: single-word outputs of the news-spinner
    family that are ordinary English ("strengthen" for "support", "unusual" for "new"), so only the
    decider, reading their context, may apply them.

    >>> family_candidates()["strengthened"]
    ('supported',)
    >>> thesaurus()["strengthen"][0]
    'support'
    """
    return parse_family(read_data_text(FAMILY_FILE))


def candidate_source(spun: str, cand: str) -> str:
    """Where a thesaurus-layer candidate comes from, for a repair's evidence.

    >>> candidate_source("strengthen", "support"), candidate_source("curiosity", "interest")
    ('spinner-family list', 'WordNet')
    >>> candidate_source("metropolis", "town")
    'Moby thesaurus'
    """
    if cand in family_candidates().get(spun, ()):
        return "spinner-family list"
    return "Moby thesaurus" if cand in moby_only(spun) else "WordNet"


MOBY_FILE = "spin_moby.tsv.gz"


@functools.cache
def _moby_raw() -> dict[str, str]:
    """Spun form -> raw candidates from ``data/spin_moby.tsv.gz``: Moby Thesaurus II (public
    domain; far broader than WordNet), inverted by
    ``scripts/make_spin_thesaurus.py --moby`` (words that list each other only). Of the 58
    single-word swaps in seed 003 whose original is known, WordNet lists 14 and Moby 33."""
    return _read_gz_table(MOBY_FILE)


@functools.lru_cache(maxsize=1 << 14)
def moby_only(spun: str) -> frozenset[str]:
    """The candidates of ``spun`` that only Moby lists (neither WordNet nor the family list), for
    a repair's evidence.

    >>> sorted(moby_only("metropolis"))[:3], "city" in moby_only("metropolis")
    (['capital', 'district', 'government'], False)
    """
    merged = thesaurus_costs().get(spun, ())
    known = {w for w, _c in _merged_candidates(spun, _thesaurus_raw().get(spun, ""), family_candidates().get(spun, ()), "")}
    return frozenset(w for w, _c in merged if w not in known)


def without_moby(spun: str, cands: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """``cands`` of ``spun`` less those only Moby lists: what the spin level, detection's gray zone
    and ``thesaurus_moby = false`` read."""
    moby = moby_only(spun)
    return [(w, c) for w, c in cands if w not in moby]


def clear_candidate_caches() -> None:
    """Forget the merged candidate mappings, after the family list or a candidate file was swapped
    (benchmarks and tests compare the layer with and without one)."""
    for cache in (thesaurus, thesaurus_costs, moby_only):
        cache.cache_clear()


SPELLING_FILE = "spelling_variants.tsv"


def parse_spelling_rules(text: str, name: str = SPELLING_FILE) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Rewrites (pattern, replacement), in order, from the text of a spelling-variants file.

    >>> [(p.pattern, r) for p, r in parse_spelling_rules("# comment\\nogue(?=s?$)\\tog\\n")]
    [('ogue(?=s?$)', 'og')]
    >>> parse_spelling_rules("our(\\tor\\n")
    Traceback (most recent call last):
    ...
    ValueError: spelling_variants.tsv line 1: bad pattern 'our(': missing ), unterminated subpattern at position 3
    """
    rules = []
    for n, line in data_lines(text):
        pat, sep, rep = line.partition("\t")
        try:
            rules.append((re.compile(pat), rep))
        except re.error as exc:
            raise ValueError(f"{name} line {n}: bad pattern {pat!r}: {exc}") from None
        if not sep:
            raise ValueError(f"{name} line {n}: want 'pattern<TAB>replacement': {line!r}")
    return tuple(rules)


@functools.cache
def _spelling_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The rewrites of ``data/spelling_variants.tsv``."""
    return parse_spelling_rules(read_data_text(SPELLING_FILE))


def _spelling_key(word: str) -> str:
    for pat, rep in _spelling_rules():
        word = pat.sub(rep, word)
    return word


def spelling_variants(a: str, b: str) -> bool:
    """Whether two words are British and American spellings of one word (by the rewrites of
    ``data/spelling_variants.tsv``).

    >>> spelling_variants("kilometres", "kilometers"), spelling_variants("favourable", "favorable")
    (True, True)
    >>> spelling_variants("travellers", "travelers"), spelling_variants("industrialised", "industrialized")
    (True, True)
    >>> spelling_variants("defence", "defense"), spelling_variants("metres", "times")
    (True, False)
    >>> spelling_variants("prise", "prize"), spelling_variants("tour", "tor")  # too short to tell
    (False, False)
    """
    return a != b and _spelling_key(a) == _spelling_key(b)


@functools.lru_cache(maxsize=1 << 16)  # (the one cache of parsed candidates: _parse_candidates is read only here)
def _merged_candidates(key: str, raw: str, family: tuple[str, ...], moby: str = "") -> tuple[tuple[str, float], ...]:
    merged = tuple((w, FAMILY_CHANNEL_COST) for w in family) + tuple((w, c) for w, c in _parse_candidates(raw) if w not in family)
    seen = {w for w, _c in merged}
    merged += tuple((w, c) for w, c in _parse_candidates(moby) if w not in seen)
    return tuple((w, c) for w, c in merged if not spelling_variants(key, w))


@functools.cache
def _thesaurus_raw() -> dict[str, str]:
    return _read_gz_table(THESAURUS_FILE)


def _parse_candidates(raw: str) -> tuple[tuple[str, float], ...]:
    func = _function_words()
    cands = []
    for item in raw.split("|"):
        w, _, c = item.rpartition(":")
        if not set(w.split()) <= func:
            cands.append((w, float(c)))
    return tuple(cands)


@functools.cache
def thesaurus() -> Mapping[str, tuple[str, ...]]:
    """Spun form -> possible originals (best first), from ``data/spin_thesaurus.tsv.gz``.

    Generated from WordNet 3.0 by ``scripts/make_spin_thesaurus.py``: the original of a spun
    word is one of the words whose thesaurus entry (synonyms, generic terms, similar terms)
    contains it, every inflection paired with the same inflection.

    >>> "interest" in thesaurus()["curiosity"] and "bank" in thesaurus()["financial institution"]
    True
    """
    return _Candidates(_thesaurus_raw(), costs=False, family=family_candidates(), moby=_moby_raw())


@functools.cache
def thesaurus_costs() -> Mapping[str, tuple[tuple[str, float], ...]]:
    """Spun form -> (original, channel cost) pairs: the cost is log10 of the number of forms the
    original's entry offers a spinner, i.e. -log10 P(spinner printed this form | original).
    Candidates made only of function words ("up on") are left out: spinners swap content words."""
    return _Candidates(_thesaurus_raw(), costs=True, family=family_candidates(), moby=_moby_raw())


@functools.cache
def _function_words() -> frozenset[str]:
    """English function words (``data/stopwords.txt``): spinners swap these only by fixed tells."""
    for raw in read_data_text("stopwords.txt").splitlines():
        lang, _, words = raw.partition("\t")
        if lang == "en":
            return frozenset(words.split())
    return frozenset()


@functools.cache
def _thesaurus_max_len() -> int:
    return max((k.count(" ") + 1 for k in _thesaurus_raw()), default=1)


def _thesaurus_repairs(
    text: str,
    lm: NgramLM,
    cfg: dict[str, Any],
    taken: Sequence[Repair] = (),
    collect: list | None = None,
    positions: list | None = None,
) -> list[Repair]:
    """Repairs from the reverse candidates (the family list's, WordNet's, Moby's), accepted only on
    strong context evidence.

    1. a spun form of two or more words ("financial institution") is replaced by its best
       candidate when ``LM gain per word + prior_thesaurus_phrase > thesaurus_min_gain``; the gain
       is the background bigrams' plus ``thesaurus_phrase_trigram_weight`` times the trigram
       model's over the sentence window (both per word of the longer side);
    2. single words are decoded jointly over the document: every word with candidates may stay
       or become one of them, each change costing ``prior_thesaurus`` plus the candidate's channel
       cost (log10; ``thesaurus_cache_bonus`` back when the document uses the candidate
       elsewhere), and the sequence with the best background-bigram probability plus costs wins
       (Viterbi); in the corpus step the clean documents' bigrams add their lift over wordfreq
       (``thesaurus_corpus_weight``). Neighbouring spun words are so repaired together, and the
       table's repairs (``taken``) are fixed context.

    >>> t = "Police said her male sibling was arrested on Monday."
    >>> [(r.old, r.new) for r in _thesaurus_repairs(t, _plain_lm(), section("spin"))]
    [('male sibling', 'brother')]
    """
    thes = thesaurus()
    costs = thesaurus_costs()
    channel = cfg["thesaurus_channel_weight"]
    bg = background_bigrams()
    func = _function_words()
    toks = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    low = [t.lower() for t, _a, _b in toks]
    max_zipf_spun = 10 ** (cfg["thesaurus_max_spun_zipf"] - 9)
    maxlen = _thesaurus_max_len()
    fixed: list[tuple[int, int, str]] = [(r.start, r.end, r.new) for r in taken]
    out: list[Repair] = []

    def ok_word(i: int) -> bool:
        t, a, _b = toks[i]
        if not t[:1].isalpha() or low[i] in func:
            return False
        if t[:1].isupper():  # a name, unless it opens a sentence or line
            if len(t) > 1 and t.isupper():
                return False
            j = i - 1
            if j >= 0 and toks[j][0] not in (".", "!", "?", '"', "“", ":") and "\n" not in text[toks[j][2] : a]:
                return False
        return True

    def adjacent(i: int, j: int) -> bool:
        return text[toks[i][2] : toks[j][1]] == " "

    def in_fixed(a: int, b: int) -> bool:
        return any(a < y and x < b for x, y, _n in fixed)

    # 1. multi-word spun forms, greedy left to right
    doc_text = " " + " ".join(low) + " "
    tri_w = cfg["thesaurus_phrase_trigram_weight"]
    tg = background_trigrams() if tri_w else None
    seq: list[str] | None = None  # the document as the trigram model reads it, made on first use
    at: list[int] = []
    i = 0
    while i < len(toks):
        best = None
        if ok_word(i):
            for n in range(min(maxlen, len(toks) - i), 1, -1):
                if not all(adjacent(i + k, i + k + 1) for k in range(n - 1)) or not ok_word(i + n - 1):
                    continue
                spun = " ".join(low[i : i + n])
                cands = thes.get(spun)
                if not cands or in_fixed(toks[i][1], toks[i + n - 1][2]):
                    continue
                lt = low[i - 1] if i else "$"
                rt = low[i + n] if i + n < len(low) else "$"
                tri_left: list[str] = []
                tri_right: list[str] = []
                if tri_w:
                    if seq is None:  # first use, before any phrase repair: the table's repairs are its context
                        seq, at = _trigram_sequence(text, toks, low, sorted(fixed))
                    tri_left = _trigram_context(seq, at[i])[0]
                    tri_right = _trigram_context(seq, at[i + n - 1])[1]
                    spun_tri = tg.phrase_window(tri_left, low[i : i + n], tri_right)
                # evidence per word: background-bigram gain plus the trigram model's gain over the
                # sentence window; the choice among candidates also weighs the channel (how many
                # forms the candidate's entry offers) and whether the document uses the candidate
                for w, c in costs[spun][: cfg["thesaurus_max_options"]]:
                    per = max(len(w.split()), n)
                    g = bg.gain(lt, w, spun, rt) / per
                    if tri_w:
                        g += tri_w * (tg.phrase_window(tri_left, w.split(), tri_right) - spun_tri) / per
                    sel = g - cfg["thesaurus_phrase_channel_weight"] * c + (cfg["thesaurus_cache_bonus"] if f" {w} " in doc_text else 0.0)
                    if best is None or sel > best[3]:
                        best = (g, n, w, sel)
                if best is not None:
                    break
        if best is None or best[0] + cfg["prior_thesaurus_phrase"] <= cfg["thesaurus_min_gain"]:
            i += 1
            continue
        g, n, w, _sel = best
        a, b = toks[i][1], toks[i + n - 1][2]
        old = text[a:b]
        ev = (f"thesaurus candidate '{old.lower()}'→'{w}' (WordNet); LM gain {g:+.2f}/word (bigrams"
              + (f" + {tri_w:g} × trigram window" if tri_w else "") + f") + prior {cfg['prior_thesaurus_phrase']:+.1f} > {cfg['thesaurus_min_gain']:g}")
        out.append(Repair(a, b, old, _match_case(old, w), ev))
        fixed.append((a, b, out[-1].new))
        i += n

    # 2. single words: a calibrated classifier (``data/spin_decider.json``) or the joint decoding
    if collect is not None:  # the decider's inputs, for fitting it (scripts/fit_spin_decider.py)
        collect.extend((toks[i], opts) for i, opts in word_options(text, toks, low, ok_word, fixed, cfg))
        return out
    if positions is not None:  # the printed-word model's inputs: (token, features) per position
        rows, _doc_spin = decider_choices(text, toks, low, ok_word, fixed, cfg, Counter(low))
        positions.extend((toks[pos.i], side) for pos, _z, _k, side in rows)
        return out
    if cfg["thesaurus_decider"] == "logistic":
        out += _decider_repairs(text, toks, low, ok_word, fixed, cfg)
        out.sort(key=lambda r: r.start)
        return out
    # 2. single words, decoded jointly. Nodes: (options, token span); option = (words, cost)
    prior = cfg["prior_thesaurus"]
    lam = cfg["thesaurus_unigram_weight"]
    corpus_w = cfg["thesaurus_corpus_weight"] if lm.unigrams else 0.0
    cache = cfg["thesaurus_cache_bonus"]
    counts = Counter(low)
    max_opts = cfg["thesaurus_max_options"]
    fixed.sort()
    nodes: list[tuple[list[tuple[tuple[str, ...], float]], int, int]] = []
    fi = 0
    i = 0
    while i < len(toks):
        a, b = toks[i][1], toks[i][2]
        while fi < len(fixed) and fixed[fi][1] <= a:
            fi += 1
        if fi < len(fixed) and fixed[fi][0] < b:  # inside a repair already made: its output is context
            x, y, new = fixed[fi]
            nodes.append(([(tuple(_lm_tokens(new)) or ("$",), 0.0)], -1, -1))
            while i < len(toks) and toks[i][1] < y:
                i += 1
            fi += 1
            continue
        opts = [((low[i],), 0.0)]
        if ok_word(i) and _unigram(low[i]) <= max_zipf_spun:
            cands = costs.get(low[i], ())[:max_opts]
            for w, c in cands if cfg["thesaurus_moby"] else without_moby(low[i], cands):
                if " " not in w:  # a phrase for one word ("resign" -> "give up") is mostly damage
                    opts.append(((w,), prior - channel * c + (cache if counts[w] else 0.0)))
        nodes.append((opts, i, i))
        i += 1
    # Viterbi over nodes; state = option index at the previous node
    prev_scores = [0.0]
    prev_last = ["$"]
    back: list[list[int]] = []
    for opts, _i, _j in nodes:
        scores, lasts, bp = [], [], []
        for words, cost in opts:
            inner = bg.seq_logp(words) if len(words) > 1 else 0.0
            # a word's own frequency counts with weight lam; the rest of its score is how much
            # its left neighbour raises it (log P(b | a) - (1 - lam) log P(b))
            free = (1.0 - lam) * math.log10(_unigram(words[0]))
            best_k, best_v = 0, -math.inf
            for k, pl in enumerate(prev_last):
                v = prev_scores[k] + bg.logp(pl, words[0]) - free
                if corpus_w:  # the corpus's clean documents: how much more than wordfreq they say
                    v += corpus_w * (lm.logp(pl, words[0]) - math.log10(_unigram(words[0])))
                if v > best_v:
                    best_k, best_v = k, v
            scores.append(best_v + inner + cost)
            lasts.append(words[-1])
            bp.append(best_k)
        back.append(bp)
        prev_scores, prev_last = scores, lasts
    choice = [max(range(len(prev_scores)), key=prev_scores.__getitem__)] if nodes else []
    for n in range(len(nodes) - 1, 0, -1):
        choice.append(back[n][choice[-1]])
    choice.reverse()
    # group neighbouring changed words into one repair each (their evidence is joint)
    k = 0
    while k < len(nodes):
        if choice[k] == 0 or nodes[k][1] < 0:
            k += 1
            continue
        m = k
        while m + 1 < len(nodes) and choice[m + 1] != 0 and nodes[m + 1][1] >= 0 and adjacent(nodes[m][2], nodes[m + 1][1]):
            m += 1
        a, b = toks[nodes[k][1]][1], toks[nodes[m][2]][2]
        old = text[a:b]
        new_words = [" ".join(nodes[q][0][choice[q]][0]) for q in range(k, m + 1)]
        new = _match_case(old, " ".join(new_words))
        lt = low[nodes[k][1] - 1] if nodes[k][1] > 0 else "$"
        rt = low[nodes[m][2] + 1] if nodes[m][2] + 1 < len(low) else "$"
        g = bg.gain(lt, new, old, rt)
        cost = sum(nodes[q][0][choice[q]][1] for q in range(k, m + 1))
        sources = sorted({candidate_source(" ".join(low[nodes[q][1] : nodes[q][2] + 1]), w) for q, w in zip(range(k, m + 1), new_words)})
        ev = (f"thesaurus candidate{'s' if m > k else ''} '{old.lower()}'→'{new.lower()}' ({' and '.join(sources)}), chosen jointly "
              f"with its neighbours; LM gain {g:+.2f} + prior and channel {cost:+.1f}")
        out.append(Repair(a, b, old, new, ev))
        k = m + 1
    out.sort(key=lambda r: r.start)
    return out


DECIDER_FILE = "spin_decider.json"
DECIDER_FEATURES = (
    "bias", "left_gain", "right_gain", "unigram_ratio", "channel_cost", "cand_in_doc", "spun_in_doc",
    "spun_zipf", "cand_rank", "n_cands", "left_listed_cand", "right_listed_cand", "left_listed_spun",
    "right_listed_spun", "cand_zipf", "spun_left_pmi", "spun_right_pmi", "cand_left_pmi", "cand_right_pmi",
    "left_gain_pos", "right_gain_pos", "best_gain_here", "is_best_gain", "n_better",
    "tri_left_gain", "tri_right_gain", "tri_gain_pos", "tri_is_best", "tri_n_better", "tri_cand_oov", "tri_spun_oov",
)


# P(the printed word is the original) at a position (fitted on the dev part at several spin rates)
PRINTED_FEATURES = (
    "bias", "best_z", "spun_left_pmi", "spun_right_pmi", "spun_in_doc", "spun_zipf", "n_cands", "left_listed_spun",
    "right_listed_spun", "tri_spun_oov", "best_gain_here", "n_better", "tri_n_better", "best_tri_gain", "doc_spin",
)


@functools.cache
def printed_weights() -> dict[str, float]:
    """Weights of P(the printed word is the original) (``printed_weights`` of ``data/spin_decider.json``,
    fitted by ``scripts/fit_spin_decider.py`` on the dev part, spun at several rates)."""
    w = json.loads(read_data_text(DECIDER_FILE))["printed_weights"]
    if set(w) != set(PRINTED_FEATURES):
        raise ValueError(f"{DECIDER_FILE}: printed features {sorted(w)} do not match {PRINTED_FEATURES}")
    return {k: float(v) for k, v in w.items()}


@functools.cache
def decider_weights(which: str = "weights") -> dict[str, float]:
    """Weights of the single-word decision (``data/spin_decider.json``, fitted by
    ``scripts/fit_spin_decider.py`` on the dev part of the thesaurus-spun benchmark only):
    ``"weights"`` fitted on documents spun at 35 %, ``"weights_high"`` on documents spun at
    35, 70 and 100 %, for documents whose spin level says a spinner swapped most of what it knew
    (:func:`decider_choices`)."""
    data = json.loads(read_data_text(DECIDER_FILE))
    w = data[which]
    if set(w) != set(DECIDER_FEATURES):
        raise ValueError(f"{DECIDER_FILE}: {which} features {sorted(w)} do not match {DECIDER_FEATURES}")
    return {k: float(v) for k, v in w.items()}


def word_features(
    spun: str, cand: str, cost: float, rank: int, n_cands: int, left: str, right: str, counts: Mapping[str, int],
    here: dict[str, float] | None = None,
) -> dict[str, float]:
    """Evidence for "``cand`` was the original of the spun word ``spun``" between ``left`` and
    ``right`` (lower case): background-bigram gains on each side, whether each bigram is listed
    at all, frequencies, the channel cost, and whether the document uses either word elsewhere
    (a spinner leaves most occurrences of a word alone). ``here``: the printed word's side of the
    evidence (:func:`_spun_side`), computed once for all the candidates of a position."""
    bg = background_bigrams()
    h = here if here is not None else _spun_side(spun, left, right, counts)
    lu_c = math.log10(_unigram(cand))
    l_c, l_s = bg.logp(left, cand), h["l_s"]
    r_c = bg.logp(cand, right) - h["lu_right"] if h["word_right"] else 0.0
    r_s = h["r_s"]
    return {
        "bias": 1.0,
        "left_gain": l_c - l_s,
        "right_gain": r_c - r_s,
        "spun_left_pmi": l_s - h["lu_s"],
        "spun_right_pmi": r_s,
        "cand_left_pmi": l_c - lu_c,
        "cand_right_pmi": r_c,
        "left_gain_pos": max(l_c - l_s, 0.0),
        "right_gain_pos": max(r_c - r_s, 0.0),
        "unigram_ratio": lu_c - h["lu_s"],
        "channel_cost": cost,
        "cand_in_doc": math.log1p(counts.get(cand, 0)),
        "spun_in_doc": h["spun_in_doc"],
        "spun_zipf": h["lu_s"] + 9.0,
        "cand_rank": math.log1p(rank),
        "n_cands": math.log1p(n_cands),
        "left_listed_cand": 1.0 if (left, cand) in bg.bi else 0.0,
        "right_listed_cand": 1.0 if (cand, right) in bg.bi else 0.0,
        "left_listed_spun": h["left_listed_spun"],
        "right_listed_spun": h["right_listed_spun"],
        "cand_zipf": lu_c + 9.0,
    }


def _spun_side(spun: str, left: str, right: str, counts: Mapping[str, int]) -> dict[str, float]:
    """The evidence of :func:`word_features` that depends on the printed word only."""
    bg = background_bigrams()
    word_right = right[:1].isalnum()
    lu_right = math.log10(_unigram(right)) if word_right else 0.0
    return {
        "lu_s": math.log10(_unigram(spun)),
        "l_s": bg.logp(left, spun),
        "word_right": word_right,
        "lu_right": lu_right,
        "r_s": bg.logp(spun, right) - lu_right if word_right else 0.0,
        "spun_in_doc": math.log1p(max(counts.get(spun, 0) - 1, 0)),
        "left_listed_spun": 1.0 if (left, spun) in bg.bi else 0.0,
        "right_listed_spun": 1.0 if (spun, right) in bg.bi else 0.0,
    }


class _Position(NamedTuple):
    """A word the decider may change, with everything its candidates' features need."""

    i: int  # token index
    spun: str  # the printed word, lower case
    cands: list[tuple[str, float]]  # (candidate, channel cost), best first
    left: str  # bigram neighbours (a repair already made there gives its output)
    right: str
    here: dict[str, float]  # the printed word's side of the evidence (:func:`_spun_side`)
    tri_left: list[str]  # trigram context within the sentence (``<s>``/``</s>`` at its ends)
    tri_right: list[str]


def _positions(
    text: str,
    toks: Sequence[tuple[str, int, int]],
    low: Sequence[str],
    ok_word,
    fixed: Sequence[tuple[int, int, str]],
    cfg: dict[str, Any],
    counts: Mapping[str, int],
) -> Iterator[_Position]:
    """Every single word the decider may change; the neighbours are the document's tokens, or
    the output of a repair already made there."""
    costs = thesaurus_costs()
    max_zipf_spun = 10 ** (cfg["thesaurus_max_spun_zipf"] - 9)
    max_opts = cfg["thesaurus_max_options"]
    use_moby = cfg["thesaurus_moby"]
    spans = sorted(fixed)
    starts = [a for a, _b, _n in spans]
    seq: list[str] | None = None  # the document as the trigram model reads it, made on first use
    at: list[int] = []

    def fixed_at(pos: int) -> tuple[int, int, str] | None:
        k = bisect.bisect_right(starts, pos) - 1
        if k >= 0 and spans[k][0] <= pos < spans[k][1]:
            return spans[k]
        return None

    def neighbour(i: int, step: int) -> str:
        j = i + step
        if j < 0 or j >= len(toks):
            return "$"
        f = fixed_at(toks[j][1])
        if f is not None:
            lt = _lm_tokens(f[2]) or ["$"]
            return lt[-1] if step < 0 else lt[0]
        return low[j]

    for i in range(len(toks)):
        if not ok_word(i) or _unigram(low[i]) > max_zipf_spun or fixed_at(toks[i][1]) is not None:
            continue
        cands = [(w, c) for w, c in costs.get(low[i], ()) if " " not in w][:max_opts]
        if not use_moby and cands:
            cands = without_moby(low[i], cands)
        if not cands:
            continue
        left, right = neighbour(i, -1), neighbour(i, 1)
        if seq is None:
            seq, at = _trigram_sequence(text, toks, low, spans)
        yield _Position(i, low[i], cands, left, right, _spun_side(low[i], left, right, counts), *_trigram_context(seq, at[i]))


def _options(p: _Position, counts: Mapping[str, int]) -> list[tuple[str, dict[str, float]]]:
    """The position's candidates with their features (:data:`DECIDER_FEATURES`, by name)."""
    opts = [(w, word_features(p.spun, w, c, r, len(p.cands), p.left, p.right, counts, p.here))
            for r, (w, c) in enumerate(p.cands)]
    _trigram_features(background_trigrams(), p.spun, opts, p.tri_left, p.tri_right)
    # how the position's candidates compare with each other: the best two-sided gain here, whether
    # this candidate has it, and how many candidates fit better than the printed word
    gains = [f["left_gain"] + f["right_gain"] for _w, f in opts]
    top = max(gains)
    n_better = math.log1p(sum(1 for g in gains if g > 0))
    for (_w, f), g in zip(opts, gains):
        f["best_gain_here"] = top
        f["is_best_gain"] = 1.0 if g == top else 0.0
        f["n_better"] = n_better
    return opts


def word_options(
    text: str,
    toks: Sequence[tuple[str, int, int]],
    low: Sequence[str],
    ok_word,
    fixed: Sequence[tuple[int, int, str]],
    cfg: dict[str, Any],
) -> Iterator[tuple[int, list[tuple[str, dict[str, float]]]]]:
    """(token index, [(candidate, features), ...]) for every single word the decider may change
    (the features by name: what ``scripts/fit_spin_decider.py`` fits and the evidence shows)."""
    counts = Counter(low)
    for p in _positions(text, toks, low, ok_word, fixed, cfg, counts):
        yield p.i, _options(p, counts)


def _best_option(p: _Position, counts: Mapping[str, int], w: Mapping[str, float]) -> tuple[float, int, dict[str, float]]:
    """The decider's log-odds for the position's best candidate and its rank: the same weighted
    sum of the same features as :func:`_options` gives (to rounding: the terms are added in
    another order), without building a feature table per candidate, so a document costs about a
    third. The parts that do not depend on the candidate are summed once per position, and the
    background models are read inline (:meth:`BackgroundBigrams.logp`,
    :meth:`BackgroundTrigrams.terms`, the same arithmetic). The third value: the position's
    :data:`PRINTED_FEATURES` but ``doc_spin``, which needs every position (:func:`decider_choices`
    adds it)."""
    bg, tg = background_bigrams(), background_trigrams()
    bi, uni, h, left, right = bg.bi, bg.uni, p.here, p.left, p.right
    lu_s, l_s, r_s, lu_right, word_right = h["lu_s"], h["l_s"], h["r_s"], h["lu_right"], h["word_right"]
    hist, tr, oov = list(reversed(p.tri_left)), p.tri_right, tg.oov_logp
    s_own, s_r = tg.terms(hist, p.spun, tr)
    w_lg, w_rg, w_clp, w_crp, w_lgp, w_rgp = (w[k] for k in ("left_gain", "right_gain", "cand_left_pmi", "cand_right_pmi",
                                                               "left_gain_pos", "right_gain_pos"))
    w_ur, w_cc, w_cid, w_rank, w_llc, w_rlc, w_cz = (w[k] for k in ("unigram_ratio", "channel_cost", "cand_in_doc", "cand_rank",
                                                                     "left_listed_cand", "right_listed_cand", "cand_zipf"))
    w_tl, w_tr, w_tp, w_to = (w[k] for k in ("tri_left_gain", "tri_right_gain", "tri_gain_pos", "tri_cand_oov"))
    # BackgroundBigrams.logp(left, cand) and logp(cand, right), what does not depend on the candidate
    ca_left = uni.get(left)
    bound_left = math.log10(min(1.0, bg.floor / ca_left)) if ca_left else 0.0
    lp_right = math.log10(_unigram(right))
    lift, static, word_static, bi_get, counts_get = bg.lift, bg._static.get, bg.word_static, bi.get, counts.get
    log10, log1p = math.log10, math.log1p
    # BackgroundTrigrams.terms(hist, cand, tr): the model's queries, their order kept
    prob, zero, base = tg.model.prob, tg._zero, tg.LOG10_BASE
    h0 = hist[:1]
    tr0 = tr[0] if tr else None
    tr1 = tr[1] if len(tr) > 1 and tr[0] != "</s>" else None
    zs, gains, tgains = [], [], []
    for rank, (cand, cost) in enumerate(p.cands):
        lu_c, ca_c, bound_c, alnum = static(cand) or word_static(cand)
        c_l = bi_get((left, cand))  # (also: whether the bigram is listed)
        if not ca_left or not alnum:
            l_c = lu_c
        elif c_l is not None:
            l_c = log10(c_l / ca_left)
        else:
            l_c = lu_c + lift * (bound_left - lu_c) if bound_left > lu_c else bound_left
        c_r = bi_get((cand, right))
        if not word_right:
            r_c = 0.0
        else:  # (the right neighbour is a word)
            if not ca_c:
                r_c = lp_right
            elif c_r is not None:
                r_c = log10(c_r / ca_c)
            else:
                r_c = lp_right + lift * (bound_c - lp_right) if bound_c > lp_right else bound_c
            r_c -= lu_right
        lg, rg = l_c - l_s, r_c - r_s
        v = prob([cand, *hist])
        t_own = oov if v == zero else v * base
        t_r = 0.0
        if tr0 is not None:
            v = prob([tr0, cand, *h0])
            t_r = oov if v == zero else v * base
            if tr1 is not None:
                v = prob([tr1, tr0, cand])
                t_r += oov if v == zero else v * base
        tl = t_own - s_own  # clipped to ±5
        tl = tl if -5.0 < tl < 5.0 else (5.0 if tl >= 5.0 else -5.0)
        trg = t_r - s_r
        trg = trg if -5.0 < trg < 5.0 else (5.0 if trg >= 5.0 else -5.0)
        tsum = tl + trg
        zs.append(w_lg * lg + w_rg * rg + w_clp * (l_c - lu_c) + w_crp * r_c + w_lgp * (lg if lg > 0.0 else 0.0)
                  + w_rgp * (rg if rg > 0.0 else 0.0) + w_ur * (lu_c - lu_s) + w_cc * cost
                  + w_cid * log1p(counts_get(cand, 0)) + w_rank * (_LOG1P[rank] if rank < 64 else log1p(rank))
                  + (w_llc if c_l is not None else 0.0) + (w_rlc if c_r is not None else 0.0) + w_cz * (lu_c + 9.0)
                  + w_tl * tl + w_tr * trg + w_tp * (tsum if tsum > 0.0 else 0.0) + (w_to if t_own == oov else 0.0))
        gains.append(lg + rg)
        tgains.append(tsum)
    top, ttop = max(gains), max(tgains)
    const = (w["bias"] + w["spun_left_pmi"] * (l_s - lu_s) + w["spun_right_pmi"] * r_s + w["spun_in_doc"] * h["spun_in_doc"]
             + w["spun_zipf"] * (lu_s + 9.0) + w["n_cands"] * math.log1p(len(p.cands))
             + w["left_listed_spun"] * h["left_listed_spun"] + w["right_listed_spun"] * h["right_listed_spun"]
             + w["tri_spun_oov"] * (1.0 if s_own == oov else 0.0) + w["best_gain_here"] * top
             + w["n_better"] * math.log1p(sum(1 for g in gains if g > 0))
             + w["tri_n_better"] * math.log1p(sum(1 for g in tgains if g > 0)))
    best_z, best_k = -math.inf, 0
    for k, z in enumerate(zs):
        z += const + (w["is_best_gain"] if gains[k] == top else 0.0) + (w["tri_is_best"] if tgains[k] == ttop else 0.0)
        if z > best_z:
            best_z, best_k = z, k
    side = {
        "best_z": best_z, "spun_left_pmi": l_s - lu_s, "spun_right_pmi": r_s, "spun_in_doc": h["spun_in_doc"],
        "spun_zipf": lu_s + 9.0, "n_cands": math.log1p(len(p.cands)), "left_listed_spun": h["left_listed_spun"],
        "right_listed_spun": h["right_listed_spun"], "tri_spun_oov": 1.0 if s_own == oov else 0.0, "best_gain_here": top,
        "n_better": math.log1p(sum(1 for g in gains if g > 0)), "tri_n_better": math.log1p(sum(1 for g in tgains if g > 0)),
        "best_tri_gain": tgains[best_k],
    }
    return best_z, best_k, side


_SENTENCE_MARKS = frozenset(".!?")
_LOG1P = tuple(math.log1p(r) for r in range(64))  # (a candidate's rank term)


def _trigram_sequence(
    text: str, toks: Sequence[tuple[str, int, int]], low: Sequence[str], spans: Sequence[tuple[int, int, str]]
) -> tuple[list[str], list[int]]:
    """The document's words as the trigram model reads them (lower case, no punctuation, ``|``
    between sentences and paragraphs; a repair already made contributes its output), and for
    each token its index there (-1: punctuation or inside a repair)."""
    seq: list[str] = []
    at = [-1] * len(toks)
    k, prev_end = 0, 0
    for i, (t, a, b) in enumerate(toks):
        if "\n" in text[prev_end:a] and seq and seq[-1] != "|":
            seq.append("|")
        prev_end = b
        while k < len(spans) and spans[k][1] <= a:
            k += 1
        if k < len(spans) and spans[k][0] <= a < spans[k][1]:
            if spans[k][0] >= toks[i - 1][2] if i else True:  # the repair's first token: its words once
                seq.extend(w for w in _lm_tokens(spans[k][2]) if w[:1].isalnum())
            continue
        if t in _SENTENCE_MARKS:
            if seq and seq[-1] != "|":
                seq.append("|")
        elif t[:1].isalnum():
            at[i] = len(seq)
            seq.append(low[i])
    return seq, at


def _trigram_context(seq: Sequence[str], j: int) -> tuple[list[str], list[str]]:
    """Up to two words either side of ``seq[j]`` within its sentence (``<s>`` / ``</s>`` at its ends)."""
    left: list[str] = []
    q = j - 1
    while len(left) < 2:
        if q < 0 or seq[q] == "|":
            left.append("<s>")
            break
        left.append(seq[q])
        q -= 1
    left.reverse()
    right: list[str] = []
    q = j + 1
    while len(right) < 2:
        if q >= len(seq) or seq[q] == "|":
            right.append("</s>")
            break
        right.append(seq[q])
        q += 1
    return left, right


def _trigram_features(tg: "BackgroundTrigrams", spun: str, opts: list[tuple[str, dict[str, float]]], left: list[str], right: list[str]) -> None:
    """Add the trigram model's evidence to each candidate's features: how much more probable the
    sentence window is with the candidate than with the printed word, split into the candidate's
    own term (``tri_left_gain``) and its right neighbours' terms (``tri_right_gain``), clipped to
    ±5 (log10); how the candidate ranks among the position's candidates; and whether either word
    is outside the model's vocabulary (then its own term is only a floor)."""
    hist, oov = list(reversed(left)), tg.oov_logp
    s_own, s_r = tg.terms(hist, spun, right)
    spun_oov = 1.0 if s_own == oov else 0.0
    gains = []
    for w, f in opts:
        c_own, c_r = tg.terms(hist, w, right)
        lg = max(-5.0, min(5.0, c_own - s_own))
        rg = max(-5.0, min(5.0, c_r - s_r))
        f["tri_left_gain"] = lg
        f["tri_right_gain"] = rg
        f["tri_gain_pos"] = max(lg + rg, 0.0)
        f["tri_cand_oov"] = 1.0 if c_own == oov else 0.0
        f["tri_spun_oov"] = spun_oov
        gains.append(lg + rg)
    top = max(gains)
    n_better = math.log1p(sum(1 for g in gains if g > 0))
    for (_w, f), g in zip(opts, gains):
        f["tri_is_best"] = 1.0 if g == top else 0.0
        f["tri_n_better"] = n_better


def decider_choices(text, toks, low, ok_word, fixed, cfg, counts: Mapping[str, int]) -> tuple[list[tuple[_Position, float, int, dict[str, float]]], float]:
    """Every position the decider may change with its best candidate's log-odds (``z``), that
    candidate's rank and the position's :data:`PRINTED_FEATURES`, and the document's spin level
    ``doc_spin``: the log-odds of the mean probability over its positions that their best
    candidate is the original (how much of the document a spinner touched, read from the text
    itself; a spinner that swaps every word it knows leaves a document where most positions have
    a candidate that fits better)."""
    w = decider_weights()
    rows, level = [], []
    for pos in _positions(text, toks, low, ok_word, fixed, cfg, counts):
        z, k, side = _best_option(pos, counts, w)
        rows.append((pos, z, k, side))
        # the spin level reads the WordNet and family candidates alone: its bars (content_spin_level,
        # thesaurus_high_spin_level, the site check's) were set on them, and Moby's candidates change
        # every position's evidence (one more word at a position a spinner mostly leaves alone)
        known = without_moby(pos.spun, pos.cands)
        if len(known) == len(pos.cands):
            level.append(z)
        elif known:
            level.append(_best_option(pos._replace(cands=known), counts, w)[0])
    mean_p = sum(_sigmoid(z) for z in level) / len(level) if level else 0.0
    mean_p = min(max(mean_p, 1e-3), 1.0 - 1e-3)
    doc_spin = math.log(mean_p / (1.0 - mean_p))
    # a document spun throughout: the decider fitted on such documents chooses (the level stays the
    # first's); a level read from fewer positions than the content check needs is noise, not evidence
    high = len(level) >= cfg["content_min_positions"] and doc_spin >= cfg["thesaurus_high_spin_level"]
    if high:
        wh = decider_weights("weights_high")
        rows = [(pos, *_best_option(pos, counts, wh)) for pos, _z, _k, _s in rows]
    for _p, _z, _k, side in rows:
        side["doc_spin"] = doc_spin
        side["high_spin"] = 1.0 if high else 0.0
        side["level_positions"] = len(level)
    return rows, doc_spin


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def printed_probability(side: Mapping[str, float]) -> float:
    """P(the printed word is the original) at a position, from its :data:`PRINTED_FEATURES`."""
    w = printed_weights()
    return _sigmoid(w["bias"] + sum(w[k] * side[k] for k in PRINTED_FEATURES if k != "bias"))


def _decider_repairs(text, toks, low, ok_word, fixed, cfg) -> list[Repair]:
    """Single-word repairs by the logistic decider: the best candidate of a word replaces it when
    its probability of being the original exceeds ``thesaurus_decider_threshold`` and, unless
    ``thesaurus_odds_ratio`` is 0, is at least that many times the probability that the printed
    word is the original (:func:`printed_probability`). Without the ratio the probability alone
    decides, and it must then beat every other outcome together (another candidate, a word the
    candidates miss), which in a document a spinner changed throughout it rarely does."""
    thr, ratio = cfg["thesaurus_decider_threshold"], cfg["thesaurus_odds_ratio"]
    factor = cfg["thesaurus_consistency_factor"]
    out = []
    counts = Counter(low)
    rows, _doc_spin = decider_choices(text, toks, low, ok_word, fixed, cfg, counts)
    # (row, p, candidate, odds ratio it must reach, P(printed word is the original), whether p reaches it)
    chosen = []
    for pos, z, k, side in rows:
        p = _sigmoid(z)
        if p <= thr:
            continue
        cand = pos.cands[k][0]
        r = cfg["thesaurus_moby_odds_ratio"] if ratio and cand in moby_only(pos.spun) else ratio
        kept = printed_probability(side) if ratio else None
        chosen.append(((pos, z, k, side), p, cand, r, kept, kept is None or p >= r * kept))
    # a spinner swaps a word the same way wherever it occurs: where the rule made a repair with
    # full evidence, the same repair of the same word elsewhere in the document needs less
    full = Counter((low[row[0].i], cand) for row, _p, cand, _r, _kept, on_own in chosen if on_own)
    for (pos, z, k, side), p, cand, r, kept, on_own in chosen:
        others = full[(low[pos.i], cand)] - on_own
        helped = not on_own  # (by the same repair elsewhere)
        if helped:
            if not others or p < r * factor * kept:
                continue
            r *= factor
        w = decider_weights("weights_high" if side["high_spin"] else "weights")
        f = _options(pos, counts)[k][1]  # the named features, for the evidence (few positions get here)
        i = pos.i
        t, a, b = toks[i]
        top = sorted(((w[n] * v, n) for n, v in f.items() if n != "bias"), reverse=True)[:3]
        rule = (f"{p:.2f} ≥ {r:g} × P(printed word is the original) {kept:.2f} (document spin level {side['doc_spin']:+.2f}"
                f"{': the decider for documents spun throughout' if side['high_spin'] else ''}"
                f"{f'; the same repair made with full evidence at {others} other position(s) of the document' if helped else ''})"
                if kept is not None else f"{p:.2f} > {thr:.2f}")
        ev = (f"thesaurus candidate '{low[i]}'→'{cand}' ({candidate_source(low[i], cand)}); decider P(original) {rule}; "
              f"largest contributions (log-odds): " + ", ".join(f"{n} {v:+.2f}" for v, n in top)
              + f"; bigram gain left {f['left_gain']:+.2f}, right {f['right_gain']:+.2f}")
        out.append(Repair(a, b, t, _match_case(t, cand), ev))
    return out


def _apply(text: str, repairs: Iterable[Repair]) -> str:
    parts, pos = [], 0
    for r in sorted(repairs, key=lambda r: r.start):
        parts.append(text[pos : r.start])
        parts.append(r.new)
        pos = r.end
    parts.append(text[pos:])
    return "".join(parts)


def despin_explained(
    text: str,
    *,
    lm: NgramLM | None = None,
    extra: Sequence[Entry] = (),
    score: float | None = None,
    use_default: bool = True,
    overrides: dict[str, Any] | None = None,
    around: str = "",
) -> DespinResult:
    """Repair one document and say why; unflagged documents come back unchanged.

    ``extra`` entries (e.g. learned pairs) are tried where no default entry matched;
    ``score`` overrides the document's own :func:`spin_score` (the corpus step passes the
    score of the text before the per-document repair); ``overrides`` replaces ``[spin]``
    settings for this call (``{"thesaurus": False}``: the reverse table alone); ``around``: text
    whose words the table's ``doc=`` conditions read as well (a title's body).

    >>> r = despin_explained("Officials articulate the High Minister might maybe maybe well well resign this twelve months.")
    >>> [(x.old, x.new) for x in r.repairs]
    [('articulate', 'say'), ('High Minister', 'Prime Minister'), ('might maybe maybe well well', 'would'), ('twelve months', 'year')]
    """
    cfg = section("spin", **(overrides or {}))
    lm = lm or _plain_lm()
    first = _despin_pass(text, lm, extra, score, use_default, cfg, around)
    if not first.flagged or not first.repairs:
        return first
    # repeat until a pass changes nothing, so that despin(despin(x)) == despin(x); the repairs of
    # later passes are merged into those of the first, in offsets of the input
    repairs, cur = list(first.repairs), first.text
    for _ in range(cfg["max_passes"] - 1):
        nxt = _despin_pass(cur, lm, extra, None, use_default, cfg, around)
        if not nxt.flagged or not nxt.repairs:
            break
        repairs = _compose(text, repairs, nxt.repairs)
        cur = nxt.text
    return DespinResult(cur, first.score, True, tuple(repairs), first.spin_level)


def _despin_pass(text: str, lm: NgramLM, extra: Sequence[Entry], score: float | None, use_default: bool, cfg: dict[str, Any],
                 around: str = "") -> DespinResult:
    ctx = _Context(text, around)
    matcher = _default_matcher()
    cands = matcher.candidates(text, ctx)
    level = None
    if score is None:
        score, level = _content_check(text, _score_from(cands, ctx.n_words, cfg, text), cfg)
    if score < cfg["threshold"]:
        return DespinResult(text, score, False, spin_level=level)
    repairs = _table_repairs(text, matcher, lm, cfg, ctx, cands=cands) if use_default else []
    if extra:
        taken = [(r.start, r.end) for r in repairs]
        repairs += _table_repairs(text, Matcher(extra), lm, cfg, ctx, taken)
    if cfg["thesaurus"] and use_default:
        repairs += _thesaurus_repairs(text, lm, cfg, repairs)
    repairs.sort(key=lambda r: r.start)
    return DespinResult(_apply(text, repairs), score, True, tuple(repairs), level)


def _compose(orig: str, first: Sequence[Repair], second: Sequence[Repair]) -> list[Repair]:
    """The repairs of two passes as one list in offsets of ``orig`` (``second`` is in offsets of
    the text after ``first``); a second-pass repair touching a first-pass one is merged with it.

    >>> a = [Repair(0, 1, "a", "bb", "x")]
    >>> b = [Repair(0, 2, "bb", "c", "y"), Repair(3, 4, "d", "e", "z")]
    >>> [(r.start, r.end, r.old, r.new) for r in _compose("a d", a, b)]
    [(0, 1, 'a', 'c'), (2, 3, 'd', 'e')]
    """
    mid = _apply(orig, first)
    # first-pass repairs as (orig start, orig end, mid start, mid end)
    spans, shift = [], 0
    for r in sorted(first, key=lambda r: r.start):
        spans.append([r.start, r.end, r.start + shift, r.start + shift + len(r.new), [r]])
        shift += len(r.new) - (r.end - r.start)

    def to_orig(pos: int) -> int:  # a mid offset outside every first-pass output span
        d = 0
        for os_, oe, ms, me, _ in spans:
            if me <= pos:
                d = oe - me
        return pos + d

    groups = [[s[2], s[3], s[4]] for s in spans]  # mid spans with their repairs
    for r in second:
        merged = [g for g in groups if g[0] <= r.end and r.start <= g[1]]
        for g in merged:
            groups.remove(g)
        ms = min([r.start] + [g[0] for g in merged])
        me = max([r.end] + [g[1] for g in merged])
        groups.append([ms, me, [x for g in merged for x in g[2]] + [r]])
    second_sorted = sorted(second, key=lambda r: r.start)
    final = _apply(mid, second_sorted)
    out = []
    for ms, me, reps in sorted(groups, key=lambda g: g[0]):
        os_ = min((s[0] for s in spans if ms <= s[2] and s[3] <= me), default=None)
        oe = max((s[1] for s in spans if ms <= s[2] and s[3] <= me), default=None)
        a = min(os_, to_orig(ms)) if os_ is not None else to_orig(ms)
        b = max(oe, to_orig(me)) if oe is not None else to_orig(me)
        # the new text: mid[ms:me] with the second-pass repairs inside it applied
        inner = [Repair(x.start - ms, x.end - ms, x.old, x.new, x.evidence) for x in second_sorted if ms <= x.start and x.end <= me]
        new = _apply(mid[ms:me], inner)
        ev = "; then ".join(dict.fromkeys(x.evidence for x in reps))
        out.append(Repair(a, b, orig[a:b], new, ev))
    if _apply(orig, out) != final:  # never expected; one repair for the whole changed region then
        a = 0
        while a < min(len(orig), len(final)) and orig[a] == final[a]:
            a += 1
        b = 0
        while b < min(len(orig), len(final)) - a and orig[-1 - b] == final[-1 - b]:
            b += 1
        ev = "; then ".join(dict.fromkeys(x.evidence for x in [*first, *second]))
        return [Repair(a, len(orig) - b, orig[a : len(orig) - b], final[a : len(final) - b], ev)]
    return out


def despin(text: str) -> str:
    """Restore the original wording of a spun document (paragraph breaks kept).

    >>> despin("Eastern officers with knowledge of the talks articulate a deal is doubtless to be reached this twelve months, Japan says.")
    'Japanese officials with knowledge of the talks say a deal is likely to be reached this year, Japan says.'
    """
    return despin_explained(text).text


# --------------------------------------------------------------------------- corpus repair


@dataclass
class PhraseTable:
    """Reverse pairs learned from aligned near-duplicates; grows across runs (JSON).

    A pair's count is the number of distinct clean source sentences that showed it
    (each kept as a short fingerprint), so neither re-running the same corpus nor
    many spun copies of one story make a pair "recur".

    >>> t = PhraseTable()
    >>> t.add("bright", "keen", "a"); t.add("bright", "keen", "a")
    >>> t.count("bright", "keen")
    1
    >>> t.add("bright", "keen", "b")
    >>> [e.original for e in t.entries(min_count=2)]
    ['keen']
    >>> PhraseTable.from_json(t.to_json()).pairs == t.pairs
    True
    """

    pairs: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    runs: int = 0

    def add(self, spun: str, original: str, evidence: str) -> None:
        """Record that ``evidence`` (a fingerprint of the source sentence) showed the pair."""
        seen = self.pairs.setdefault(spun, {}).setdefault(original, [])
        if evidence not in seen:
            seen.append(evidence)

    def count(self, spun: str, original: str) -> int:
        return len(self.pairs.get(spun, {}).get(original, ()))

    def entries(self, min_count: int | None = None) -> list[Entry]:
        """The most frequent original of each spun form seen at least ``min_count`` times."""
        if min_count is None:
            min_count = section("spin")["learned_min_count"]
        out = []
        for spun, origs in sorted(self.pairs.items()):
            orig, ev = max(origs.items(), key=lambda kv: (len(kv[1]), kv[0]))
            if len(ev) >= min_count:
                out.append(make_entry(spun, orig, "learned"))
        return out

    def to_dict(self) -> dict[str, Any]:
        rows = [
            {"spun": s, "original": o, "count": len(ev), "evidence": ev}
            for s, origs in sorted(self.pairs.items())
            for o, ev in sorted(origs.items())
        ]
        return {"format": TABLE_FORMAT, "runs": self.runs, "pairs": rows}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PhraseTable":
        if not isinstance(data, dict) or data.get("format") != TABLE_FORMAT:
            raise ValueError(f"not a {TABLE_FORMAT} table")
        t = cls(runs=int(data.get("runs", 0)))
        for row in data.get("pairs", []):
            for ev in row["evidence"]:
                t.add(str(row["spun"]), str(row["original"]), str(ev))
        return t

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "PhraseTable":
        return cls.from_dict(json.loads(text))


def _fingerprint(*parts: str) -> str:
    h = hashlib.blake2b(digest_size=6)
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


@functools.cache
def _default_originals() -> frozenset[str]:
    """Words the default table writes: a block made of them may be our own earlier repair."""
    return frozenset(w for e in default_entries() for w in e.original.lower().split())


class _Sent:
    """A sentence of a document: its tokens (``words``, ``low``), their offsets (``toks``:
    (token, start, end) in document offsets) and the tokens holding a digit, the last two worked
    out when first asked (the corpus step indexes thousands of sentences and aligns a few)."""

    __slots__ = ("doc", "text", "start", "end", "words", "low", "_toks", "_digits")

    def __init__(self, doc: int, text: str, start: int, end: int, words: list[str]):
        self.doc, self.text, self.start, self.end, self.words = doc, text, start, end, words
        self.low: tuple[str, ...] = tuple(map(str.lower, words))
        self._toks: tuple[tuple[str, int, int], ...] | None = None
        self._digits: frozenset[str] | None = None

    @property
    def toks(self) -> tuple[tuple[str, int, int], ...]:
        if self._toks is None:
            self._toks = tuple((m.group(), m.start(), m.end()) for m in _TOKEN.finditer(self.text, self.start, self.end))
        return self._toks

    @property
    def digits(self) -> frozenset[str]:
        if self._digits is None:
            self._digits = frozenset(t for t in self.words if _DIGIT.search(t))
        return self._digits


def _sentences(doc: int, text: str) -> list[_Sent]:
    """The sentences of ``text`` with at least 4 word tokens. (Tokens are matched within each
    sentence's span of the text, which is matching the sliced sentence: the token patterns look
    neither behind nor at ^; the word-only pattern finds exactly the token pattern's word tokens.)"""
    out = []
    for line in _LINE.finditer(text):
        base, end = line.start(), line.end()
        starts, ends = [base], []
        for m in _SENT_END.finditer(text, base, end):
            ends.append(m.start())
            starts.append(m.end())
        ends.append(end)
        for a, b in zip(starts, ends):
            if len(_WORD_TOKEN.findall(text, a, b)) >= 4:
                out.append(_Sent(doc, text, a, b, _TOKEN.findall(text, a, b)))
    return out


@functools.cache
def _spun_words() -> frozenset[str]:
    """Words the spinner writes in place of others: those of a table entry's spun form that its
    original lacks ("eastern" of "Eastern" -> "Japanese", "sequence" of "World Sequence" ->
    "World Series"; not "world", a name the entry keeps), function words left out (the "we" of
    "shall we exclaim" -> "for example" is no spinner's word for a quote's "We").

    >>> sorted({"eastern", "sequence", "world", "we"} & _spun_words())
    ['eastern', 'sequence']
    """
    func = _function_words()
    return frozenset(w for e in default_entries() for w in set(e.key.split()) - set(e.original.lower().split()) if w not in func)


def _anchors(s: _Sent) -> set[str]:
    """Names and numbers: capitalised words not opening the sentence, and anything with a digit."""
    out = set()
    spun = _spun_words()
    for i, t in enumerate(s.words):
        name = t[:1].isupper() and _WORDISH.search(t) and (i > 0 or _unigram(t.lower()) < 1e-4)
        if name or (not t.isalpha() and any(map(str.isdigit, t))):  # (no letter is a digit)
            low = t.lower()
            if low not in spun:
                out.add(low)
    return out


@functools.cache
def _table_pairs() -> frozenset[tuple[str, str]]:
    """(spun, original) of every entry of the shipped table, lower-cased."""
    return frozenset((e.key, " ".join(e.original.lower().split())) for e in default_entries())


def _spinner_pair(old: str, new: str) -> bool:
    """Could a spinner have written lower-cased ``old`` for ``new``: a table entry, or ``new``
    among the thesaurus candidates of ``old``?

    >>> _spinner_pair("eastern", "japanese"), _spinner_pair("alpha", "gamma")
    (True, False)
    """
    return (old, new) in _table_pairs() or new in thesaurus().get(old, ())


def _misspelt(old: str, new: str) -> bool:
    """Is lower-cased ``old`` a misspelling of ``new``: the same letters spaced otherwise, or one
    edit (a letter added, dropped, changed, or two neighbours swapped) away while ``old`` itself
    is no English word or known name (so "Iran" is never a misspelling of "Iraq").

    >>> _misspelt("facbeook", "facebook"), _misspelt("ja pan", "japan"), _misspelt("iran", "iraq")
    (True, True, False)
    """
    o, n = old.replace(" ", ""), new.replace(" ", "")
    if o == n:
        return True
    if _unigram(o) >= 1e-6 or abs(len(o) - len(n)) > 1:
        return False
    i = 0
    while i < min(len(o), len(n)) and o[i] == n[i]:
        i += 1
    if len(o) == len(n):
        return o[i + 1:] == n[i + 1:] or (o[i + 2:] == n[i + 2:] and o[i:i + 2] == n[i:i + 2][::-1])
    return o[i + 1:] == n[i:] if len(o) > len(n) else o[i:] == n[i + 1:]


def _initials(old: str, new: str) -> bool:
    """Is lower-cased ``old`` the initials of ``new`` or the other way round (a rewriter shortens
    a name to them: "US" for "United States", "EU" for "European Union")?

    >>> _initials("us", "united states"), _initials("european union", "eu"), _initials("us", "uk")
    (True, True, False)
    """
    short, long_ = (old, new) if " " not in old else (new, old)
    words = long_.split()
    return len(words) >= 2 and " " not in short and short == "".join(w[0] for w in words)


def _align_repairs(spun_text: str, s: _Sent, names: set[str], src_text: str, src: _Sent, lm: NgramLM, cfg: dict[str, Any],
                   src_id: str) -> list[tuple[Repair, str, str]]:
    """Edit blocks of one aligned sentence pair that restore the source's wording. A block that
    changes a name of the spun sentence is restored only when a spinner could have made the swap
    (:func:`_spinner_pair`), the name is misspelt (:func:`_misspelt`) or one is the other's
    initials (:func:`_initials`): two stories can share a
    sentence's frame and differ in a name, and that difference is a fact, not spinning. ``names``:
    ``_anchors(s)`` (a table's spun forms, "Eastern", are not names)."""
    out = []
    a, b = list(s.low), list(src.low)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "replace":
            continue
        if max(i2 - i1, j2 - j1) > cfg["align_max_block"]:
            continue
        sb, tb = a[i1:i2], b[j1:j2]
        if any(not _WORDISH.search(t) or any(c.isdigit() for c in t) for t in sb + tb):
            continue
        old_key, new_key = " ".join(sb), " ".join(tb)
        if names.intersection(sb) and not (_spinner_pair(old_key, new_key) or _misspelt(old_key, new_key) or _initials(old_key, new_key)):
            continue
        start, end = s.toks[i1][1], s.toks[i2 - 1][2]
        old = spun_text[start:end]
        new = _match_case(old, src_text[src.toks[j1][1] : src.toks[j2 - 1][2]])
        if "\n" in new or new == old:
            continue
        if any(t.islower() and _unigram(t) <= 1e-8 for t, _a, _b in src.toks[j1:j2]):
            continue  # the source has a typo or an unknown word here: not better than the spun text
        left = s.toks[i1 - 1][0] if i1 > 0 else "$"
        right = s.toks[i2][0] if i2 < len(s.toks) else "$"
        gain = lm.gain(left, new, old, right)
        if gain + cfg["prior_aligned"] <= cfg["min_gain"]:
            continue
        ev = f"aligned to a clean near-duplicate sentence of {src_id} (names and numbers agree); LM gain {gain:+.2f}"
        out.append((Repair(start, end, old, new, ev), old_key, new_key if new.lower() == new else new))
    return out


@dataclass(frozen=True)
class CorpusDespin:
    results: list[DespinResult]
    table: PhraseTable
    learned: list[tuple[str, str]]  # pairs seen this run (spun, original)


def despin_corpus(
    docs: Sequence[str],
    *,
    ids: Sequence[str] | None = None,
    scores: Sequence[float | None] | None = None,
    table: PhraseTable | None = None,
    use_default: bool = True,
) -> CorpusDespin:
    """Repair every flagged document of a corpus, using the corpus itself as evidence.

    1. the clean (unflagged) documents give bigram counts to the LM;
    2. each sentence of a flagged document is aligned to its best clean near-duplicate
       sentence (shared names/numbers, similar word sequence); short substitution blocks
       are restored from the source when the block holds no number and the LM does not object;
    3. the restored pairs are counted in ``table`` (a copy is returned), and pairs seen in at
       least ``learned_min_count`` document pairs are applied, like the default table, to
       every flagged document.

    ``scores`` overrides each document's own score (pass the pre-repair scores when the
    texts were already repaired one by one, and ``use_default=False`` then).
    """
    cfg = section("spin")
    ids = list(ids) if ids is not None else [f"#{i}" for i in range(len(docs))]
    table = PhraseTable.from_json(table.to_json()) if table is not None else PhraseTable()
    table.runs += 1
    sc = [spin_score(t) if scores is None or scores[i] is None else float(scores[i]) for i, t in enumerate(docs)]
    flagged = [s >= cfg["threshold"] for s in sc]
    clean = [i for i, f in enumerate(flagged) if not f]
    if not any(flagged):  # nothing to repair: no index, no LM, the table only counts the run
        return CorpusDespin([DespinResult(t, sc[i], False) for i, t in enumerate(docs)], table, [])
    lm = NgramLM(docs[i] for i in clean[: cfg["lm_max_docs"]]) if clean else _plain_lm()

    # clean sentences (exact repeats once) and an inverted index: name/number -> sentence numbers
    pool: list[_Sent] = []
    seen: set[tuple[str, ...]] = set()
    index: dict[str, list[int]] = {}
    for i in clean:
        for s in _sentences(i, docs[i]):
            low = s.low
            if low in seen:
                continue
            seen.add(low)
            for an in _anchors(s):
                index.setdefault(an, []).append(len(pool))
            pool.append(s)

    aligned: dict[int, list[Repair]] = {}
    learned: list[tuple[str, str]] = []
    for i, f in enumerate(flagged):
        if not f or not index:
            continue
        reps: list[Repair] = []
        pairs_here: set[tuple[str, str, str]] = set()
        for s in _sentences(i, docs[i]):
            anchors = _anchors(s)
            src = _best_source(s, anchors, pool, index, cfg)
            if src is None:
                continue
            fp = _fingerprint(" ".join(src.low))  # spun copies of one source sentence count once
            for rep, sk, ok in _align_repairs(docs[i], s, anchors, docs[src.doc], src, lm, cfg, ids[src.doc]):
                reps.append(rep)
                if not set(sk.split()) <= _default_originals():  # not a word our own repair wrote
                    pairs_here.add((sk, ok, fp))
        for sk, ok, fp in sorted(pairs_here):
            table.add(sk, ok, fp)
            learned.append((sk, ok))
        aligned[i] = reps

    extra = [e for e in table.entries(cfg["learned_min_count"]) if _safe_learned(e)]
    results = []
    for i, text in enumerate(docs):
        if not flagged[i]:
            results.append(DespinResult(text, sc[i], False))
            continue
        reps = aligned.get(i, [])
        taken = [(r.start, r.end) for r in reps]
        ctx = _Context(text)
        more: list[Repair] = []
        if use_default:
            more += _table_repairs(text, _default_matcher(), lm, cfg, ctx, taken)
        if extra:
            taken2 = taken + [(r.start, r.end) for r in more]
            more += [
                Repair(r.start, r.end, r.old, r.new, r.evidence.replace("learned table entry", "learned pair (recurred across aligned documents)"))
                for r in _table_repairs(text, Matcher(extra), lm, cfg, ctx, taken2)
            ]
        if use_default and cfg["thesaurus"]:
            more += [
                Repair(r.start, r.end, r.old, r.new, r.evidence + "; corpus bigrams")
                for r in _thesaurus_repairs(text, lm, cfg, reps + more)
            ]
        allr = sorted(reps + more, key=lambda r: r.start)
        results.append(DespinResult(_apply(text, allr), sc[i], True, tuple(allr)))
    return CorpusDespin(results, table, learned)


def _safe_learned(e: Entry) -> bool:
    """Single very common words ("us", "the") are too ambiguous to swap without a source."""
    words = e.key.split()
    return not (len(words) == 1 and _unigram(words[0]) > 3e-4)


def _best_source(s: _Sent, anchors: set[str], pool: list[_Sent], index: dict[str, list[int]], cfg: dict[str, Any]) -> _Sent | None:
    """The clean sentence of ``pool`` that ``s`` (its names and numbers: ``anchors``) copies, if any."""
    if len(anchors) < cfg["align_min_anchors"]:
        return None
    shared: Counter[int] = Counter()
    for an in sorted(anchors):  # (a set's order follows the hash seed: ties between candidates must not)
        posting = index.get(an, ())
        if len(posting) > cfg["align_max_postings"]:
            continue  # a name in thousands of sentences ("Trump") does not pick a source
        shared.update(posting)
    best, best_ratio = None, cfg["align_min_ratio"]
    low = s.low
    digits = s.digits
    for ci, n in shared.most_common(8):
        if n < cfg["align_min_anchors"]:
            break
        cand = pool[ci]
        cand_words = set(cand.low)
        if not digits <= cand.digits:
            continue
        if sum(1 for an in anchors if an in cand_words) < cfg["align_name_share"] * len(anchors):
            continue
        ratio = difflib.SequenceMatcher(None, low, cand.low, autojunk=False).ratio()
        if ratio >= best_ratio:
            best, best_ratio = cand, ratio
    return best
