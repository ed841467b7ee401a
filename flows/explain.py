"""What happened to one document, from its provenance in ``documents.jsonl.gz``.

:func:`find_document` looks a document up by id (or unique id prefix);
:func:`line_diff` rebuilds a line diff of the boilerplate stage (removed lines
with their reasons, in place among the kept lines); :func:`spin_repairs` lists the
spin repairs (``old → new`` with evidence) and :func:`locate_repairs` finds them in
the final text; :func:`render` turns a record into rich renderables for
``wirewash inspect``.

>>> rec = {"text": "Body line.", "provenance": [{"stage": "boilerplate", "removed": [{"line": 0, "text": "Skip to content", "reason": "phrase:nav"}]}]}
>>> [(r.kind, r.text, r.reason) for r in line_diff(rec)]
[('-', 'Skip to content', 'phrase:nav'), (' ', 'Body line.', None)]
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOCUMENTS = "documents.jsonl.gz"
SHOWN_VALUE_CHARS = 160


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "-" removed, " " kept, "h" the headline taken out as the title
    text: str
    reason: str | None = None
    line: int | None = None


def document_files(out_dir: str | Path) -> list[Path]:
    """Where an output folder keeps its documents: the parts of ``documents/`` (a `clean` or
    `run` folder), every batch's parts (an inbox folder, ``shards/*/documents/``), or the
    single file ``documents.jsonl.gz`` of earlier versions."""
    out = Path(out_dir)
    parts = sorted((out / "documents").glob("part-*.jsonl.gz"))
    parts += sorted(out.glob("shards/*/documents/part-*.jsonl.gz"))
    if not parts and (out / DOCUMENTS).exists():
        parts = [out / DOCUMENTS]
    parts += [] if parts else sorted(out.glob("shards/*/" + DOCUMENTS))
    return parts


def iter_records(out_dir: str | Path) -> Iterator[dict[str, Any]]:
    for path in document_files(out_dir):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def find_document(out_dir: str | Path, doc_id: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The record with ``doc_id`` (or the only one whose id starts with it), else ``None`` and close ids."""
    prefix_hits: list[dict[str, Any]] = []
    for rec in iter_records(out_dir):
        if rec.get("id") == doc_id:
            return rec, []
        if str(rec.get("id", "")).startswith(doc_id):
            prefix_hits.append(rec)
    if len(prefix_hits) == 1:
        return prefix_hits[0], []
    return None, [r["id"] for r in prefix_hits[:10]]


def _stage(rec: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((p for p in rec.get("provenance") or [] if p.get("stage") == name), None)


def line_diff(rec: dict[str, Any]) -> list[DiffRow]:
    """Removed lines (with reasons) back among the kept lines of the final text.

    Line numbers are those of the boilerplate stage's input; blank lines that the
    stage collapsed make the placement approximate, never the content.
    """
    bp = _stage(rec, "boilerplate") or {}
    removed = {int(r["line"]): r for r in bp.get("removed") or [] if isinstance(r, dict) and "line" in r}
    kept = (rec.get("text") or "").split("\n")
    headline = bp.get("headline")
    rows: list[DiffRow] = []
    if headline and not any(r.get("reason") == "headline" for r in removed.values()):
        rows.append(DiffRow("h", headline, "headline → title"))
    last = max(removed, default=-1)
    i = k = 0
    while i <= last or k < len(kept):
        if i in removed:
            r = removed[i]
            rows.append(DiffRow("h" if r.get("reason") == "headline" else "-", str(r.get("text", "")), r.get("reason"), i))
        elif k < len(kept):
            rows.append(DiffRow(" ", kept[k]))
            k += 1
        i += 1
    return rows


SPIN_STAGES = ("spin", "spin-site", "spin-corpus")


@dataclass(frozen=True)
class SpinRepair:
    stage: str
    old: str
    new: str
    evidence: str


def spin_repairs(rec: dict[str, Any]) -> list[SpinRepair]:
    """Every repair of the spin stages, in stage and text order.

    >>> rec = {"provenance": [{"stage": "spin", "repairs": [{"span": [4, 16], "old": "twelve months", "new": "year", "evidence": "tell"}]}]}
    >>> [(r.old, r.new) for r in spin_repairs(rec)]
    [('twelve months', 'year')]
    """
    out = []
    for p in rec.get("provenance") or []:
        if p.get("stage") in SPIN_STAGES:
            reps = [r for r in p.get("repairs") or [] if isinstance(r, dict) and "old" in r and "new" in r]
            reps.sort(key=lambda r: (r.get("span") or [0])[0])
            out += [SpinRepair(str(p["stage"]), str(r["old"]), str(r["new"]), str(r.get("evidence", ""))) for r in reps]
    return out


def locate_repairs(text: str, repairs: list[SpinRepair]) -> list[tuple[int, int, int]]:
    """(start, end, repair index) of each repair's new wording in ``text``, searched in order
    (the spans of the provenance point at the stage's input, not at the final text); a repair
    not found after the previous one (a later stage rewrote it) is left out.

    >>> locate_repairs("The year ended.", [SpinRepair("spin", "twelve months", "year", "")])
    [(4, 8, 0)]
    """
    out, pos = [], 0
    for i, r in enumerate(repairs):
        if not r.new:
            continue
        at = text.find(r.new, pos)
        if at < 0:
            continue
        out.append((at, at + len(r.new), i))
        pos = at + len(r.new)
    return out


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 1] + "…"


def stage_summaries(rec: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per provenance entry: its stage and its facts (the removed lines are in the diff instead)."""
    out = []
    for p in rec.get("provenance") or []:
        facts = [(k, _short(v)) for k, v in p.items() if k not in ("stage", "removed", "repairs") and v not in (None, [], {}, "")]
        if p.get("stage") in SPIN_STAGES and p.get("repairs"):
            facts.append(("repairs", f"{len(p['repairs'])} (listed under 'spin repairs')"))
        elif p.get("repairs"):
            facts.append(("repairs", _short(p["repairs"])))
        if p.get("stage") == "boilerplate":
            facts.insert(0, ("lines removed", str(len(p.get("removed") or []))))
        out.append((str(p.get("stage", "?")), facts))
    return out


def render(rec: dict[str, Any]) -> list[Any]:
    """Rich renderables: a header, the stage facts, and the coloured line diff."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    for key in ("id", "source", "url", "domain", "title", "date", "crawl_date", "language", "spin_score", "cluster_id",
                "cluster_size", "duplicate_of"):
        value = rec.get(key)
        if value not in (None, ""):
            head.add_row(key, Text(str(value)))
    if rec.get("metadata"):
        head.add_row("metadata", Text(_short(rec["metadata"])))
    stages = Table(title="stages", show_lines=False, expand=True)
    stages.add_column("stage", style="cyan", no_wrap=True)
    stages.add_column("what it did")
    for name, facts in stage_summaries(rec):
        stages.add_row(name, Text("; ".join(f"{k}: {v}" for k, v in facts) or "no change"))
    diff = Text()
    for row in line_diff(rec):
        if row.kind == "-":
            diff.append(f"- {row.text}", style="red")
            diff.append(f"   [{row.reason}]\n", style="dim red")
        elif row.kind == "h":
            diff.append(f"^ {row.text}", style="bold yellow")
            diff.append(f"   [{row.reason}]\n", style="dim yellow")
        else:
            diff.append(f"  {row.text}\n", style="green" if row.text.strip() else "")
    out = [
        Panel(head, title="document", border_style="blue"),
        stages,
        Panel(diff, title="text: [red]- removed[/]  [yellow]^ headline[/]  [green]kept[/]", border_style="blue"),
    ]
    repairs = spin_repairs(rec)
    if repairs:
        out += render_spin(rec.get("text") or "", repairs)
    return out


def render_spin(text: str, repairs: list[SpinRepair]) -> list[Any]:
    """A table of the spin repairs (``old → new`` and evidence) and the final text with each
    repair shown in place: the spun wording struck through in red, the restored one in green."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"spin repairs ({len(repairs)})", expand=True, show_lines=False)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("old → new", no_wrap=False, ratio=1)
    table.add_column("evidence", style="dim", ratio=2)
    for i, r in enumerate(repairs, 1):
        change = Text()
        change.append(r.old, style="red")
        change.append(" → ")
        change.append(r.new, style="bold green")
        ev = r.evidence if r.stage == "spin" else f"[{r.stage}] {r.evidence}"
        table.add_row(str(i), change, Text(ev))
    body, pos = Text(), 0
    for a, b, i in locate_repairs(text, repairs):
        body.append(text[pos:a])
        body.append(repairs[i].old, style="red strike")
        body.append(" ")
        body.append(text[a:b], style="bold green")
        body.append(f"[{i + 1}]", style="dim")
        pos = b
    body.append(text[pos:])
    return [table, Panel(body, title="repaired text: [red strike]spun[/] [bold green]restored[/] [dim][n] = row of the table[/]", border_style="green")]
