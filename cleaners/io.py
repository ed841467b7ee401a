"""Read news inputs into :class:`Document` records; write outputs atomically.

Readers never raise on a bad document: each problem becomes a :class:`Rejected`
record naming the file (and line) and a one-line reason, and reading goes on.

Supported inputs: ``.txt``, ``.html``/``.htm`` (also gzip-compressed: ``.txt.gz``,
``.html.gz``, ``.htm.gz``), ``.jsonl``/``.jsonl.gz``
(fields ``text`` or ``html``, optional ``id``, ``url``, ``title``, ``source``,
``date``; other fields are carried through in ``metadata``), WARC
(``.warc``/``.warc.gz``: HTML/text ``response`` records) and ``-`` for standard
input (its format is sniffed from its first bytes).

Limits (``[input]`` in ``data/settings.toml``): a single document larger than
``max_document_bytes`` is rejected with its size rather than read, so one
runaway file cannot exhaust memory or stall the run.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import stat
import sys
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from cleaners.document import Document, content_id, printable_path, sanitise_document, sanitise_value
from cleaners.settings import section

try:  # ISA-L's gzip (python-isal): the same format as zlib's at ~5x the speed (levels 0-3), ~2x reading
    from isal import igzip as _igzip
except ImportError:  # pragma: no cover - a platform without its wheels: zlib, same files
    _igzip = None

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
WARC_SUFFIXES = (".warc", ".warc.gz")
GZIP_DOC_SUFFIXES = (".txt.gz", ".html.gz", ".htm.gz")  # one gzip-compressed document
SUPPORTED = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + WARC_SUFFIXES + GZIP_DOC_SUFFIXES
#: the input path that means "read standard input"
STDIN = "-"
STDIN_NAME = "<stdin>"

_ID_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CHARSET_META = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)
_CHARSET_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.I)
# C0 controls other than tab, newline, vertical tab, form feed, carriage return and escape
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f\ufffd]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_JSONL_KNOWN = {"id", "text", "html", "url", "title", "source", "date", "crawl_date"}
# one line as bytes.splitlines splits (\n, \r\n or \r), found one at a time (no list of all lines)
_LINE = re.compile(rb"([^\r\n]*)(?:\r\n|\r|\n|\Z)")
#: where an item came from: (file relative to the input root, line or record number)
Where = tuple[str, "int | None"]


@dataclass(frozen=True)
class Rejected:
    """An input that could not be read, and why."""

    source: str
    reason: str
    line: int | None = None

    def __post_init__(self) -> None:  # the reason is always one line (exception texts can span many)
        one_line = " ".join(str(self.reason).split())
        object.__setattr__(self, "reason", one_line if len(one_line) <= 300 else one_line[:299] + "…")

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


def max_document_bytes() -> int:
    """The size limit for one document (``[input] max_document_bytes``)."""
    return int(section("input")["max_document_bytes"])


def _too_big(size: int, what: str = "document is", at_least: bool = False) -> str | None:
    """The rejection reason when ``size`` bytes exceed the limit, else ``None``."""
    limit = max_document_bytes()
    if size <= limit:
        return None
    amount = f"over {limit / 1e6:g} MB" if at_least else f"{size / 1e6:.1f} MB"
    return f"{what} {amount}, over the {limit / 1e6:g} MB limit (input.max_document_bytes)"


def decode_bytes(data: bytes, is_html: bool = False, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``: BOM, UTF-8, the declared charset, the HTML meta charset, then detection.

    Returns ``(text, encoding_used)``. Raises ``ValueError`` for binary data.
    Text that is UTF-8 but for a few stray bytes stays UTF-8 (the stray bytes
    become U+FFFD) rather than being misread whole as a legacy charset.

    >>> decode_bytes("café".encode("cp1252"))
    ('café', 'cp1252')
    >>> decode_bytes("naïve café, crème brûlée ".encode() + b"\\xff")
    ('naïve café, crème brûlée \\ufffd', 'utf-8')
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(enc)), enc
            except UnicodeDecodeError:
                break
    if b"\x00" in data[:8192]:
        raise ValueError("binary data (NUL bytes), not text")
    try:
        return _check_text(data.decode("utf-8-sig")), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [declared] if declared else []
    if is_html:
        m = _CHARSET_META.search(data[:4096])
        if m:
            candidates.append(m.group(1).decode("ascii", "replace"))
    for enc in candidates:
        try:
            name = codecs.lookup(enc).name
            if name == "utf-8":  # declared UTF-8 but invalid: keep it UTF-8, mark the bad bytes
                return _check_text(data.decode("utf-8", errors="replace")), "utf-8"
            return _check_text(data.decode(enc)), enc.lower()
        except (LookupError, UnicodeDecodeError):
            pass
    mostly = _mostly_utf8(data)
    if mostly is not None:
        return _check_text(mostly), "utf-8"
    if len(data) < 256:  # too little evidence for a detector: the web's commonest legacy charset
        return _check_text(data.decode("cp1252", errors="replace")), "cp1252"
    try:
        from charset_normalizer import from_bytes  # installed with trafilatura

        # without a BOM, UTF-16/32 guesses on short Latin text are noise
        best = from_bytes(data, cp_exclusion=["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]).best()
        if best is not None and best.encoding:
            return _check_text(str(best)), best.encoding
    except ImportError:  # pragma: no cover - charset_normalizer ships with trafilatura
        pass
    return _check_text(data.decode("cp1252", errors="replace")), "cp1252"


def _mostly_utf8(data: bytes) -> str | None:
    """``data`` decoded as UTF-8 with replacements, if valid multi-byte characters outnumber bad bytes."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = len(_NON_ASCII.findall(text))
    return text if good >= section("input")["utf8_good_per_bad_byte"] * bad else None


def _check_text(text: str) -> str:
    """Refuse decoded text that is really binary: too many control characters."""
    sample = text[:65536]
    if sample:
        share = len(_BINARY_CONTROLS.findall(sample)) / len(sample)
        if share > section("input")["max_control_share"]:
            raise ValueError(f"binary data ({share:.0%} control characters), not text")
    return text


def iter_files(root: Path) -> Iterator[Path]:
    """Supported files under ``root`` in sorted order, not following symlinked dirs twice."""
    if not root.is_dir():
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


def unsupported_files(root: Path, limit: int = 300) -> tuple[int, list[str]]:
    """Files under the folder ``root`` that no reader takes (their extension): how many, and the
    first ``limit`` of them (relative names), so a run can list them instead of ignoring them."""
    if not root.is_dir():
        return 0, []
    n, names = 0, []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if name.startswith(".") or suffix_of(p) in SUPPORTED:
                continue
            n += 1
            if len(names) < limit:
                names.append(printable_path(str(p.relative_to(root))))
    return n, names


def read_inputs(path: str | os.PathLike[str]) -> tuple[list[Document], list[Rejected]]:
    """Read every supported document under ``path`` (a file, a directory, or ``-`` for stdin)."""
    docs: list[Document] = []
    rejected: list[Rejected] = []
    for item in iter_inputs(path):
        (docs if isinstance(item, Document) else rejected).append(item)
    return docs, rejected


def iter_inputs(path: str | os.PathLike[str], stdin: IO[bytes] | None = None) -> Iterator[Document | Rejected]:
    """Documents and rejections from ``path``; ``-`` reads ``stdin`` (default: the process's)."""
    seen_ids: dict[str, tuple[str, str]] = {}
    if str(path) == STDIN:
        items = _read_stdin(stdin if stdin is not None else sys.stdin.buffer)
    else:
        items = _read_tree(Path(path))
    for item, where in items:
        if isinstance(item, Document):
            # every field made safe here, once: no stage or writer meets a lone surrogate, a NaN
            # or a url that does not parse (metadata.sanitised says what changed)
            item = _unique(sanitise_document(item), where, seen_ids)
        else:
            item = _sanitise_rejected(item)
        yield item


def _sanitise_rejected(r: Rejected) -> Rejected:
    """A rejection whose file name and reason can be written as UTF-8 and printed."""
    source, reason = printable_path(r.source), sanitise_value(r.reason, Counter())
    return r if (source, reason) == (r.source, r.reason) else Rejected(source, reason, r.line)


def _read_tree(root: Path) -> Iterator[tuple[Document | Rejected, Where]]:
    if not root.exists():
        yield Rejected(str(root), "no such file or directory"), (str(root), None)
        return
    base = root if root.is_dir() else root.parent
    inside = root.resolve() if root.is_dir() else None
    follow = bool(section("input").get("follow_symlinks_outside", False))
    for file in iter_files(root):
        try:
            rel = str(file.relative_to(base))
        except ValueError:
            rel = str(file)
        target = _outside_target(file, inside)
        if target is not None and not follow:
            yield Rejected(rel, f"symlink to {target}, outside the input folder: not followed (input.follow_symlinks_outside)"), (rel, None)
            continue
        for item, where in cap_rejections(_read_file(file, rel), rel):
            if target is not None and isinstance(item, Document):
                item = item.evolve(metadata={**item.metadata, "symlink_target": target})
            yield item, where


def _outside_target(file: Path, inside: Path | None) -> str | None:
    """Where ``file`` really is, when a symlink (of the file or of a folder above it) leads
    outside the folder ``inside``; ``None`` when it stays inside (or ``inside`` is None)."""
    if inside is None:
        return None
    try:
        real = file.resolve()
    except (OSError, RuntimeError):  # a loop: _read_file reports it
        return None
    if real == inside or inside in real.parents:
        return None
    return printable_path(str(real))


def record_digest(doc: Document) -> str:
    """What makes two records with one id "the same record": the digest of their body as read."""
    body = doc.html if doc.html is not None else doc.text
    return hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _unique(doc: Document, where: Where, seen: dict[str, tuple[str, str]]) -> Document | Rejected:
    """Same id and same body as an earlier record: a rejected copy. Same id, other body: renamed."""
    rel, line = where
    here = rel if line is None else f"{rel}:{line}"
    digest = record_digest(doc)
    if doc.id not in seen:
        seen[doc.id] = (digest, here)
        return doc
    first_digest, first_where = seen[doc.id]
    if digest == first_digest:
        return Rejected(rel, f"duplicate record: id {doc.id!r} with the same text was already read at {first_where}", line)
    n = 1
    while f"{doc.id}~{n}" in seen:
        n += 1
    new_id = f"{doc.id}~{n}"
    seen[new_id] = (digest, here)
    return doc.evolve(id=new_id, metadata={**doc.metadata, "input_id": doc.id, "id_collision": f"id also used at {first_where}"})


def _read_stdin(stream: IO[bytes]) -> Iterator[tuple[Document | Rejected, Where]]:
    """Standard input: gzip, WARC, JSON Lines, HTML or plain text, sniffed from the first bytes."""
    try:
        raw = stream.read()
    except OSError as exc:
        yield Rejected(STDIN_NAME, f"cannot read standard input: {exc}"), (STDIN_NAME, None)
        return
    yield from _read_bytes(raw, STDIN_NAME, _sniff(raw))


def _sniff(raw: bytes) -> str:
    head = raw[:4096]
    if head.startswith(b"\x1f\x8b"):
        try:
            inner = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw[:65536], 4096)
        except zlib.error:
            return ".jsonl.gz"
        if inner.startswith(b"WARC/"):
            return ".warc.gz"
        start = inner.lstrip()[:1]
        return ".jsonl.gz" if start == b"{" else ".html.gz" if start == b"<" else ".txt.gz"
    if head.startswith(b"WARC/"):
        return ".warc"
    start = head.lstrip()[:1]
    if start == b"{":
        return ".jsonl"
    if start == b"<":
        return ".html"
    return ".txt"


def read_path(file: Path, rel: str) -> Iterator[tuple[Document | Rejected, Where]]:
    """One input file as the tree reader reads it (a symlink out of ``rel``'s folder is the
    tree reader's to judge: see :func:`_read_tree`)."""
    yield from cap_rejections(_read_file(file, rel), rel)


def cap_rejections(items: Iterable[tuple[Document | Rejected, Where]], rel: str) -> Iterator[tuple[Document | Rejected, Where]]:
    """The first ``[input] max_rejections_per_file`` rejections of one input one by one, then one
    line counting the rest by reason (10 M junk lines make one line, not 10 M)."""
    cap = int(section("input")["max_rejections_per_file"])
    seen = 0
    more: Counter[str] = Counter()
    first_more = None
    for item, where in items:
        if isinstance(item, Rejected) and "(input.max_" not in item.reason:  # a bound's own notice is always listed
            seen += 1
            if seen > cap:
                more[item.reason.split(":")[0][:80]] += 1
                first_more = first_more or item.line
                continue
        yield item, where
    if more:
        kinds = "; ".join(f"{n:,} × {why}" for why, n in more.most_common(5))
        yield Rejected(rel, f"and {sum(more.values()):,} more rejected after the first {cap} (input.max_rejections_per_file): {kinds}", first_more), (rel, None)


def _read_file(file: Path, rel: str) -> Iterator[tuple[Document | Rejected, Where]]:
    suf = suffix_of(file)
    try:
        st = file.stat()
    except OSError as exc:  # a dangling symlink or a symlink loop lands here
        yield Rejected(rel, f"cannot read file: {exc.strerror or exc}"), (rel, None)
        return
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
        yield Rejected(rel, "not a regular file (a pipe, socket or device); skipped"), (rel, None)
        return
    if suf in TEXT_SUFFIXES + HTML_SUFFIXES + GZIP_DOC_SUFFIXES:
        big = _too_big(st.st_size)
        if big:
            yield Rejected(rel, big), (rel, None)
            return
    if suf in WARC_SUFFIXES:
        try:
            with open(file, "rb") as fh:
                yield from _read_warc(fh, rel)
        except OSError as exc:
            yield Rejected(rel, f"cannot read file: {exc.strerror or exc}"), (rel, None)
        return
    try:
        raw = file.read_bytes()
    except OSError as exc:
        yield Rejected(rel, f"cannot read file: {exc.strerror or exc}"), (rel, None)
        return
    yield from _read_bytes(raw, rel, suf, name=file.name)


def _read_bytes(raw: bytes, rel: str, suf: str, name: str | None = None) -> Iterator[tuple[Document | Rejected, Where]]:
    """Parse the bytes of one input of kind ``suf``."""
    if suf in WARC_SUFFIXES:
        yield from _read_warc(io.BytesIO(raw), rel)
        return
    if suf in JSONL_SUFFIXES:
        yield from _read_jsonl(raw, rel, gz=suf == ".jsonl.gz")
        return
    if not raw:
        yield Rejected(rel, "empty file (0 bytes)"), (rel, None)
        return
    doc_id = safe_id(name[: -len(suf)]) if name else None
    if suf in GZIP_DOC_SUFFIXES:
        suf = suf.removesuffix(".gz")
        try:
            raw = _gunzip_document(raw)
        except ValueError as exc:
            yield Rejected(rel, str(exc)), (rel, None)
            return
    big = _too_big(len(raw))
    if big:
        yield Rejected(rel, big), (rel, None)
        return
    try:
        text, enc = decode_bytes(raw, is_html=suf in HTML_SUFFIXES)
    except ValueError as exc:
        yield Rejected(rel, str(exc)), (rel, None)
        return
    if not text.strip():
        yield Rejected(rel, "empty document (whitespace only)"), (rel, None)
        return
    meta = {} if enc == "utf-8" else {"encoding": enc}
    if "\ufffd" in text and "\ufffd".encode() not in raw:
        meta["invalid_bytes_replaced"] = text.count("\ufffd")
    doc_id = doc_id or content_id(text, rel)
    if suf in HTML_SUFFIXES:
        yield Document(id=doc_id, source=rel, html=text, metadata=meta), (rel, None)
    else:
        yield Document(id=doc_id, source=rel, text=text, metadata=meta), (rel, None)


def _gunzip_document(raw: bytes) -> bytes:
    """One gzip-compressed document, decompressed no further than the size limit (gzip bombs)."""
    limit = max_document_bytes()
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise ValueError(f"not a readable gzip file: {exc}") from None
    big = _too_big(len(out), "document decompresses to", at_least=True)
    if big:
        raise ValueError(big)
    if not d.eof:
        raise ValueError("gzip stream is truncated; the document is incomplete")
    return out


def _read_warc(stream: IO[bytes], rel: str) -> Iterator[tuple[Document | Rejected, Where]]:
    """HTML and plain-text ``response`` records of a WARC file (other records are not articles)."""
    from warcio.archiveiterator import ArchiveIterator

    head = stream.read(65536)
    stream.seek(0)
    complete: int | None = None  # gzip: how many members (one a record) are whole
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            head = b""
        complete, broken = _count_gzip_members(stream)
        stream.seek(0)
    if not head.startswith(b"WARC/"):  # warcio would read anything else as an old-style ARC file
        yield Rejected(rel, "not a WARC file (it does not start with a WARC/1.x header)"), (rel, None)
        return
    n = 0
    it = ArchiveIterator(stream)
    try:
        for record in it:
            n += 1
            if complete is not None and n > complete:
                break  # inside the damaged gzip member: reported below
            if record.format != "warc":
                raise ValueError(f"record {n} is not a WARC record")
            if record.rec_type != "response" or record.http_headers is None:
                continue
            ctype = (record.http_headers.get_header("Content-Type") or "").lower()
            status = record.http_headers.get_statuscode() or ""
            if not status.startswith("2") or not any(t in ctype for t in ("html", "text/plain")):
                continue  # redirects, errors, images, scripts: not articles
            where = (rel, n)
            body = record.content_stream().read(max_document_bytes() + 1)
            uri = record.rec_headers.get_header("WARC-Target-URI")
            big = _too_big(len(body), f"WARC record {uri} is", at_least=True)
            if big:
                yield Rejected(rel, big, n), where
                continue
            m = _CHARSET_HEADER.search(ctype)
            try:
                text, enc = decode_bytes(body, is_html="html" in ctype, declared=m.group(1) if m else None)
            except ValueError as exc:
                yield Rejected(rel, f"WARC record {uri}: {exc}", n), where
                continue
            if not text.strip():
                yield Rejected(rel, f"WARC record {uri}: empty body", n), where
                continue
            rid = record.rec_headers.get_header("WARC-Record-ID") or content_id(text, f"{rel}:{n}")
            meta: dict[str, Any] = {"warc_record_id": rid}
            if enc != "utf-8":
                meta["encoding"] = enc
            doc = Document(
                id=safe_id(rid.strip("<>").removeprefix("urn:uuid:")),
                source=f"{rel}@{it.get_record_offset()}",
                url=uri,
                crawl_date=record.rec_headers.get_header("WARC-Date"),  # the page's own date comes from extraction
                metadata=meta,
                **({"html": text} if "html" in ctype else {"text": text}),
            )
            yield doc, where
    except Exception as exc:  # warcio raises assorted errors on truncated or corrupt archives
        reason = f"WARC archive is broken after record {n}: {type(exc).__name__}: {exc}"
        yield Rejected(rel, reason.splitlines()[0][:300], n or None), (rel, None)
        return
    if complete is not None and broken:
        yield Rejected(rel, f"gzip stream is {broken} after record {complete}; records after the cut are lost", complete or None), (rel, None)
    elif n == 0:
        yield Rejected(rel, "no WARC records found (empty or not a WARC file)"), (rel, None)


def _count_gzip_members(stream: IO[bytes], chunk: int = 1 << 20) -> tuple[int, str | None]:
    """Whole gzip members in ``stream`` and what is wrong after them (``None``: nothing); it stops
    once ``[input] max_decompressed_bytes`` have come out (a gzip bomb: "over the limit")."""
    members = 0
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = b""
    limit = int(section("input")["max_decompressed_bytes"])
    budget = limit
    while True:
        if budget < 0:
            return members, f"over the {_gib(limit)} decompressed-size limit (input.max_decompressed_bytes)"
        data = pending or stream.read(chunk)
        pending = b""
        if not data:
            return members, (None if d is None else "truncated")
        if d is None:
            if not data.strip(b"\x00"):
                continue  # zero padding after the last member
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while data:
                budget -= len(d.decompress(data, 1 << 16))
                data = d.unconsumed_tail
                if budget < 0:
                    break
                if d.eof:
                    members += 1
                    pending = d.unused_data
                    d = None
                    break
        except zlib.error:
            return members, "corrupt"


def _read_jsonl(raw: bytes, rel: str, gz: bool, first_line: int = 1, part: bool = False) -> Iterator[tuple[Document | Rejected, Where]]:
    """JSON Lines; ``first_line``/``part``: ``raw`` is the slice of a larger file that starts at
    that line (a shard of one big file: a blank slice is not an "empty file")."""
    truncated = None
    if gz:
        try:
            raw = _gunzip_tolerant(raw)
        except _TruncatedGzip as exc:
            raw = exc.partial
            truncated = exc.why
        except (OSError, EOFError, zlib.error) as exc:
            yield Rejected(rel, f"not a readable gzip file: {exc}"), (rel, None)
            return
    if not raw.strip():
        if not part:
            yield Rejected(rel, "empty file (no JSON lines)"), (rel, None)
        return
    max_lines = int(section("input")["max_lines_per_file"])
    lineno = first_line - 1
    last_end = len(raw)
    for m in _LINE.finditer(raw):  # the lines bytes.splitlines gives, one at a time
        if m.end() == m.start():
            break
        lineno += 1
        line = m.group(1)
        where = (rel, lineno)
        if lineno - first_line >= max_lines:
            yield Rejected(rel, f"over {max_lines:,} lines (input.max_lines_per_file): line {lineno} and after are rejected", lineno), where
            truncated = None
            break
        if not line.strip():
            continue
        big = _too_big(len(line), "JSON line is")
        if big:
            yield Rejected(rel, big, lineno), where
            continue
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            if truncated and m.end() >= last_end:
                break  # the cut-off last line is reported below
            yield Rejected(rel, f"malformed JSON: {exc.msg if hasattr(exc, 'msg') else exc}", lineno), where
            continue
        except RecursionError:
            yield Rejected(rel, "malformed JSON: nested too deeply", lineno), where
            continue
        if not isinstance(rec, dict):
            yield Rejected(rel, "JSON line is not an object", lineno), where
            continue
        text, html = rec.get("text"), rec.get("html")
        if not isinstance(text, str) and not isinstance(html, str):
            yield Rejected(rel, "record has neither a 'text' nor an 'html' string", lineno), where
            continue
        body = text if isinstance(text, str) else html
        if not body.strip():
            yield Rejected(rel, "empty document" if not body else "empty document (whitespace only)", lineno), where
            continue
        extra = {k: v for k, v in rec.items() if k not in _JSONL_KNOWN}
        nested = extra.get("metadata")
        if isinstance(nested, str) and nested.startswith("{"):  # a wirewash row read again: its metadata is JSON text
            with contextlib.suppress(ValueError, RecursionError):
                nested = json.loads(nested)
        if isinstance(nested, dict):
            del extra["metadata"]
            extra = {**nested, **extra}
        raw_id = str(rec["id"]) if rec.get("id") not in (None, "") else content_id(body, rel)
        yield Document(
            id=safe_id(raw_id),
            source=str(rec.get("source") or f"{rel}:{lineno}"),
            text=text if isinstance(text, str) else "",
            html=html if not isinstance(text, str) else None,
            url=_str_or_none(rec.get("url")),
            title=_str_or_none(rec.get("title")),
            date=_str_or_none(rec.get("date")),
            crawl_date=_str_or_none(rec.get("crawl_date")),
            metadata=extra,
        ), where
    if truncated:
        yield Rejected(rel, truncated, (lineno - first_line + 1) or None), (rel, None)


def _str_or_none(v: Any) -> str | None:
    return None if v is None else str(v)


class _TruncatedGzip(Exception):
    def __init__(self, partial: bytes, why: str = "gzip stream is truncated; records after the cut are lost"):
        self.partial = partial
        self.why = why


def _gunzip_tolerant(raw: bytes) -> bytes:
    """Decompress gzip (members back to back); on truncation, or past ``[input]
    max_decompressed_bytes``, raise with whatever decompressed cleanly before."""
    limit = int(section("input")["max_decompressed_bytes"])
    out = bytearray()
    rest = raw
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = rest
        while data:
            out += d.decompress(data, 1 << 20)
            data = d.unconsumed_tail
            if len(out) > limit:
                raise _TruncatedGzip(bytes(out[:limit]), f"decompressed size over the {_gib(limit)} limit (input.max_decompressed_bytes)")
            if d.eof:
                break
        if not d.eof:
            out += d.flush()
            raise _TruncatedGzip(bytes(out))
        rest = d.unused_data
        if not rest.strip(b"\x00"):
            break
    return bytes(out)


def _gib(n: int) -> str:
    return f"{n / 2**30:g} GiB" if n >= 2**30 else f"{n / 2**20:g} MiB"


# ---------------------------------------------------------------- writers


def _umask() -> int:
    """The process's umask (read without changing it where /proc tells it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_target(path: Path):
    """A temp file beside ``path`` with the mode an ordinary write would give (0666 less the
    umask; ``mkstemp`` alone makes it 0600, unreadable to a job or server of another user)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
    except OSError:
        pass
    return fd, Path(tmp)


@contextlib.contextmanager
def _atomic_path(path: Path) -> Iterator[Path]:
    """A temp path beside ``path`` for a writer that opens files by name (pyarrow); it replaces
    ``path`` only when the block ends without error, and goes on error."""
    fd, tmp = _atomic_target(path)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file handle whose content replaces ``path`` (``os.replace``, after ``fsync``)
    only when the block ends without error; on error the temp file goes and ``path`` is untouched."""
    path = Path(path)
    fd, tmp = _atomic_target(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file + ``os.replace``: never half-written."""
    with atomic_file(path) as fh:
        fh.write(data)


def gzip_writer(raw: IO[bytes], level: int) -> IO[bytes]:
    """A gzip stream into ``raw`` (no timestamp, so equal input gives equal bytes). Levels 0-3 use
    ISA-L where ``isal`` is installed: on news JSON Lines, level 3 writes 284 MB/s against zlib's
    54 at the same size (0.383 vs 0.382 of the input). Higher levels (smaller files asked for) use zlib."""
    if _igzip is not None and level <= 3:
        return _igzip.IGzipFile(fileobj=raw, mode="wb", compresslevel=level, mtime=0)
    return gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=level)


def gzip_open(path: str | os.PathLike[str], mode: str = "rb", encoding: str | None = None) -> IO:
    """:func:`gzip.open` for reading, by ISA-L where installed (about twice zlib's speed)."""
    return (_igzip or gzip).open(path, mode, encoding=encoding)


def write_jsonl_gz(path: str | os.PathLike[str], records: Iterable[dict[str, Any]], level: int = 6) -> int:
    """Write records (or records already as JSON lines: :func:`json_lines`) as gzip JSON Lines
    atomically; returns the count (``level``: gzip's, see
    :func:`gzip_writer`; 6, zlib's default, writes in a fifth of level 9's time for a few per cent
    more bytes; 1-3 several times faster again; 1 for files read back once)."""
    path = Path(path)
    fd, tmp = _atomic_target(path)
    n, chunk, size = 0, [], 0
    try:
        with os.fdopen(fd, "wb") as raw, gzip_writer(raw, level) as gz:
            for rec in records:  # (compressed in chunks of ~1 MB: a call per line costs more than the line)
                line = rec if isinstance(rec, bytes) else _json_line(rec)
                chunk.append(line)
                size += len(line) + 1
                n += 1
                if size >= 1 << 20:
                    gz.write(b"\n".join(chunk) + b"\n")
                    chunk, size = [], 0
            if chunk:
                gz.write(b"\n".join(chunk) + b"\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n


def _json_line(rec: Any) -> bytes:
    """One record as strict JSON in UTF-8 (inputs are sanitised on reading; a NaN or lone
    surrogate that still reaches a writer is written as null / U+FFFD, never as invalid JSON)."""
    try:
        return json.dumps(rec, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        return json.dumps(sanitise_value(rec, Counter()), ensure_ascii=False, allow_nan=False).encode("utf-8")


def write_jsonl(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> int:
    """Write records as plain JSON Lines atomically; returns the count."""
    lines = [_json_line(r) for r in records]
    write_bytes_atomic(path, b"\n".join(lines) + (b"\n" if lines else b""))
    return len(lines)


def read_jsonl_gz(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    with gzip_open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    obj = sanitise_value(obj, Counter())
    write_bytes_atomic(path, json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8") + b"\n")


def parquet_schema():
    """The corpus Parquet schema: :data:`cleaners.rows.CORPUS_COLUMNS`, typed (the same names,
    order and types as the JSON Lines rows)."""
    import pyarrow as pa

    from cleaners.rows import CORPUS_COLUMNS

    kinds = {"string": pa.string(), "float": pa.float64(), "int": pa.int64()}
    return pa.schema([(name, kinds[kind]) for name, kind in CORPUS_COLUMNS])


def json_lines(records: Iterable[dict[str, Any]]) -> list[bytes]:
    """Records as strict JSON lines (what :func:`write_jsonl_gz` writes), for a caller that
    writes the same rows twice (a corpus part's JSON Lines and Parquet files)."""
    return [_json_line(r) for r in records]


def write_parquet(path: str | os.PathLike[str], records: Iterable[dict[str, Any] | bytes]) -> int:
    """Write corpus rows (:func:`cleaners.rows.corpus_row`) to Parquet atomically; returns the count
    (a ``metadata`` given as an object is written as its JSON text, as the rows hold it). Rows
    may come as their JSON lines (:func:`json_lines` of corpus rows: the corpus columns only).

    The table is built by pyarrow's JSON reader from the rows as strict JSON (numbers parsed
    correctly rounded, so the values are the Python ones): building it from Python lists would
    make pyarrow import pandas (0.2 s and 60 MB in every process that writes a part)."""
    import pyarrow as pa
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    schema = parquet_schema()
    lines = []
    for r in records:
        if isinstance(r, bytes):
            lines.append(r)
            continue
        row = {name: r.get(name) for name in schema.names}
        m = row["metadata"]
        if m is not None and not isinstance(m, str):
            row["metadata"] = _json_line(m).decode("utf-8")
        lines.append(_json_line(row))
    if lines:
        data = b"\n".join(lines) + b"\n"
        table = pj.read_json(pa.BufferReader(data), read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 1),
                             parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error"))
        table = table.combine_chunks()
    else:
        table = pa.Table.from_batches([], schema=schema)  # (schema.empty_table() would import pandas)
    with _atomic_path(Path(path)) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return len(lines)


def concat_files_atomic(path: str | os.PathLike[str], parts: Iterable[str | os.PathLike[str]]) -> None:
    """Write the bytes of ``parts`` one after another to ``path``, atomically.

    For gzip files this gives one multi-member gzip file, which gzip readers (Python's
    ``gzip``, ``zcat``, pandas, :func:`read_jsonl_gz`) read as the concatenated content.
    """
    import shutil

    with atomic_file(path) as fh:
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, fh, 1 << 20)


def concat_parquet_atomic(path: str | os.PathLike[str], parts: Iterable[str | os.PathLike[str]]) -> int:
    """Stream the rows of corpus Parquet files (see :func:`write_parquet`) into one file at
    ``path``, atomically, one part in memory at a time; returns the row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    n = 0
    with _atomic_path(Path(path)) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for part in parts:
            with pq.ParquetFile(part) as fh:  # (pq.read_table would import pandas)
                table = fh.read()
            for name in schema.names:  # a part an earlier version wrote lacks the newer columns: null there
                if name not in table.schema.names:
                    table = table.append_column(name, pa.nulls(table.num_rows, schema.field(name).type))
            table = table.select(schema.names).cast(schema)
            if table.num_rows:
                writer.write_table(table)
                n += table.num_rows
    return n
