"""Strip page chrome from text that was dumped from HTML line by line.

:func:`strip_boilerplate` takes one plain-text document and returns the body;
:func:`strip_document_lines` also returns the detected headline and every
removed line with the rule that removed it (provenance).

Evidence is per line (template placeholders, icon-sprite runs, chrome phrases
from ``data/chrome_phrases.txt``, date-only lines) and per document (exact
repeats, the doubled headline, a chrome-dominated tail).

>>> strip_boilerplate("Skip to main content\\n\\nThe minister said on Monday that talks would go on next week in Tokyo.")
'The minister said on Monday that talks would go on next week in Tokyo.'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from cleaners.settings import read_data_text, section

_cfg = section("boilerplate")


@dataclass(frozen=True)
class Removal:
    line: int  # 0-based line number in the input text
    text: str
    reason: str

    def to_record(self) -> dict:
        return {"line": self.line, "text": self.text, "reason": self.reason}


@dataclass
class StripResult:
    text: str
    title: str | None = None
    removed: list[Removal] = field(default_factory=list)


@functools.cache
def _chrome_patterns() -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for raw in read_data_text("chrome_phrases.txt").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        family, _, pat = raw.partition("\t")
        pat = pat.strip()
        if pat.startswith("^"):  # whole-line pattern
            rx = r"^[\W_]*(?:" + pat[1:] + r")[\W_]*$"
        else:
            rx = r"(?<!\w)(?:" + pat + r")(?!\w)"
        out.append((family.strip(), re.compile(rx, re.I)))
    return out


_TEMPLATE = re.compile(r"\{\{[^{}\n]{0,200}\}\}")
_ICON_TOKEN = re.compile(r"Icon|Created with Sketch|Chevron|Artboard|Layer \d|Arrow", re.I)
_WORD = re.compile(r"\w+", re.UNICODE)
_SENT_SPLIT = re.compile(r"(?<=[.!?…])\s+")
_CREDIT = re.compile(r"^(?:(?:photo|image|picture|credit)s?\s*:\s*)?[A-Z][A-Z .'’-]{2,60}\s*/\s*[\w .'’-]{2,40}$")
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{2,63}")
_BULLET = re.compile(r"^\s*[•·▪◦\-–*]\s*")
_DATE_TOKEN = re.compile(
    r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?$|^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?$"
    r"|^\d{1,4}(?:st|nd|rd|th)?,?$|^\d{1,2}:\d{2}$|^(?:am|pm|a\.m\.|p\.m\.|gmt|utc|edt|est|jst)$"
    r"|^(?:published|updated|posted|last|update|at|on)$|^[,:|•·/-]$",
    re.I,
)


def _norm(line: str) -> str:
    return " ".join(_WORD.findall(line.lower()))


def _is_date_line(words: list[str]) -> bool:
    return 0 < len(words) <= 12 and all(_DATE_TOKEN.match(w) for w in words) and any(ch.isdigit() for w in words for ch in w)


def line_reason(line: str) -> str | None:
    """The rule that marks ``line`` as chrome on its own evidence, or ``None``.

    >>> line_reason("You have {{count}} free articles left")
    'template'
    >>> line_reason("Story continues below advertisement")
    'phrase:ads'
    >>> line_reason("The minister said talks would continue.") is None
    True
    """
    stripped = _BULLET.sub("", line).strip()
    if not stripped:
        return None
    if _TEMPLATE.search(stripped):
        return "template"
    if len(_ICON_TOKEN.findall(stripped)) >= 4:
        return "icon-sprite"
    if _CREDIT.match(stripped) and len(stripped.split()) <= 8:
        return "photo-credit"
    if _is_date_line(stripped.replace(",", " , ").split()):
        return "dateline-only"
    sentences = [s for s in _SENT_SPLIT.split(stripped) if s.strip()]
    hits = 0
    family = None
    for sent in sentences:
        if _EMAIL.search(sent):
            hits += 1
            family = family or "contact"
            continue
        for fam, pat in _chrome_patterns():
            if pat.search(sent):
                hits += 1
                family = family or fam
                break
    if hits and hits * 2 >= len(sentences):
        return f"phrase:{family}"
    return None


def _is_headline_shape(line: str) -> bool:
    words = line.split()
    return _cfg["headline_min_words"] <= len(words) <= _cfg["headline_max_words"] and not line.rstrip().endswith((".", ":", ";", ",")) and line[:1].isupper()


def _is_body_shape(line: str) -> bool:
    words = line.split()
    return len(words) >= 15 and line.rstrip()[-1:] in ".!?\"”’)"


def strip_document_lines(text: str) -> StripResult:
    """Strip chrome from one text dump; return body, headline and removals."""
    lines = text.split("\n")
    reasons: list[str | None] = [line_reason(l) for l in lines]
    norms = [_norm(l) for l in lines]

    # exact repeats inside the document: keep the first copy of a line, or none when
    # the line is already chrome (a notice repeated three times is chrome every time)
    seen: dict[str, int] = {}
    for i, n in enumerate(norms):
        if len(n) < _cfg["min_repeat_chars"]:
            continue
        if n in seen and reasons[i] is None:
            reasons[i] = "repeat"
        seen.setdefault(n, i)
    # near-repeat: a shorter line that is the prefix of an earlier chrome line
    chrome_norms = [norms[i] for i, r in enumerate(reasons) if r and r != "repeat"]
    for i, n in enumerate(norms):
        if reasons[i] is None and len(n) >= 20 and any(c != n and c.startswith(n) for c in chrome_norms):
            reasons[i] = "repeat-of-chrome"

    # headline: first content line of headline shape, followed later by body
    title = None
    content = [i for i, l in enumerate(lines) if l.strip() and reasons[i] is None]
    for i in content[:4]:
        if _is_headline_shape(lines[i].strip()) and any(_is_body_shape(lines[j]) for j in content if j > i):
            title = lines[i].strip()
            reasons[i] = "headline"
            for j in content:  # a one-to-three word section label ("kicker") above the headline
                if j < i and len(lines[j].split()) <= 3:
                    reasons[j] = "kicker"
            for j in content:
                if j != i and norms[j] == norms[i]:
                    reasons[j] = "repeat-of-headline"
            break

    # tail: after the last body-shaped line, a block that contains chrome and no
    # body-shaped line is page footer (comment sections, newsletters, offers)
    body_idx = [i for i, l in enumerate(lines) if reasons[i] is None and _is_body_shape(l)]
    if body_idx:
        last_body = body_idx[-1]
        tail = [i for i in range(last_body + 1, len(lines)) if lines[i].strip()]
        if any(reasons[i] for i in tail):
            first_chrome = min(i for i in tail if reasons[i])
            for i in tail:
                if i > first_chrome and reasons[i] is None:
                    reasons[i] = "footer-block"
    # context: a short unlabelled line sandwiched between chrome lines is chrome
    content_all = [i for i, l in enumerate(lines) if l.strip()]
    for k, i in enumerate(content_all):
        if reasons[i] is None and len(lines[i].split()) < 10 and 0 < k < len(content_all) - 1:
            prev_r, next_r = reasons[content_all[k - 1]], reasons[content_all[k + 1]]
            if prev_r and next_r and prev_r != "headline" and next_r != "headline":
                reasons[i] = "between-chrome"

    kept: list[str] = []
    removed: list[Removal] = []
    for i, line in enumerate(lines):
        if reasons[i] and line.strip():
            if reasons[i] != "headline":
                removed.append(Removal(i, line, reasons[i]))
            else:
                removed.append(Removal(i, line, "headline"))
        else:
            kept.append(line)
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return StripResult(text=body, title=title, removed=removed)


def strip_boilerplate(text: str) -> str:
    """One plain-text document in, its article body out (headline removed)."""
    return strip_document_lines(text).text
