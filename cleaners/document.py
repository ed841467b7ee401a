"""The `Document` record that every stage reads and returns.

A document carries its text plus everything needed to explain what happened
to it: each stage appends one provenance entry (``{"stage": name, ...}``)
saying what it removed, repaired or decided.

>>> d = Document(id="a", source="x.txt", text="Hello")
>>> d2 = d.evolve(text="Hi", stage="demo", changed=True)
>>> (d.text, d2.text, d2.provenance[-1]["stage"])
('Hello', 'Hi', 'demo')
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One news document as it moves through the pipeline.

    ``text`` is the current body; ``html`` the raw page when the input was HTML
    (kept only until extraction). ``metadata`` carries input fields the
    pipeline does not interpret, so nothing a user supplied is dropped.
    """

    id: str
    source: str
    text: str = ""
    url: str | None = None
    title: str | None = None
    date: str | None = None
    crawl_date: str | None = None
    html: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    provenance: tuple[dict[str, Any], ...] = ()
    spin_score: float | None = None
    cluster_id: str | None = None
    duplicate_of: str | None = None

    def evolve(self, stage: str | None = None, /, **changes: Any) -> "Document":
        """Return a copy with ``changes`` applied.

        If ``stage`` is given, the keyword ``changed`` and any keys not naming a
        field are recorded as that stage's provenance entry instead.
        """
        stage = stage or changes.pop("stage", None)
        record = {k: changes.pop(k) for k in list(changes) if k not in _FIELDS}
        if stage is not None:
            changes["provenance"] = self.provenance + ({"stage": stage, **record},)
        elif record:
            raise TypeError(f"unknown Document fields: {sorted(record)}")
        # what dataclasses.replace does (no field has init=False, there is no __post_init__),
        # without its per-call introspection: stages evolve every document several times
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    def to_record(self, with_provenance: bool = True) -> dict[str, Any]:
        """A JSON-serialisable dict (the raw ``html`` is never written out)."""
        out: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "url": self.url,
            "title": self.title,
            "date": self.date,
            "crawl_date": self.crawl_date,
            "text": self.text,
            "metadata": dict(self.metadata),
            "spin_score": self.spin_score,
            "cluster_id": self.cluster_id,
            "duplicate_of": self.duplicate_of,
        }
        if with_provenance:
            out["provenance"] = list(self.provenance)
        return out

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> "Document":
        """Inverse of :meth:`to_record` (unknown keys go to ``metadata``)."""
        kwargs = {k: v for k, v in rec.items() if k in _FIELDS}
        extra = {k: v for k, v in rec.items() if k not in _FIELDS}
        kwargs["metadata"] = {**(rec.get("metadata") or {}), **extra}
        kwargs["provenance"] = tuple(rec.get("provenance") or ())
        kwargs["id"] = str(kwargs.get("id", ""))
        kwargs.setdefault("source", "")
        kwargs["text"] = kwargs.get("text") or ""
        return cls(**kwargs)


_FIELDS = frozenset(f.name for f in dataclasses.fields(Document))
assert all(f.init for f in dataclasses.fields(Document)) and not hasattr(Document, "__post_init__")  # (evolve's copy)


def content_id(text: str, source: str = "") -> str:
    """A stable 16-hex id from content (used when the input names no id).

    >>> content_id("abc") == content_id("abc")
    True
    """
    h = hashlib.blake2b(digest_size=8)
    h.update(source.encode("utf-8", "surrogatepass"))
    h.update(b"\0")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def url_host(url: str | None) -> str | None:
    """The host of ``url`` without a leading ``www.``; ``None`` when it has none or is not a
    valid URL (a stray ``[`` makes ``urlsplit`` raise): one bad field never fails a caller.

    >>> url_host("https://www.example.com/a"), url_host("http://[oops/a"), url_host(None)
    ('example.com', None, None)
    """
    from urllib.parse import urlsplit

    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


_SURROGATE = re.compile("[\ud800-\udfff]")


def printable_path(name: str) -> str:
    """A file name as UTF-8-safe text: bytes that were not UTF-8 (kept by Python as lone
    surrogates) are shown as ``\\xNN``, so the name can be written and still names the file.

    >>> printable_path("caf" + chr(0xDCE9) + ".txt")
    'caf\\\\xe9.txt'
    """
    if not _SURROGATE.search(name):
        return name
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", name)


def sanitise_value(value: Any, notes: Counter[str]) -> Any:
    """``value`` made writable as strict JSON and UTF-8: lone surrogates become U+FFFD and
    non-finite floats (``NaN`` and infinities are not JSON) become ``None``; each change is
    counted in ``notes``.

    >>> notes = Counter()
    >>> sanitise_value({"a": float("nan"), "b": ["x" + chr(0xDCFF)]}, notes) == {"a": None, "b": ["x\\ufffd"]}
    True
    >>> dict(notes)
    {'non-finite number set to null': 1, 'lone surrogate replaced': 1}
    """
    if isinstance(value, str):
        n = len(_SURROGATE.findall(value))
        if n:
            notes["lone surrogate replaced"] += n
            return _SURROGATE.sub("\ufffd", value)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            notes["non-finite number set to null"] += 1
            return None
        return value
    if isinstance(value, dict):
        return {sanitise_value(str(k), notes): sanitise_value(v, notes) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitise_value(v, notes) for v in value]
    return value


def sanitise_document(doc: Document) -> Document:
    """Every field of an input document made safe for the stages and the writers: no lone
    surrogates, no non-finite numbers, a url that parses (an invalid one moves to
    ``metadata.invalid_url``); ``metadata.sanitised`` says what was changed. The source (a
    file name) keeps its undecodable bytes visible as ``\\xNN``.

    >>> d = sanitise_document(Document(id="a", source="f.jsonl:1", text="t", url="http://[oops/a"))
    >>> d.url, d.metadata["invalid_url"], d.metadata["sanitised"]
    (None, 'http://[oops/a', {'url is not a valid URL: moved to metadata.invalid_url': 1})
    """
    notes: Counter[str] = Counter()
    fields = {name: sanitise_value(getattr(doc, name), notes) for name in ("id", "text", "url", "title", "date", "html")}
    metadata = sanitise_value(dict(doc.metadata), notes)
    source = printable_path(doc.source)
    url = fields["url"]
    if url is not None:
        from urllib.parse import urlsplit

        try:
            urlsplit(url).hostname
        except ValueError:
            notes["url is not a valid URL: moved to metadata.invalid_url"] += 1
            metadata["invalid_url"] = url
            fields["url"] = None
    if not notes and source == doc.source:
        return doc
    if notes:
        metadata["sanitised"] = {**metadata.get("sanitised", {}), **notes}
    return dataclasses.replace(doc, source=source, metadata=metadata, **fields)
