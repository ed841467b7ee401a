"""HTML → article body and metadata, with trafilatura.

:func:`html_to_text` returns the body only (no headline), paragraphs separated
by newlines; :func:`extract_article` also returns title, date, author, url and
language. Settings follow the measured best trafilatura configuration on the
article-extraction benchmark (``include_comments=False, favor_precision=True``),
with two additions (see ``bench/extraction.py`` for their effect):

* arbitration: when the precise extraction returns less than
  ``[extract] min_body_chars`` characters, trafilatura is asked again with
  ``favor_recall=True`` and the longer body wins (only a few pages pay for the
  second pass);
* headline removal: a first line made only of words of the page title (the
  ``<title>`` element, the first ``<h1>`` or the extracted title) is the headline, not body.

Bounded work (:mod:`cleaners.limits`): before lxml or trafilatura sees a page,
:func:`check_markup` measures it (a few linear regex scans of its tags), and a page beyond a bound
is given up with :class:`~cleaners.limits.WorkLimitExceeded` (the pipeline rejects it with
that reason). The bounds, in ``[extract]``: start tags in the page (libxml2's XPath node sets,
which trafilatura builds over all text nodes, grow quadratically: 60,000 tiny paragraphs took
18.6 s, 20,000 1.2 s), formatting tags in one block (``<span>``/``<b>``/``<font>`` runs leave
adjacent text nodes, whose document order libxml2 finds by walking siblings: 10,000 spans in
one paragraph took 6.5 s), and attributes on one tag (libxml2 checks each against the ones
before it: 200,000 attributes did not finish in 300 s).
"""

from __future__ import annotations

import functools
import html as html_lib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import trafilatura
from trafilatura.settings import set_date_params

from cleaners.limits import check
from cleaners.settings import section


@dataclass(frozen=True)
class Article:
    text: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None
    language: str | None = None
    #: lines of trafilatura's output dropped as chrome: (line number, text, reason)
    removed: tuple[tuple[int, str, str], ...] = ()


_OPTIONS = dict(include_comments=False, favor_precision=True, include_tables=True)
_RECALL_OPTIONS = dict(include_comments=False, favor_recall=True, include_tables=True)
# [^<>] rather than [^>]: a run of "<" with no ">" must not be re-scanned from every "<" (quadratic)
_TITLE_TAG = re.compile(r"<title[^<>]*>([^<]{1,500})</title>", re.I)
_H1_TAG = re.compile(r"<h1[^<>]*>(.{1,1000}?)</h1>", re.I | re.S)
_TAG = re.compile(r"<[^<>]*>")
_WORD = re.compile(r"\w+")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
# tags that end a run of formatting tags: the blocks trafilatura keeps as elements while it
# searches the tree (see check_markup), and the formatting tags it flattens into the text
_BLOCK_TAGS = frozenset(
    "p div li ul ol dl dt dd td th tr table tbody thead tfoot caption h1 h2 h3 h4 h5 h6 blockquote pre section "
    "article main header footer nav aside body html head figure figcaption form fieldset br hr".split()
)
_FORMATTING_TAGS = frozenset(
    "span font b strong i em u s strike del ins sub sup small big mark abbr acronym cite dfn data bdi bdo nobr "
    "ruby rt rp tt code kbd samp var q time label wbr".split()
)
_START_TAG = re.compile(r"<[A-Za-z]")
_FORMATTING_START = re.compile(r"<(?:%s)(?=[\s/>])" % "|".join(sorted(_FORMATTING_TAGS, key=len, reverse=True)), re.I)
_BLOCK_OR_FORMATTING = re.compile(
    r"<(/?)(%s)(?=[\s/>])" % "|".join(sorted(_BLOCK_TAGS | _FORMATTING_TAGS, key=len, reverse=True)), re.I
)


# a start tag as a parser reads it: the name, then everything up to its ">" outside quoted values
# (a quote after "=" opens one; possessive: each character is looked at a bounded number of times)
_MARKUP = re.compile(r"<(?:(!--)|([A-Za-z][^\s/<>]*+))")
_TAG_REST = re.compile(r"""(?:[^>"'<=]++|=\s*+(?:"[^"]*+"|'[^']*+')?|["'])*+""")  # (a quote quotes only a value)
_RAW_TEXT_CLOSE = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I)}


def start_tags(page: str) -> Iterator[tuple[str, str]]:
    """``(name, attributes)`` of each start tag an HTML parser reads in ``page``: not inside a
    comment or the body of a ``script`` or ``style`` element, which are text to it
    (``for(i=0;i<a.length;i++)`` in a script is no tag ``<a`` with dozens of attributes), and
    with ``>`` inside a quoted value not ending the tag. An element or comment never closed runs
    to the end of the page. One pass.

    >>> list(start_tags('<p class="a>b">x</p><script src="s.js">if (a<b && c>d) f()</script><!-- <b> --><i>y'))
    [('p', ' class="a>b"'), ('script', ' src="s.js"'), ('i', '')]
    """
    pos = 0
    while True:
        m = _MARKUP.search(page, pos)
        if m is None:
            return
        if m.group(1):  # a comment
            end = page.find("-->", m.end())
            if end < 0:
                return
            pos = end + 3
            continue
        rest = _TAG_REST.match(page, m.end())
        yield m.group(2), rest.group()
        pos = rest.end()
        raw = _RAW_TEXT_CLOSE.get(m.group(2).lower())
        if raw is not None:
            end_tag = raw.search(page, pos)
            if end_tag is None:
                return
            pos = end_tag.start()


def _attribute_count(rest: str) -> int:
    """Attribute names (and unquoted values) of a start tag: the words outside quoted values."""
    return len(_QUOTED.sub(" ", rest).split())


@functools.cache
def _long_tag(min_chars: int) -> re.Pattern[str]:
    """Start tags with at least ``min_chars`` characters after the name's first letter (possessive:
    a "<" never closed is scanned once)."""
    return re.compile(r"<[A-Za-z]([^<>]{%d,}+)>" % min_chars)


def check_markup(html: str | bytes) -> None:
    """Raise :class:`~cleaners.limits.WorkLimitExceeded` for a page that lxml or trafilatura
    could not get through in bounded time (see the module docstring). A few scans by the regex
    engine; the tags are looked at one by one only on a page with more formatting tags than
    ``max_formatting_run`` (to find the longest run of them).

    >>> check_markup("<html><body><p class='a' id=x>Words <b>here</b>.</p></body></html>")
    >>> check_markup("<p " + " ".join(f"a{i}=1" for i in range(1000)) + ">x</p>")
    Traceback (most recent call last):
    ...
    cleaners.limits.WorkLimitExceeded: extract: 1,000 attributes on one tag, over [extract] max_tag_attributes = 256; the document is not cleaned
    """
    cfg = section("extract")
    page = html if isinstance(html, str) else html.decode("latin-1")  # tags are ASCII; one byte, one char
    max_attrs = cfg["max_tag_attributes"]
    # a quick scan for long "tags" first (an attribute takes two characters at least: " a"); only
    # where one looks like too many attributes are the tags read as a parser reads them, since
    # scripts and comments hold text like "i<a.length; ..." that only looks like a tag
    if any(_attribute_count(m.group(1)) > max_attrs for m in _long_tag(2 * max_attrs).finditer(page)):
        most = max((_attribute_count(rest) for _n, rest in start_tags(page) if len(rest) >= 2 * max_attrs), default=0)
        check("extract", "attributes on one tag", most, "extract", "max_tag_attributes", max_attrs)
    limit = cfg["max_formatting_run"]
    if page.count("<") <= min(limit, cfg["max_html_tags"]):
        return
    starts = len(_START_TAG.findall(page))
    if starts > cfg["max_html_tags"]:  # (likewise: "<" followed by a letter in scripts is no tag)
        starts = sum(1 for _ in start_tags(page))
    check("extract", "start tags in the page", starts, "extract", "max_html_tags", cfg["max_html_tags"])
    if starts > limit and len(_FORMATTING_START.findall(page)) > limit:
        run = longest = 0
        for m in _BLOCK_OR_FORMATTING.finditer(page):
            if m.group(2).lower() in _BLOCK_TAGS:
                run = 0
            elif not m.group(1):
                run += 1
                longest = max(longest, run)
        check("extract", "formatting tags in one block", longest, "extract", "max_formatting_run", limit)


def _bare(html: str | bytes, url: str | None, with_metadata: bool, options: dict):
    params = None
    if with_metadata and len(html) > section("extract")["extensive_date_max_chars"]:
        # htmldate's extensive search scans all page text for date patterns: on a multi-megabyte
        # page that costs more than the extraction itself, and the header/meta search still runs
        params = set_date_params(extensive=False)
    try:
        return trafilatura.bare_extraction(
            html, url=url, with_metadata=with_metadata, date_extraction_params=params, **options
        )
    except Exception:  # trafilatura raises assorted lxml errors on hostile markup
        return None


def _field(res, key: str):
    if res is None:
        return None
    return res.get(key) if isinstance(res, dict) else getattr(res, key, None)


def _extract(html: str | bytes, url: str | None, with_metadata: bool):
    """(body text, trafilatura result) with arbitration for pages where the precise pass finds little."""
    res = _bare(html, url, with_metadata, _OPTIONS)
    text = (_field(res, "text") or "").strip()
    if len(text) < section("extract")["min_body_chars"]:
        alt = _bare(html, url, with_metadata, _RECALL_OPTIONS)
        alt_text = (_field(alt, "text") or "").strip()
        if len(alt_text) > len(text):
            text, res = alt_text, (alt if res is None else res)
    return text, res


def _page_titles(html: str | bytes) -> list[str]:
    """The ``<title>`` element and the first ``<h1>``: where a page states its headline."""
    page = html if isinstance(html, str) else html.decode("utf-8", "replace")
    out = []
    for rx in (_TITLE_TAG, _H1_TAG):
        m = rx.search(page)
        if m:
            out.append(html_lib.unescape(_TAG.sub(" ", m.group(1))).strip())
    return out


def _empty(html: str | bytes | None) -> bool:
    return not html or not html.strip()


def extract_article(html: str | bytes, url: str | None = None) -> Article:
    """Extract the article body and its metadata; an empty body if nothing is found."""
    if _empty(html):
        return Article(text="", url=url)
    check_markup(html)
    text, res = _extract(html, url, with_metadata=True)
    if res is None and not text:
        return Article(text="", url=url)
    title = _field(res, "title") or None
    text, removed = drop_chrome_lines(text)
    return Article(
        text=nfc(_drop_leading_title(text, title, *_page_titles(html))),
        removed=removed,
        title=title,
        date=_field(res, "date") or None,
        author=_field(res, "author") or None,
        url=_field(res, "url") or url,
        language=_field(res, "language") or None,
    )


def _drop_leading_title(text: str, *titles: str | None) -> str:
    """The body must not start with the headline: drop a first line made only of title words.

    >>> _drop_leading_title("Talks stall\\nNegotiators met on Monday.", "Talks stall | Example News")
    'Negotiators met on Monday.'
    >>> _drop_leading_title("Negotiators met on Monday.\\nMore.", "Talks stall")
    'Negotiators met on Monday.\\nMore.'
    >>> _drop_leading_title("The talks stall again as the negotiators leave the table.\\nMore.", "The talks stall again as the negotiators leave the table")
    'The talks stall again as the negotiators leave the table.\\nMore.'
    """
    if not text:
        return text
    first, _, rest = text.partition("\n")
    if first.rstrip().endswith((".", "!")) and len(first.split()) > section("extract")["lead_min_words"]:
        return text  # a sentence, not a headline: a lead that repeats the title's words is body
    words = _WORD.findall(first.lower())
    for title in titles:
        if not title or not words:
            continue
        title_words = set(_WORD.findall(title.lower()))
        if len(words) <= section("extract")["headline_max_words"] and all(w in title_words for w in words):
            return rest.lstrip("\n")
    return text


def html_to_text(html: str | bytes, url: str | None = None) -> str:
    """The article body of ``html`` (no headline), one paragraph a line.

    >>> html_to_text("<html><body><article><h1>T</h1><p>" + "Some words here. " * 20 + "</p></article></body></html>")[:15]
    'Some words here'
    """
    if _empty(html):
        return ""
    check_markup(html)
    text, _ = _extract(html, url, with_metadata=False)
    return nfc(_drop_leading_title(drop_chrome_lines(text)[0], *_page_titles(html)))


def drop_chrome_lines(text: str) -> tuple[str, tuple[tuple[int, str, str], ...]]:
    """trafilatura's output less the short lines a chrome phrase rule of the boilerplate stripper
    marks (:func:`cleaners.boilerplate.line_reason`: "Share on Facebook", "Read more: ...", a
    newsletter prompt) of at most ``chrome_line_max_words`` words, and the dropped lines as
    (line number, text, reason). Other rules (a date-only line, an e-mail contact) are left alone:
    in an extracted article they are more often body.

    >>> drop_chrome_lines("The minister said talks would go on.\\nShare on Facebook")
    ('The minister said talks would go on.', ((1, 'Share on Facebook', 'phrase:share'),))
    """
    if not text:
        return text, ()
    from cleaners import boilerplate  # the rules and phrase data of the text-mode stripper

    lines = text.split("\n")
    limit = section("extract")["chrome_line_max_words"]
    reasons = boilerplate._rule_reasons([l.strip() or "-" for l in lines])
    removed = tuple(
        (k, line, r) for k, (line, r) in enumerate(zip(lines, reasons)) if r and r.startswith("phrase:") and line.strip() and len(line.split()) <= limit
    )
    if not removed:
        return text, ()
    gone = {k for k, _, _ in removed}
    return "\n".join(l for k, l in enumerate(lines) if k not in gone), removed


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C (composed characters: "é" as one code point, as most
    references and later stages expect; pages often send decomposed letters).

    >>> nfc("Cafe\u0301") == "Caf\u00e9"
    True
    """
    return text if text.isascii() else unicodedata.normalize("NFC", text)
