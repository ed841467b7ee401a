"""``report.html``: the run report as a page to look at, not to read.

:func:`render_report` is a pure function from the cleaned documents and the
``report.json`` dict to one self-contained HTML string: inline CSS, plots drawn
as inline SVG, no scripts, nothing fetched from the network. Every string that
came from input (titles, ids, file names, reasons) is HTML-escaped.

>>> from cleaners.document import Document
>>> page = render_report([Document(id="a", source="x.txt", text="t", cluster_id="a")],
...                      {"counts": {"read": 1}, "rejected": [], "removal_reasons": {}})
>>> page.startswith("<!DOCTYPE html>") and "<svg" in page and "<script" not in page
True
"""

from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from cleaners.document import Document, url_host

#: the palette of every plot (colour-blind-safe, after Okabe & Ito)
COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
MAX_ROWS = 300  # rejected inputs listed in full up to this many
TOP_SOURCES = 15
TOP_CLUSTERS = 6
CLUSTER_BINS = ((1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 5, "4–5"), (6, 10, "6–10"), (11, 50, "11–50"), (51, math.inf, "51+"))


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(n: float) -> str:
    if isinstance(n, float) and not n.is_integer():
        return f"{n:.2f}"
    n = int(n)
    if abs(n) >= 1_000_000:
        return f"{n / 1e6:.1f}M"
    if abs(n) >= 10_000:
        return f"{n / 1e3:.0f}k"
    return f"{n:,}"


# ---------------------------------------------------------------- SVG plots


def hbar_chart(rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[str], width: int = 640, first_color: int = 0) -> str:
    """Horizontal (stacked) bars: one row a label, one segment per series."""
    if not rows:
        return '<p class="empty">nothing to plot</p>'
    label_w, bar_h, gap, top = 190, 20, 8, 26 if len(series) > 1 else 4
    plot_w = width - label_w - 70
    biggest = max(sum(v) for _, v in rows) or 1
    height = top + len(rows) * (bar_h + gap)
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    if len(series) > 1:
        x = label_w
        for k, name in enumerate(series):
            out.append(f'<rect x="{x}" y="4" width="12" height="12" rx="2" fill="{COLORS[(first_color + k) % len(COLORS)]}"/>')
            out.append(f'<text x="{x + 16}" y="14" class="legend">{_e(name)}</text>')
            x += 24 + 7 * len(name)
    for i, (label, values) in enumerate(rows):
        y = top + i * (bar_h + gap)
        short = label if len(label) <= 26 else "…" + label[-25:]  # the end of a path says most
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h - 6}" text-anchor="end" class="label"><title>{_e(label)}</title>{_e(short)}</text>')
        x = float(label_w)
        for k, v in enumerate(values):
            w = plot_w * v / biggest
            if w > 0:
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" rx="3" fill="{COLORS[(first_color + k) % len(COLORS)]}"><title>{_e(series[k])}: {_fmt(v)}</title></rect>')
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + bar_h - 6}" class="value">{_fmt(sum(values))}</text>')
    out.append("</svg>")
    return "".join(out)


def histogram(labels: Sequence[str], counts: Sequence[int], color: str = COLORS[0], width: int = 460, height: int = 220, xlabel: str = "") -> str:
    """Vertical bars over ``labels`` (the bins), each topped by its count."""
    if not any(counts):
        return '<p class="empty">nothing to plot</p>'
    left, bottom, top = 36, 44, 18
    plot_h = height - bottom - top
    slot = (width - left - 8) / len(labels)
    biggest = max(counts)
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 4}" y2="{top + plot_h}" class="axis"/>')
    for i, (lab, c) in enumerate(zip(labels, counts)):
        h = plot_h * c / biggest
        x = left + i * slot + slot * 0.12
        w = slot * 0.76
        y = top + plot_h - h
        if c:
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{max(h, 1):.1f}" rx="3" fill="{color}"><title>{_e(lab)}: {c}</title></rect>')
            out.append(f'<text x="{x + w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="value">{_fmt(c)}</text>')
        out.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h + 15}" text-anchor="middle" class="tick">{_e(lab)}</text>')
    if xlabel:
        out.append(f'<text x="{left + (width - left) / 2:.0f}" y="{height - 6}" text-anchor="middle" class="label">{_e(xlabel)}</text>')
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------- figures from documents


def source_of(doc: Document) -> str:
    """What "source" means on the report: the site of the URL, else the input file."""
    host = url_host(doc.url)
    if host:
        return host
    src = doc.source
    for sep in ("@", ":"):
        head, _, tail = src.rpartition(sep)
        if head and tail.isdigit():
            return head
    return src


def chars_removed_by_source(docs: Sequence[Document], top: int | None = TOP_SOURCES) -> list[tuple[str, list[float]]]:
    """Per source, most first: characters of markup dropped by extraction and of chrome dropped by boilerplate."""
    acc: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for d in docs:
        row = acc[source_of(d)]
        for p in d.provenance:
            if p.get("stage") == "extract":
                row[0] += max(0, (p.get("chars_in") or 0) - (p.get("chars_out") or 0))
            elif p.get("stage") == "boilerplate":
                row[1] += max(0, p.get("chars_removed") or 0)
    rows = sorted(acc.items(), key=lambda kv: -sum(kv[1]))
    return [(k, v) for k, v in rows if sum(v) > 0][:top]


def _top(rows: list[tuple[str, list[float]]], k: int) -> list[tuple[str, list[float]]]:
    """The sources with the most characters in series ``k`` alone."""
    ranked = sorted(((name, [v[k]]) for name, v in rows if v[k] > 0), key=lambda r: -r[1][0])
    return ranked[:TOP_SOURCES]


def cluster_sizes(docs: Sequence[Document]) -> Counter[str]:
    return Counter(d.cluster_id or d.id for d in docs)


def cluster_histogram(docs: Sequence[Document]) -> tuple[list[str], list[int]]:
    sizes = cluster_sizes(docs).values()
    return [lab for _, _, lab in CLUSTER_BINS], [sum(1 for s in sizes if lo <= s <= hi) for lo, hi, _ in CLUSTER_BINS]


def spin_histogram(docs: Sequence[Document], bins: int = 10) -> tuple[list[str], list[int]]:
    counts = [0] * bins
    for d in docs:
        if d.spin_score is not None and math.isfinite(d.spin_score):
            counts[min(bins - 1, max(0, int(d.spin_score * bins)))] += 1
    return [f"{i / bins:.1f}" for i in range(bins)], counts


# ---------------------------------------------------------------- page


_CSS = """
:root{--ink:#1d2433;--muted:#5b6478;--line:#e3e7ef;--bg:#f5f7fb;--card:#fff;--accent:#0072B2;--bad:#D55E00}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
header{background:linear-gradient(120deg,#0b3c5d,#0072B2 60%,#009E73);color:#fff;padding:28px 40px 64px}
header h1{margin:0;font-size:28px;letter-spacing:.3px}header p{margin:6px 0 0;opacity:.85}
main{max-width:1180px;margin:-44px auto 40px;padding:0 24px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(128px,1fr));gap:14px}
.card{background:var(--card);border-radius:12px;padding:14px 18px;box-shadow:0 1px 3px rgba(20,30,60,.12)}
.card .n{font-size:28px;font-weight:700}.card .k{color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.5px}
.card.bad .n{color:var(--bad)}.card.good .n{color:#009E73}
section{background:var(--card);border-radius:12px;padding:18px 22px;margin-top:18px;box-shadow:0 1px 3px rgba(20,30,60,.12)}
section h2{margin:0 0 12px;font-size:18px}.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}
@media (max-width:900px){.grid2{grid-template-columns:1fr}}
.grid2 section{margin-top:0}.row{margin-top:18px}
svg.chart{max-width:100%;height:auto}svg text{font-family:inherit}
.label{font-size:12px;fill:var(--ink)}.value{font-size:11px;fill:var(--muted)}.tick{font-size:11px;fill:var(--muted)}.legend{font-size:12px;fill:var(--ink)}
.axis{stroke:#b8c0d0;stroke-width:1}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px;background:#eef2f8;padding:1px 4px;border-radius:4px;word-break:break-all}
.cluster{border-left:4px solid var(--accent);padding:8px 14px;margin:10px 0;background:#f8fafd;border-radius:0 8px 8px 0}
.cluster h3{margin:0 0 4px;font-size:15px}.cluster .meta{color:var(--muted);font-size:12px}.cluster p{margin:6px 0;color:#333}
.pill{display:inline-block;background:#e6f1f8;color:#0b3c5d;border-radius:10px;padding:0 8px;font-size:12px;margin:2px 4px 2px 0}
.empty{color:var(--muted);font-style:italic}.ok{color:#009E73;font-weight:600}
"""


def _cards(counts: dict[str, Any], chars_removed: float) -> str:
    picks = [
        ("read", "documents read", ""),
        ("cleaned", "cleaned", ""),
        ("written", "in the corpus", "good"),
        ("duplicates", "duplicates", ""),
        ("clusters", "story clusters", ""),
        ("rejected", "rejected inputs", "bad"),
    ]
    out = ['<div class="cards">']
    for key, label, cls in picks:
        if key in counts:
            c = cls if (cls != "bad" or counts[key]) else "good"
            out.append(f'<div class="card {c}"><div class="n">{_fmt(counts[key])}</div><div class="k">{_e(label)}</div></div>')
    out.append(f'<div class="card"><div class="n">{_fmt(chars_removed)}</div><div class="k">characters removed</div></div>')
    out.append("</div>")
    return "".join(out)


def cluster_card(canon: Document, others: Sequence[str], n: int) -> dict[str, Any]:
    """What the report shows of one cluster: its canonical copy and the other members' ids."""
    return {"n": n, "id": canon.id, "title": canon.title or canon.id, "source": source_of(canon),
            "spin": canon.spin_score, "snippet": " ".join(canon.text.split())[:320], "more": len(canon.text) > 320,
            "others": list(others)}


def _largest_clusters(cards: Sequence[dict[str, Any]]) -> str:
    big = sorted((c for c in cards if c["n"] > 1), key=lambda c: -c["n"])[:TOP_CLUSTERS]
    if not big:
        return '<p class="empty">no near-duplicates: every story is its own cluster</p>'
    out = []
    for c in big:
        others = "".join(f'<span class="pill">{_e(i)}</span>' for i in c["others"])
        spin = c["spin"]
        out.append(
            f'<div class="cluster"><h3>{_e(c["title"])}</h3>'
            f'<div class="meta">{c["n"]} copies · canonical <code>{_e(c["id"])}</code> from {_e(c["source"])}'
            f'{" · spin " + format(spin, ".2f") if isinstance(spin, (int, float)) else ""}</div>'
            f"<p>{_e(c['snippet'])}{'…' if c['more'] else ''}</p><div>{others}</div></div>"
        )
    return "".join(out)


def figures_from_docs(docs: Sequence[Document], with_clusters: bool = False) -> dict[str, Any]:
    """The report's figures from documents (a shard's share, or a whole small run); JSON-able,
    merged across shards by :func:`merge_figures`."""
    fig: dict[str, Any] = {
        "sources": [[k, v] for k, v in chars_removed_by_source(docs, top=None)],
        "spin": spin_histogram(docs)[1],
        "renamed": [[d.metadata["input_id"], d.id, d.source] for d in docs if "input_id" in d.metadata][:MAX_ROWS],
    }
    if with_clusters:
        sizes = cluster_sizes(docs)
        fig["cluster_sizes"] = sorted(Counter(sizes.values()).items())
        groups: dict[str, list[Document]] = defaultdict(list)
        for d in docs:
            groups[d.cluster_id or d.id].append(d)
        fig["cards"] = []
        for cid, n in sizes.most_common(TOP_CLUSTERS):
            if n > 1:
                canon = next((d for d in groups[cid] if d.duplicate_of is None), groups[cid][0])
                fig["cards"].append(cluster_card(canon, [d.id for d in groups[cid] if d is not canon], n))
    return fig


def merge_figures(parts: Sequence[dict[str, Any]], cluster_size_counts, cards: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One run's figures from its shards' (cluster sizes and cards come from the dedup reduce)."""
    sources: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    spin = [0] * 10
    renamed: list = []
    for p in parts:
        for name, (a, b) in p["sources"]:
            sources[name][0] += a
            sources[name][1] += b
        spin = [x + y for x, y in zip(spin, p["spin"])]
        renamed += p["renamed"][: MAX_ROWS - len(renamed)]
    rows = sorted(sources.items(), key=lambda kv: -sum(kv[1]))
    return {"sources": [[k, v] for k, v in rows], "spin": spin, "renamed": renamed,
            "cluster_sizes": [list(x) for x in cluster_size_counts], "cards": list(cards)}


def _rejected_table(rejected: Sequence[dict[str, Any]], total: int | None = None) -> str:
    total = len(rejected) if total is None else total
    if not rejected:
        return '<p class="ok">✓ every input was usable</p>'
    rows = [
        f"<tr><td><code>{_e(r.get('source'))}</code></td><td class='num'>{_e(r.get('line') if r.get('line') is not None else '')}</td><td>{_e(r.get('reason'))}</td></tr>"
        for r in rejected[:MAX_ROWS]
    ]
    shown = min(len(rejected), MAX_ROWS)
    more = f"<p class='empty'>… and {total - shown} more in rejected.jsonl</p>" if total > shown else ""
    return "<table><thead><tr><th>input</th><th>line</th><th>reason</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>" + more


def _renamed(ren: Sequence[Sequence[str]]) -> str:
    if not ren:
        return ""
    rows = "".join(f"<tr><td><code>{_e(old)}</code></td><td><code>{_e(new)}</code></td><td>{_e(src)}</td></tr>" for old, new, src in ren[:MAX_ROWS])
    return (
        '<section class="row"><h2>Ids renamed (the same id named different texts)</h2>'
        f"<table><thead><tr><th>input id</th><th>kept as</th><th>input</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _skipped(skipped: dict[str, Any]) -> str:
    if not skipped.get("count"):
        return ""
    rows = "".join(f"<tr><td><code>{_e(f)}</code></td></tr>" for f in skipped.get("files", [])[:MAX_ROWS])
    more = skipped["count"] - len(skipped.get("files", [])[:MAX_ROWS])
    tail = f"<p class='empty'>… and {more} more in report.json</p>" if more > 0 else ""
    return (f'<section class="row"><h2>Files skipped ({skipped["count"]}): {_e(skipped.get("why", ""))}</h2>'
            f"<table><tbody>{rows}</tbody></table>{tail}</section>")


def render_report(docs: Sequence[Document] | dict[str, Any], report: dict[str, Any]) -> str:
    """The whole ``report.html`` page for one run, from its documents or its merged figures."""
    fig = docs if isinstance(docs, dict) else figures_from_docs(docs, with_clusters=True)
    counts: dict[str, Any] = dict(report.get("counts") or {})
    all_sources = [(k, v) for k, v in fig["sources"] if sum(v) > 0]
    chars_removed = sum(sum(v) for _, v in all_sources)
    stage_rows = [(k.replace("_", " "), [float(v)]) for k, v in counts.items() if isinstance(v, (int, float))]
    reasons = [(k, [float(v)]) for k, v in list((report.get("removal_reasons") or {}).items())[:TOP_SOURCES]]
    size_counts = dict((int(s), int(c)) for s, c in fig["cluster_sizes"])
    c_labels = [lab for _, _, lab in CLUSTER_BINS]
    c_counts = [sum(c for s, c in size_counts.items() if lo <= s <= hi) for lo, hi, _ in CLUSTER_BINS]
    s_labels, s_counts = [f"{i / 10:.1f}" for i in range(10)], fig["spin"]
    seconds = report.get("seconds")
    sub = f"{_fmt(counts.get('read', 0))} documents in" + (f", {seconds:.2f} s" if isinstance(seconds, (int, float)) else "")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        "<title>wirewash run report</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>wirewash run report</h1><p>{_e(sub)}</p></header><main>",
        _cards(counts, chars_removed),
        '<div class="grid2 row">',
        f"<section><h2>What each stage did</h2>{hbar_chart(stage_rows, ['documents'])}</section>",
        f"<section><h2>Why lines were removed</h2>{hbar_chart(reasons, ['lines'], first_color=4)}</section>",
        "</div>",
        '<div class="grid2 row">',
        f"<section><h2>Page chrome removed per source (characters)</h2>{hbar_chart(_top(all_sources, 1), ['boilerplate'], first_color=3)}</section>",
        f"<section><h2>HTML markup removed per source (characters)</h2>{hbar_chart(_top(all_sources, 0), ['extraction'])}</section>",
        "</div>",
        '<div class="grid2 row">',
        f"<section><h2>Cluster sizes</h2>{histogram(c_labels, c_counts, COLORS[2], xlabel='copies of a story')}</section>",
        f"<section><h2>Spin scores</h2>{histogram(s_labels, s_counts, COLORS[1], xlabel='spin score (bin start)')}</section>",
        "</div>",
        f'<section class="row"><h2>Largest clusters and their canonical copy</h2>{_largest_clusters(fig["cards"])}</section>',
        f'<section class="row"><h2>Rejected inputs ({report.get("rejected_total", len(report.get("rejected") or []))})</h2>{_rejected_table(report.get("rejected") or [], report.get("rejected_total"))}</section>',
        _renamed(fig["renamed"]),
        _skipped(report.get("skipped") or {}),
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)

