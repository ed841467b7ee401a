"""Read news inputs into :class:`Document` records; write outputs atomically.

Readers never raise on a bad document: each problem becomes a :class:`Rejected`
record naming the file (and line) and a one-line reason, and reading goes on.

Supported inputs: ``.txt``, ``.html``/``.htm``, ``.jsonl``/``.jsonl.gz``
(fields ``text`` or ``html``, optional ``id``, ``url``, ``title``, ``source``,
``date``; other fields are carried through in ``metadata``).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cleaners.document import Document, content_id

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
SUPPORTED = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES

_ID_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CHARSET_META = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)


@dataclass(frozen=True)
class Rejected:
    """An input that could not be read, and why."""

    source: str
    reason: str
    line: int | None = None

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.reason}"


def safe_id(raw: str) -> str:
    """An id safe to use in file names and URLs (input ids never become paths raw).

    >>> safe_id("../../etc/passwd")
    'etc_passwd'
    """
    cleaned = _ID_SAFE.sub("_", raw).strip("._")
    return cleaned[:200] or content_id(raw)


def suffix_of(path: Path) -> str:
    name = path.name.lower()
    for suf in sorted(SUPPORTED, key=len, reverse=True):
        if name.endswith(suf):
            return suf
    return path.suffix.lower()


def decode_bytes(data: bytes, is_html: bool = False) -> tuple[str, str]:
    """Decode ``data`` as UTF-8, else by the HTML meta charset, else by detection.

    Returns ``(text, encoding_used)``. Raises ``ValueError`` for binary data.

    >>> decode_bytes("café".encode("cp1252"))
    ('café', 'cp1252')
    """
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("binary data (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if is_html:
        m = _CHARSET_META.search(data[:4096])
        if m:
            enc = m.group(1).decode("ascii", "replace")
            try:
                return data.decode(enc), enc.lower()
            except (LookupError, UnicodeDecodeError):
                pass
    if len(data) < 256:  # too little evidence for a detector: the web's commonest legacy charset
        return data.decode("cp1252", errors="replace"), "cp1252"
    try:
        from charset_normalizer import from_bytes  # installed with trafilatura

        # without a BOM, UTF-16/32 guesses on short Latin text are noise
        best = from_bytes(data, cp_exclusion=["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]).best()
        if best is not None and best.encoding:
            return str(best), best.encoding
    except ImportError:  # pragma: no cover - charset_normalizer ships with trafilatura
        pass
    return data.decode("cp1252", errors="replace"), "cp1252"


def iter_files(root: Path) -> Iterator[Path]:
    """Supported files under ``root`` in sorted order, not following symlinked dirs twice."""
    if root.is_file():
        yield root
        return
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        st = os.stat(dirpath)
        key = (st.st_dev, st.st_ino)
        if key in seen:  # symlink loop
            dirnames[:] = []
            continue
        seen.add(key)
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if suffix_of(p) in SUPPORTED:
                yield p


def read_inputs(path: str | os.PathLike[str]) -> tuple[list[Document], list[Rejected]]:
    """Read every supported document under ``path`` (a file or a directory)."""
    docs: list[Document] = []
    rejected: list[Rejected] = []
    for item in iter_inputs(path):
        (docs if isinstance(item, Document) else rejected).append(item)
    return docs, rejected


def iter_inputs(path: str | os.PathLike[str]) -> Iterator[Document | Rejected]:
    root = Path(path)
    if not root.exists():
        yield Rejected(str(root), "no such file or directory")
        return
    base = root if root.is_dir() else root.parent
    seen_ids: dict[str, int] = {}
    for file in iter_files(root):
        try:
            rel = str(file.relative_to(base))
        except ValueError:
            rel = str(file)
        for item in _read_file(file, rel):
            if isinstance(item, Document):
                item = _unique(item, seen_ids)
            yield item


def _unique(doc: Document, seen: dict[str, int]) -> Document:
    n = seen.get(doc.id, 0)
    seen[doc.id] = n + 1
    if n == 0:
        return doc
    return doc.evolve(id=f"{doc.id}~{n}", metadata={**doc.metadata, "input_id": doc.id})


def _read_file(file: Path, rel: str) -> Iterator[Document | Rejected]:
    suf = suffix_of(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        yield Rejected(rel, f"cannot read file: {exc.strerror or exc}")
        return
    if suf in JSONL_SUFFIXES:
        yield from _read_jsonl(raw, rel, gz=suf == ".jsonl.gz")
        return
    try:
        text, enc = decode_bytes(raw, is_html=suf in HTML_SUFFIXES)
    except ValueError as exc:
        yield Rejected(rel, str(exc))
        return
    if not text.strip():
        yield Rejected(rel, "empty document")
        return
    meta = {} if enc == "utf-8" else {"encoding": enc}
    doc_id = safe_id(file.name[: -len(suf)] if suf else file.name)
    if suf in HTML_SUFFIXES:
        yield Document(id=doc_id, source=rel, html=text, metadata=meta)
    else:
        yield Document(id=doc_id, source=rel, text=text, metadata=meta)


def _read_jsonl(raw: bytes, rel: str, gz: bool) -> Iterator[Document | Rejected]:
    if gz:
        try:
            raw = _gunzip_tolerant(raw)
        except _TruncatedGzip as exc:
            raw = exc.partial
            truncated = True
        except (OSError, EOFError, zlib.error) as exc:
            yield Rejected(rel, f"not a readable gzip file: {exc}")
            return
        else:
            truncated = False
    else:
        truncated = False
    for lineno, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            if truncated and lineno == len(raw.splitlines()):
                break  # the cut-off last line is reported below
            yield Rejected(rel, f"malformed JSON: {exc.msg if hasattr(exc, 'msg') else exc}", lineno)
            continue
        if not isinstance(rec, dict):
            yield Rejected(rel, "JSON line is not an object", lineno)
            continue
        text, html = rec.get("text"), rec.get("html")
        if not isinstance(text, str) and not isinstance(html, str):
            yield Rejected(rel, "record has neither a 'text' nor an 'html' string", lineno)
            continue
        body = text if isinstance(text, str) else html
        if not body.strip():
            yield Rejected(rel, "empty document", lineno)
            continue
        known = {"id", "text", "html", "url", "title", "source", "date"}
        extra = {k: v for k, v in rec.items() if k not in known}
        raw_id = str(rec["id"]) if rec.get("id") not in (None, "") else content_id(body, rel)
        yield Document(
            id=safe_id(raw_id),
            source=str(rec.get("source") or f"{rel}:{lineno}"),
            text=text if isinstance(text, str) else "",
            html=html if not isinstance(text, str) else None,
            url=_str_or_none(rec.get("url")),
            title=_str_or_none(rec.get("title")),
            date=_str_or_none(rec.get("date")),
            metadata=extra,
        )
    if truncated:
        yield Rejected(rel, "gzip stream is truncated; records after the cut are lost")


def _str_or_none(v: Any) -> str | None:
    return None if v is None else str(v)


class _TruncatedGzip(Exception):
    def __init__(self, partial: bytes):
        self.partial = partial


def _gunzip_tolerant(raw: bytes) -> bytes:
    """Decompress gzip; on truncation raise with whatever decompressed cleanly."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(raw)
    if not d.eof:
        partial = out + d.flush()
        raise _TruncatedGzip(partial)
    rest = d.unused_data
    while rest:  # concatenated gzip members
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out += d.decompress(rest)
        if not d.eof:
            raise _TruncatedGzip(out)
        rest = d.unused_data
    return out


# ---------------------------------------------------------------- writers


def _atomic_target(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    return fd, Path(tmp)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file + ``os.replace``: never half-written."""
    path = Path(path)
    fd, tmp = _atomic_target(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_jsonl_gz(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> int:
    """Write records as gzip JSON Lines atomically; returns the count."""
    path = Path(path)
    fd, tmp = _atomic_target(path)
    n = 0
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            for rec in records:
                gz.write(json.dumps(rec, ensure_ascii=False).encode("utf-8"))
                gz.write(b"\n")
                n += 1
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n


def write_jsonl(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> int:
    """Write records as plain JSON Lines atomically; returns the count."""
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    write_bytes_atomic(path, ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"))
    return len(lines)


def read_jsonl_gz(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    write_bytes_atomic(path, json.dumps(obj, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")


#: Columns of corpus.parquet: flat, typed, ready for `datasets.load_dataset("parquet", ...)`.
PARQUET_COLUMNS = ("id", "source", "url", "title", "date", "text", "cluster_id", "spin_score")


def write_parquet(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> int:
    """Write the corpus columns of ``records`` to Parquet atomically; returns the count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = list(records)
    schema = pa.schema(
        [(c, pa.float64() if c == "spin_score" else pa.string()) for c in PARQUET_COLUMNS]
        + [("metadata", pa.string())]
    )
    cols: dict[str, list[Any]] = {c: [r.get(c) for r in rows] for c in PARQUET_COLUMNS}
    cols["metadata"] = [json.dumps(r.get("metadata") or {}, ensure_ascii=False) for r in rows]
    table = pa.table(cols, schema=schema)
    path = Path(path)
    fd, tmp = _atomic_target(path)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(rows)
