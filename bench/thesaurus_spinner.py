"""A thesaurus-driven article spinner for the held-out spin benchmark (bench only).

It imitates the spinners behind spun news copies without borrowing the repair's vocabulary:
each content word (and two-word phrase) found in the forward table
``bench/data/thesaurus_spinner.tsv.gz`` (built from the LibreOffice English thesaurus by
``bench/make_thesaurus_spinner.py``, never from ``cleaners/data/``) is replaced, with
probability ``rate``, by one of its thesaurus neighbours chosen at random - a synonym of any
sense, a generic term or a similar term, context-free. Function words are left alone except
through ``TELLS``: the fixed non-synonym outputs by which spinners of this family are known
("would" -> "might maybe maybe well well"), written here from their public descriptions, each
applied with probability ``tell_rate``.
"""

from __future__ import annotations

import functools
import gzip
import random
import re
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "thesaurus_spinner.tsv.gz"

# original -> the spinner's fixed output (not thesaurus neighbours: the family's signature)
TELLS: dict[str, tuple[str, ...]] = {
    "would": ("might maybe maybe well well",),
    "could": ("might maybe well",),
    "year": ("twelve months",),
    "years": ("years",),
    "month": ("thirty days",),
    "percent": ("p.c.",),
    "people": ("other folks", "of us"),
    "also": ("additionally",),
    "but": ("nonetheless",),
    "however": ("alternatively",),
    "during": ("at some level of", "for the length of"),
    "according to": ("in step with",),
    "as well as": ("as effectively as",),
    "have": ("gain",),
    "where": ("the effect",),
    "may": ("can also",),
}

# words a thesaurus spinner of this kind leaves alone (closed classes, auxiliaries)
FUNCTION = frozenset(
    """a an the and or nor but if then else than that this these those there here which who whom whose what
    when where why how all any both each few many much more most some such no not only own same so too very
    can will just should now i me my we our you your he him his she her it its they them their is are was were
    be been being have has had having do does did doing of at by for with about against between into through
    during before after above below to from up down in out on off over under again further once also would
    could may might must shall as until while because since though although yet one two three new said says
    say told""".split()
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")


@functools.cache
def forward() -> dict[str, tuple[str, ...]]:
    out = {}
    with gzip.open(TABLE, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            k, _, v = line.rstrip("\n").partition("\t")
            reps = tuple(r for r in v.split("|") if r and not set(r.split()) & FUNCTION)
            if reps and k not in FUNCTION:
                out[k] = reps
    return out


def _case(src: str, out: str) -> str:
    return out[:1].upper() + out[1:] if src[:1].isupper() else out


def spin_text(text: str, seed: int = 0, rate: float = 0.35, tell_rate: float = 0.8) -> str:
    """Spin ``text``: thesaurus swaps with probability ``rate``, tells with ``tell_rate``."""
    return spin_text_logged(text, seed, rate, tell_rate)[0]


def spin_text_logged(text: str, seed: int = 0, rate: float = 0.35, tell_rate: float = 0.8) -> tuple[str, list[tuple[int, int, str]]]:
    """``spin_text`` and its swaps as (start, end in the spun text, original)."""
    log: list[tuple[int, int, str]] = []
    olen = 0

    def emit(gap: str, orig: str, rep: str) -> None:
        nonlocal olen
        out.append(gap)
        olen += len(gap)
        log.append((olen, olen + len(rep), orig))
        out.append(rep)
        olen += len(rep)

    rng = random.Random(seed)
    table = forward()
    out: list[str] = []
    pos = 0
    toks = list(_WORD.finditer(text))
    i = 0
    while i < len(toks):
        m = toks[i]
        w = m.group()
        # a capitalised word that does not open a sentence is a name: left alone
        before = text[max(0, m.start() - 3) : m.start()]
        opens = m.start() == 0 or bool(re.search(r"[.!?\"“]\s*$|\n\s*$", before))
        if (w[:1].isupper() and not opens) or (len(w) > 1 and w.isupper()):
            i += 1
            continue
        low = w.lower()
        # two- and three-word keys first (tells like "according to", thesaurus phrases)
        done = False
        for n in (3, 2):
            if i + n <= len(toks):
                span = toks[i : i + n]
                if all(span[j + 1].start() - span[j].end() == 1 and text[span[j].end()] == " " for j in range(n - 1)):
                    phrase = " ".join(t.group().lower() for t in span)
                    reps = TELLS.get(phrase) or table.get(phrase)
                    if reps and rng.random() < (tell_rate if phrase in TELLS else rate):
                        emit(text[pos : span[0].start()], text[span[0].start() : span[-1].end()], _case(w, rng.choice(reps)))
                        pos = span[-1].end()
                        i += n
                        done = True
                        break
        if done:
            continue
        reps = TELLS.get(low)
        p = tell_rate
        if reps is None:
            reps, p = table.get(low), rate
        if reps and rng.random() < p:
            emit(text[pos : m.start()], w, _case(w, rng.choice(reps)))
            pos = m.end()
        i += 1
    out.append(text[pos:])
    return "".join(out), log
