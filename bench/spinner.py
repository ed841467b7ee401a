"""A context-free synonym spinner for the out-of-sample dev set (bench only).

It mimics the family of news spinners behind seed 003: each word or phrase that has an
entry is swapped, with probability ``rate``, for one fixed thesaurus neighbour of one of its
senses, regardless of context ("would" -> "might maybe maybe well well", "school" ->
"faculty", "bill" -> "invoice").

How the table was built: written by hand as a forward table (original -> spun) over the
common words of news prose, from what such spinners are known to output, *independently of*
``cleaners/data/spin_table.tsv`` and not by inverting it. It is deliberately not that
table's inverse: it has many entries the reverse table lacks (plain synonyms such as
talks -> negotiations, and tells the reverse table does not know), several originals share
one spun form (cut/lower/reduce -> diminish), some words have two spun forms picked at
random, and the reverse table has many entries this spinner never produces.
``bench/spin.py`` reports how many of this table's spun forms the reverse table knows.
"""

from __future__ import annotations

import random
import re

# original -> spun form(s); a tuple means one is chosen at random per occurrence
FORWARD: dict[str, str | tuple[str, ...]] = {
    # modals and function words
    "would": "might maybe maybe well well",
    "could": "might maybe well",
    "may": "can also",
    "will be able to": "will give you the option to",
    "which will": "which is able to",
    "where": "the effect",
    "also": "additionally",
    "but": "nonetheless",
    "as well as": "as effectively as",
    "other": "diversified",
    "both": "each",
    "another": "one other",
    "during": ("at some level of", "for the length of"),
    "according to": ("in step with", "in accordance with"),
    "due to": "attributable to",
    "because of": "on account of",
    "however": "alternatively",
    "about": ("about", "roughly"),
    "more": "extra",
    "very": "very",
    "like": "love",
    # saying
    "said": ("acknowledged", "talked about", "mentioned", "said"),
    "says": ("says", "says"),
    "say": "articulate",
    "told reporters": "instructed reporters",
    "told": "suggested",
    "announced": ("introduced", "launched"),
    "asked": "requested",
    # nouns
    "year": "twelve months",
    "years": "years",
    "month": "month",
    "people": ("of us", "other folks"),
    "government": "authorities",
    "officials": "officers",
    "official": "respectable",
    "percent": "p.c.",
    "bank": "financial institution",
    "banks": "banks",
    "countries": "worldwide locations",
    "country": "nation",
    "meeting": "assembly",
    "talks": ("talks", "negotiations"),
    "trade": "commerce",
    "deal": ("deal", "contend"),
    "data": "recordsdata",
    "knowledge": "recordsdata",
    "health": "effectively being",
    "hospital": "sanatorium",
    "economy": "economic system",
    "company": "firm",
    "companies": "companies",
    "investors": "traders",
    "prices": "costs",
    "interest rates": "hobby charges",
    "record high": "file high",
    "climate change": "local weather change",
    "energy": "vitality",
    "natural gas": "pure gasoline",
    "stock market": "inventory market",
    "school": "faculty",
    "schools": "colleges",
    "students": "college students",
    "teachers": "lecturers",
    "children": "youngsters",
    "women": "ladies",
    "men": "males",
    "city": "metropolis",
    "bill": "invoice",
    "law": "legislation",
    "lawmakers": "lawmakers",
    "court": "court docket",
    "judge": "rep",
    "police": "police",
    "fire": "fireplace",
    "dead": "ineffective",
    "death toll": "loss of life toll",
    "crisis": "disaster",
    "area": "dwelling",
    "region": "place",
    "plan": "thought",
    "plans": "plans",
    "goods": "items",
    "products": "merchandise",
    "parts": "aspects",
    "sides": "aspects",
    "issue": "command",
    "issues": "points",
    "office": "location of work",
    "press release": "press liberate",
    "weather": "climate",
    "storm": "storm",
    "rain": "rain",
    "week": "week",
    "workers": "workers",
    "jobs": "jobs",
    "demand": "seek info from",
    "growth": "boost",
    "progress": "growth",
    "President": "President",
    "Prime Minister": "High Minister",
    "Japanese": "Eastern",
    "American": "American",
    # adjectives and adverbs
    "new": ("original", "novel", "fresh"),
    "little": "tiny",
    "keen": "bright",
    "sensitive": "gentle",
    "late": "unhurried",
    "slow": "dull",
    "likely": "doubtless",
    "certain": "obvious",
    "national": "nationwide",
    "immediate": "instant",
    "big": "big",
    "large": "trim",
    "major": "main",
    "small": "shrimp",
    "key": "key",
    "last": "final",
    "next": "subsequent",
    "early": "early",
    "local": "native",
    "strong": "sturdy",
    "quickly": "rapid",
    # verbs
    "have": "gain",
    "has": "has",
    "take": "rep",
    "took": "took",
    "make": "salvage",
    "get": "rep",
    "help": "lend a hand",
    "helped": "helped",
    "start": "originate",
    "started": "began",
    "open": "originate",
    "find": "procure",
    "found": "came all over",
    "show": "present",
    "showed": "confirmed",
    "want": "desire",
    "wants": "desires",
    "include": "encompass",
    "including": "alongside side",
    "cut": "lower",
    "lower": "diminish",
    "reduce": "diminish",
    "raise": "elevate",
    "rise": "upward push",
    "fell": "fell",
    "fix": "repair",
    "avoid": "address far from",
    "agree": "conform",
    "agreed": "agreed",
    "hold": "abet",
    "aim": "purpose",
    "seek": "see",
    "narrow": "slim",
    "expected": "anticipated",
    "warned": "warned",
    "learn": "be taught",
    "see": "gape",
    "live": "dwell",
    "comment": "touch upon",
    "focused": "targeted",
    "account for": "anecdote for",
    "put off": "effect off",
    "take steps": "get rid of steps",
    "try": "are attempting",
    "need": "need",
    "buy": "hang",
    "keep": "retain",
    "continue": "continue",
    "lead": "lead",
    "build": "bear",
}

_KEYS = sorted(FORWARD, key=len, reverse=True)
_RE = re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in _KEYS) + r")(?!\w)", re.I)
_LOWER = {k.lower(): k for k in _KEYS}


def _case(src: str, out: str) -> str:
    return out[:1].upper() + out[1:] if src[:1].isupper() and out[:1].islower() else out


def spin_text(text: str, seed: int = 0, rate: float = 0.8) -> str:
    """Spin ``text`` context-free: each table hit is swapped with probability ``rate``."""
    rng = random.Random(seed)

    def swap(m: re.Match) -> str:
        src = m.group()
        key = src if src in FORWARD else _LOWER.get(src.lower())
        if key is None or (key[:1].isupper() and src != key) or rng.random() > rate:
            return src
        val = FORWARD[key]
        out = rng.choice(val) if isinstance(val, tuple) else val
        return _case(src, out)

    return _RE.sub(swap, text)
