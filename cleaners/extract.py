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
  ``<title>`` element, the first ``<h1>`` or the extracted title) is the headline, not body;
* recovery (:func:`recover_lines`): the page's own text dump (:func:`page_dump`, one block
  element a line) goes through the text-mode stripper's line model, and a paragraph trafilatura
  dropped comes back when the model keeps it with high confidence and it lies between or
  directly next to paragraphs trafilatura kept, in the dump's order.

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
from lxml import etree
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html

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
    #: paragraphs of the page's text dump put back into trafilatura's output (:func:`recover_lines`):
    #: (line number in the dump's non-empty lines, text, reason)
    recovered: tuple[tuple[int, str, str], ...] = ()


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
    """Start tags with at least ``min_chars`` characters of attributes (a ">" inside a quoted value
    does not end one: ``a0="x>" a1="x>" ...`` are attributes all the same). Possessive: each
    character is looked at a bounded number of times."""
    return re.compile(r"<[A-Za-z][^\s/<>]*+(?=[^<>]{%d}|[^<]*?=\s*+[\"'])(%s)" % (min_chars, _TAG_REST.pattern))


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
    long = 2 * max_attrs
    if any(len(m.group(1)) >= long and _attribute_count(m.group(1)) > max_attrs for m in _long_tag(long).finditer(page)):
        most = max((_attribute_count(rest) for _n, rest in start_tags(page) if len(rest) >= long), default=0)
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


# Han ideographs and kana: a word is one to two of them where an English word is five or six
# letters and a space, so in such text a character counts three (the body-length test below)
_DENSE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def body_size(text: str) -> int:
    """``text``'s length in Latin-script characters: a Han or kana character counts three.

    >>> body_size("Some words."), body_size("日本経済新聞")
    (11, 18)
    """
    return len(text) if text.isascii() else len(text) + 2 * len(_DENSE_SCRIPT.findall(text))


def _extract(html, url: str | None, with_metadata: bool):
    """(body text, trafilatura result) with arbitration for pages where the precise pass finds little."""
    res = _bare(html, url, with_metadata, _OPTIONS)
    text = (_field(res, "text") or "").strip()
    if body_size(text) < section("extract")["min_body_chars"]:
        alt = _bare(html, url, with_metadata, _RECALL_OPTIONS)
        alt_text = (_field(alt, "text") or "").strip()
        if len(alt_text) > len(text):
            text, res = alt_text, (alt if res is None else res)
    if "\n" in text:  # one paragraph a line: no lines of whitespace only (table and list layout)
        text = "\n".join(line for line in text.split("\n") if line.strip())
    return text, res


def _load(html: str | bytes):
    """The page's lxml tree, parsed once as trafilatura parses it (trafilatura is handed the tree and
    works on a copy of it), or None when it cannot be parsed."""
    try:
        return load_html(html)
    except Exception:  # assorted lxml and decoding errors on hostile markup
        return None


def _body(html: str | bytes, url: str | None, with_metadata: bool, model: dict | None = None):
    """(body text, trafilatura result, recovered paragraphs): trafilatura's body with the paragraphs
    :func:`recover_lines` puts back."""
    recover = section("extract")["recover"]
    tree = _load(html) if recover else None  # without recovery trafilatura parses the page itself
    text, res = _extract(html if tree is None else tree, url, with_metadata)
    recovered: tuple[tuple[int, str, str], ...] = ()
    if tree is not None and text:
        furniture: list[bool] = []
        dump = page_dump(tree, furniture)
        text, recovered = recover_lines(text, dump, model, furniture=furniture)
    return text, res, recovered


# ------------------------------------------------------------ text dump ---

# elements that start a line of the dump (block-level and form elements)
_DUMP_BLOCKS = _BLOCK_TAGS | frozenset("address center details summary menu option select textarea button iframe legend".split())
_DUMP_SKIP = frozenset(("script", "style", "noscript", "template"))
_SPACES = re.compile(r"\s+")
# elements whose text is page furniture, not article paragraphs (see page_dump)
_FURNITURE = frozenset(("figure", "figcaption", "aside", "nav", "header", "footer", "form"))


def page_dump(tree, flags: list[bool] | None = None) -> list[str]:
    """The visible text of a parsed page's ``<body>``, one block element a line (whitespace folded,
    blank lines left out): the naive text dump the text-mode stripper is fitted on. Script, style,
    noscript and template contents and comments are left out. ``flags``, when given, receives per
    line whether it is page furniture by its markup: inside a figure, caption, aside, nav, header,
    footer or form element, or with at least half of its characters in link text.

    >>> import lxml.html
    >>> flags = []
    >>> page_dump(lxml.html.fromstring("<html><body><nav><a>Home</a> <a>World</a></nav><p>One <b>two</b>.</p><script>x()</script><div>Three<br>four <a>five</a></div></body></html>"), flags)
    ['Home World', 'One two.', 'Three', 'four five']
    >>> flags
    [True, False, False, True]
    """
    body = tree.find("body")
    if body is None:
        body = tree
    parts: list[str] = []
    marks: list[int] = []  # per part: 1 link text, 2 inside furniture
    skip = link = furniture = 0
    blocks, skipped, furnished = _DUMP_BLOCKS, _DUMP_SKIP, _FURNITURE
    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):  # a comment or processing instruction: only its tail is text
            if event == "end" and not skip and el.tail:
                parts.append(el.tail)
                marks.append((link > 0) | (furniture > 0) << 1)
            continue
        if event == "start":
            if tag in skipped:
                skip += 1
            elif not skip:
                if tag in blocks:
                    parts.append("\n")
                    marks.append(0)
                if tag == "a":
                    link += 1
                elif tag in furnished:
                    furniture += 1
                if el.text:
                    parts.append(el.text)
                    marks.append((link > 0) | (furniture > 0) << 1)
        elif tag in skipped:
            skip -= 1
            if not skip and el.tail:
                parts.append(el.tail)
                marks.append((link > 0) | (furniture > 0) << 1)
        elif not skip:
            if tag in blocks:
                parts.append("\n")
                marks.append(0)
            if tag == "a":
                link -= 1
            elif tag in furnished:
                furniture -= 1
            if el.tail:
                parts.append(el.tail)
                marks.append((link > 0) | (furniture > 0) << 1)
    flags = [] if flags is None else flags
    out: list[str] = []  # the lines (a newline in the text ends a line too), with each line's marks
    chunk: list[str] = []
    chars = linked = 0
    furn = False
    for part, mark in zip(parts, marks):
        pieces = part.split("\n")
        for j, piece in enumerate(pieces):
            if j:  # a line ends here
                line = _SPACES.sub(" ", "".join(chunk)).strip()
                if line:
                    out.append(line)
                    flags.append(furn or 2 * linked >= chars)
                chunk, chars, linked, furn = [], 0, 0, False
            if piece:
                chunk.append(piece)
                n = len(piece.strip())
                chars += n
                if mark & 1:
                    linked += n
                if mark & 2 and n:
                    furn = True
    line = _SPACES.sub(" ", "".join(chunk)).strip()
    if line:
        out.append(line)
        flags.append(furn or 2 * linked >= chars)
    return out


def _shingles(line: str) -> list[tuple[str, ...]]:
    toks = _WORD.findall(line.lower())
    if len(toks) < 4:
        return [tuple(toks)] if toks else []
    return [tuple(toks[i : i + 4]) for i in range(len(toks) - 3)]


def recover_lines(
    text: str, dump: list[str], model: dict | None = None, strip=None, cfg: dict | None = None, furniture: list[bool] | None = None
) -> tuple[str, tuple[tuple[int, str, str], ...]]:
    """trafilatura's body ``text`` with the body paragraphs it dropped put back, and what was put back
    as (dump line, text, reason).

    ``dump`` is the page's text dump (:func:`page_dump`); it goes through the text-mode stripper
    (:func:`cleaners.boilerplate.strip_document_lines`; ``model`` replaces the line model's weights,
    for held-out evaluation; ``strip``, its result when already computed). A dump line is trafilatura's
    when at least half of its 4-word shingles occur in one of trafilatura's lines. A dump line that is
    not comes back when the stripper keeps it with a first-pass body probability of at least
    ``[extract] recover_min_score``, it has at least ``recover_min_words`` words, and it (or the run of
    such lines it is in) is separated from a line of trafilatura's by at most ``recover_max_gap``
    other dump lines, and, with ``recover_skip_furniture``, it is not page furniture by its markup
    (``furniture``: :func:`page_dump`'s flags: a caption, an aside, mostly link text). It lies
    between trafilatura's first and last lines, or outside them on a side ``recover_edges`` names.
    It is put back after the trafilatura line holding the nearest dump line above it
    that trafilatura kept (before the first one when there is none)."""
    cfg = cfg or section("extract")
    if not text or not dump:
        return text, ()
    if strip is None:
        from cleaners import boilerplate

        strip = boilerplate.strip_document_lines("\n\n".join(dump), model=model, removals=False, scores=True)
    if strip.unwrapped or strip.scores is None:
        return text, ()
    scores, kept = strip.scores[::2], strip.kept[::2]  # the dump was joined with blank lines
    lines = text.split("\n")
    owner: dict[tuple[str, ...], int] = {}
    for j, line in enumerate(lines):
        for sh in _shingles(line):
            owner.setdefault(sh, j)
    n = len(dump)
    at = [-1] * n  # trafilatura's line holding dump line i
    min_score, min_words = cfg["recover_min_score"], cfg["recover_min_words"]
    skip_furniture = cfg["recover_skip_furniture"] and furniture is not None
    cand = [False] * n
    for i, line in enumerate(dump):
        sh = _shingles(line)
        hits = [owner[x] for x in sh if x in owner]
        if sh and 2 * len(hits) >= len(sh):
            at[i] = hits[0]
        elif kept[i] and (scores[i] or 0.0) >= min_score and len(line.split()) >= min_words and not (skip_furniture and furniture[i]):
            cand[i] = True
    if not any(cand) or max(at) < 0:
        return text, ()
    gap = cfg["recover_max_gap"]
    INF = n + 1

    def distances(order) -> list[int]:  # other dump lines between i and trafilatura's nearest line, that way
        out, d = [INF] * n, INF
        for i in order:
            if at[i] >= 0:
                d = 0
            elif cand[i]:
                out[i] = d
            elif d < INF:
                d += 1
        return out

    left, right = distances(range(n)), distances(range(n - 1, -1, -1))
    after: dict[int, list[str]] = {}
    before: dict[int, list[str]] = {}
    recovered = []
    prev = -1  # trafilatura's line holding the last dump line it kept
    first = next(at[i] for i in range(n) if at[i] >= 0)
    for i in range(n):
        if at[i] >= 0:
            prev = at[i]
            continue
        if not cand[i] or min(left[i], right[i]) > gap:
            continue
        where = "between" if left[i] < INF and right[i] < INF else ("after" if left[i] < INF else "before")
        if where != "between" and where not in cfg["recover_edges"]:
            continue
        recovered.append((i, dump[i], f"line-model:{scores[i]:.2f}:{where}"))
        (after.setdefault(prev, []) if prev >= 0 else before.setdefault(first, [])).append(dump[i])
    if not recovered:
        return text, ()
    out = []
    for j, line in enumerate(lines):
        out.extend(before.get(j, ()))
        out.append(line)
        out.extend(after.get(j, ()))
    return "\n".join(out), tuple(recovered)


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
    text, res, recovered = _body(html, url, with_metadata=True)
    if res is None and not text:
        return Article(text="", url=url)
    title = _field(res, "title") or None
    text, removed = drop_chrome_lines(text)
    return Article(
        text=nfc(_drop_leading_title(text, title, *_page_titles(html))),
        removed=removed,
        recovered=recovered,
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


def html_to_text(html: str | bytes, url: str | None = None, model: dict | None = None) -> str:
    """The article body of ``html`` (no headline), one paragraph a line. ``model`` replaces the
    line model's weights in :func:`recover_lines` (held-out evaluation).

    >>> html_to_text("<html><body><article><h1>T</h1><p>" + "Some words here. " * 20 + "</p></article></body></html>")[:15]
    'Some words here'
    """
    if _empty(html):
        return ""
    check_markup(html)
    text, _, _ = _body(html, url, with_metadata=False, model=model)
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
