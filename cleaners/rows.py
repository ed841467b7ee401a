"""Output rows: one flat, typed record per document, the same in Parquet and JSON Lines.

Every corpus row has the columns of :data:`CORPUS_COLUMNS`, in that order and with those
types, whichever format it is written in (the rows of ``documents/`` add ``duplicate_of``
and ``provenance``). ``metadata`` is a JSON-encoded object in a string column in both
formats: input fields differ from record to record, and a nested column would get a
different inferred type in every part, which breaks readers that load a folder of parts
(``datasets.load_dataset``, DuckDB's ``read_parquet('corpus/*.parquet')``).

>>> from cleaners.document import Document
>>> d = Document(id="a", source="in.jsonl:1", text="Rates rose again on Friday.", url="https://www.bbc.co.uk/x",
...              date="May 2, 2024", crawl_date="2024-05-03T10:00:00Z")
>>> r = corpus_row(d)
>>> list(r) == [name for name, _ in CORPUS_COLUMNS]
True
>>> r["domain"], r["date"], r["crawl_date"], r["word_count"], r["cluster_size"]
('bbc.co.uk', '2024-05-02', '2024-05-03T10:00:00+00:00', 5, 1)
>>> r["content_hash"] == content_hash("Rates rose again on Friday.")
True
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import re
from typing import Any

from .dates import iso_date
from collections import Counter

from . import linescore
from .document import Document, sanitise_value, url_host
from .language import detect_language

#: The corpus columns and their types ("string", "float", "int"; every column may be null
#: except ``id``, ``text``, ``word_count``, ``char_count``, ``content_hash``, ``cluster_id``,
#: ``cluster_size``, ``source`` and ``metadata``).
CORPUS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "string"),
    ("text", "string"),
    ("title", "string"),
    ("url", "string"),
    ("domain", "string"),
    ("date", "string"),
    ("crawl_date", "string"),
    ("language", "string"),
    ("language_score", "float"),
    ("word_count", "int"),
    ("char_count", "int"),
    ("content_hash", "string"),
    ("cluster_id", "string"),
    ("cluster_size", "int"),
    ("spin_score", "float"),
    ("source", "string"),
    ("metadata", "string"),
)

#: a word: letters or digits, joined by an apostrophe or hyphen ("council's", "night-bus"); a run
#: of Chinese or Japanese without spaces counts as one word (no segmenter is shipped)
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


def word_count(text: str) -> int:
    """The words of ``text`` (:data:`_WORD`), by the compiled kernel where it is built.

    >>> word_count("The council's night-bus plan -- two   words?")
    6
    """
    k = linescore.kernels
    return k.word_count(text) if k is not None else len(_WORD.findall(text))


def content_hash(text: str) -> str:
    """SHA-256 of the cleaned text's UTF-8 bytes, as 64 hex digits: the same value as
    ``hashlib.sha256(text.encode()).hexdigest()`` in Python or ``sha256(text)`` in DuckDB.

    >>> content_hash("")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@functools.lru_cache(maxsize=1)
def _suffixes() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def registered_domain(url: str | None) -> str | None:
    """The registered domain of ``url`` (the public suffix plus one label, from the Public
    Suffix List the ``publicsuffixlist`` package ships); an IP address or a single-label host
    is its own domain; ``None`` without a usable host.

    >>> registered_domain("https://news.bbc.co.uk/a"), registered_domain("http://10.0.0.1:8080/"), registered_domain("x")
    ('bbc.co.uk', '10.0.0.1', None)
    """
    host = url_host(url)
    return _host_domain(host.rstrip(".").lower()) if host else None


@functools.lru_cache(maxsize=65536)
def _host_domain(host: str) -> str | None:
    """:func:`registered_domain` of a lower-cased host (a corpus has far fewer hosts than pages)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host.strip("[]")
    except ValueError:
        pass
    if "." not in host:
        return host
    return _suffixes().privatesuffix(host) or host


def cluster_size(doc: Document) -> int:
    """Members of the document's dedup cluster (1 when it was not clustered)."""
    for entry in reversed(doc.provenance):
        if entry.get("stage") == "dedup":
            return int(entry.get("cluster_size") or 1)
    return 1


def corpus_row(doc: Document) -> dict[str, Any]:
    """The document as a corpus row (:data:`CORPUS_COLUMNS`, in order).

    ``date`` and ``crawl_date`` are ISO 8601 (:func:`cleaners.dates.iso_date`); a value that
    cannot be read as a date becomes null and is kept as ``metadata.date_raw`` /
    ``metadata.crawl_date_raw``. ``domain`` falls back to an input ``domain`` or ``site``
    field when the url gives none.
    """
    meta = dict(doc.metadata)
    date, crawl = iso_date(doc.date), iso_date(doc.crawl_date)
    if doc.date and date is None:
        meta["date_raw"] = doc.date
    if doc.crawl_date and crawl is None:
        meta["crawl_date_raw"] = doc.crawl_date
    domain = registered_domain(doc.url)
    if domain is None:
        given = meta.get("domain") or meta.get("site")
        domain = given.strip().lower() or None if isinstance(given, str) else None
    language, score = detect_language(doc.text)
    return {
        "id": doc.id,
        "text": doc.text,
        "title": doc.title,
        "url": doc.url,
        "domain": domain,
        "date": date,
        "crawl_date": crawl,
        "language": language,
        "language_score": score,
        "word_count": word_count(doc.text),
        "char_count": len(doc.text),
        "content_hash": content_hash(doc.text),
        "cluster_id": doc.cluster_id or doc.id,
        "cluster_size": cluster_size(doc),
        "spin_score": doc.spin_score,
        "source": doc.source,
        "metadata": _json(meta),
    }


def _json(meta: dict[str, Any]) -> str:
    try:
        return json.dumps(meta, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:  # a NaN that reading did not catch: null, as the JSON writers do
        return json.dumps(sanitise_value(meta, Counter()), ensure_ascii=False, allow_nan=False, default=str)


def document_row(doc: Document) -> dict[str, Any]:
    """A row of ``documents/``: the corpus row plus ``duplicate_of`` (null for a canonical
    copy) and ``provenance`` (what each stage removed, repaired or decided, and why)."""
    return {**corpus_row(doc), "duplicate_of": doc.duplicate_of, "provenance": list(doc.provenance)}


def as_corpus_row(row: dict[str, Any]) -> dict[str, Any]:
    """A :func:`document_row` cut back to the corpus columns (no second language detection)."""
    return {name: row[name] for name, _ in CORPUS_COLUMNS}
