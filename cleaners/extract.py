"""HTML → article body and metadata, with trafilatura.

:func:`html_to_text` returns the body only (no headline), paragraphs separated
by newlines; :func:`extract_article` also returns title, date, author, url and
language. Settings follow the measured best trafilatura configuration on the
article-extraction benchmark (``include_comments=False, favor_precision=True``).
"""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura


@dataclass(frozen=True)
class Article:
    text: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None
    language: str | None = None


_OPTIONS = dict(include_comments=False, favor_precision=True, include_tables=True)


def extract_article(html: str | bytes, url: str | None = None) -> Article:
    """Extract the article body and its metadata; an empty body if nothing is found."""
    if not html or not (html.strip() if isinstance(html, str) else html.strip()):
        return Article(text="", url=url)
    try:
        res = trafilatura.bare_extraction(html, url=url, with_metadata=True, **_OPTIONS)
    except Exception:  # trafilatura raises assorted lxml errors on hostile markup
        res = None
    if res is None:
        return Article(text="", url=url)
    get = (lambda k: getattr(res, k, None)) if not isinstance(res, dict) else res.get
    return Article(
        text=_drop_leading_title((get("text") or "").strip(), get("title")),
        title=get("title") or None,
        date=get("date") or None,
        author=get("author") or None,
        url=get("url") or url,
        language=get("language") or None,
    )


def _fold(s: str) -> str:
    return " ".join(s.lower().split())


def _drop_leading_title(text: str, title: str | None) -> str:
    """trafilatura keeps an in-article <h1>; the body must not start with the headline."""
    if not title or not text:
        return text
    first, _, rest = text.partition("\n")
    return rest.lstrip("\n") if _fold(first) == _fold(title) else text


def html_to_text(html: str | bytes, url: str | None = None) -> str:
    """The article body of ``html`` (no headline), one paragraph a line.

    >>> html_to_text("<html><body><article><h1>T</h1><p>" + "Some words here. " * 20 + "</p></article></body></html>")[:15]
    'Some words here'
    """
    return extract_article(html, url).text
