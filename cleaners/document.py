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
        names = {f.name for f in dataclasses.fields(self)}
        stage = stage or changes.pop("stage", None)
        record = {k: changes.pop(k) for k in list(changes) if k not in names}
        if stage is not None:
            changes["provenance"] = self.provenance + ({"stage": stage, **record},)
        elif record:
            raise TypeError(f"unknown Document fields: {sorted(record)}")
        return dataclasses.replace(self, **changes)

    def to_record(self, with_provenance: bool = True) -> dict[str, Any]:
        """A JSON-serialisable dict (the raw ``html`` is never written out)."""
        out: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "url": self.url,
            "title": self.title,
            "date": self.date,
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
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in rec.items() if k in names}
        extra = {k: v for k, v in rec.items() if k not in names}
        kwargs["metadata"] = {**(rec.get("metadata") or {}), **extra}
        kwargs["provenance"] = tuple(rec.get("provenance") or ())
        kwargs["id"] = str(kwargs.get("id", ""))
        kwargs.setdefault("source", "")
        kwargs["text"] = kwargs.get("text") or ""
        return cls(**kwargs)


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
