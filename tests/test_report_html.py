"""report.html: a self-contained page (escaped input, inline SVG, no network), rendered in a real browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cleaners.document import Document
from cleaners.io import Rejected
from flows import stages
from flows.report_html import COLORS, chars_removed_by_source, cluster_histogram, render_report, source_of, spin_histogram

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
STORIES = {
    "a": "The port authority said on Monday that container traffic rose for the third month in a row.",
    "b": "A regional court ordered the release of documents about the stalled bridge project downtown.",
    "s6": "Farmers in the valley expect an early harvest after a warm and unusually dry spring season.",
    "s7": "The orchestra announced a new conductor who will lead its first concert series next autumn.",
    "s8": "Engineers tested a prototype tram that charges its batteries at every stop along the line.",
}


def corpus() -> tuple[list[Document], list[Rejected]]:
    docs = []
    for i in range(9):  # 4 copies of one story, 2 of another, 3 singletons
        story = "a" if i < 4 else "b" if i < 6 else f"s{i}"
        docs.append(
            Document(
                id=f"d{i}", source=f"feed{i % 3}.jsonl:{i + 1}", text=(STORIES[story] + " ") * 3, url=f"https://www.site{i % 2}.example/n/{i}" if i % 3 else None,
                title=HOSTILE if i == 0 else f"Story {story}", spin_score=i / 10,
                provenance=({"stage": "extract", "chars_in": 5000 + i, "chars_out": 800}, {"stage": "boilerplate", "chars_removed": 120 * i, "removed": [{"line": 0, "text": "Share this", "reason": "phrase:share"}] * (i % 3)}),
            )
        )
    rejected = [Rejected("broken.jsonl", "malformed JSON: Expecting value", 7), Rejected(HOSTILE, "binary data (NUL bytes), not text")]
    return stages.dedup_stage(docs), rejected


def page_for(docs, rejected) -> str:
    return render_report(docs, stages.build_report(docs, rejected, 1.5))


def test_input_strings_are_escaped_and_page_needs_no_network():
    docs, rejected = corpus()
    page = page_for(docs, rejected)
    assert "<script" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)  # nothing fetched
    assert "default-src 'none'" in page  # and the browser is told so


def test_page_shows_counts_histograms_clusters_and_rejections():
    docs, rejected = corpus()
    page = page_for(docs, rejected)
    assert page.count("<svg") == 6
    removed = dict(chars_removed_by_source(docs))
    assert removed["feed0.jsonl"] == [4200 + 4203 + 4206, 0 + 360 + 720]  # docs 0, 3, 6 have no url
    assert set(removed) == {"feed0.jsonl", "site0.example", "site1.example"}
    assert "broken.jsonl" in page and "malformed JSON: Expecting value" in page
    labels, counts = cluster_histogram(docs)
    assert dict(zip(labels, counts)) == {"1": 3, "2": 1, "3": 0, "4–5": 1, "6–10": 0, "11–50": 0, "51+": 0}
    s_labels, s_counts = spin_histogram(docs)
    assert sum(s_counts) == 9 and s_counts[0] == 1 and s_counts[8] == 1
    assert re.search(r"4 copies · canonical <code>d\d</code>", page)
    assert page.count('class="cluster"') == 2  # singletons are not "largest clusters"


def test_source_is_site_or_input_file():
    assert source_of(Document(id="a", source="x.jsonl:3", url="https://www.example.org/a")) == "example.org"
    assert source_of(Document(id="a", source="dir/x.jsonl:3")) == "dir/x.jsonl"
    assert source_of(Document(id="a", source="c.warc.gz@1234")) == "c.warc.gz"
    assert source_of(Document(id="a", source="plain.txt")) == "plain.txt"


def test_empty_run_still_renders():
    page = render_report([], stages.build_report([], [Rejected("x.txt", "empty file (0 bytes)")]))
    assert "nothing to plot" in page and "x.txt" in page


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.slow
def test_report_renders_in_headless_chromium(tmp_path):
    browser = find_chromium()
    if browser is None:
        pytest.skip("no chromium on PATH; .ci/run installs it with apt-get (apt-get install -y chromium)")
    from PIL import Image

    docs, rejected = corpus()
    out = tmp_path / "out"
    stages.write_stage(docs, rejected, out, seconds=1.5)  # the page as a run writes it
    shot = tmp_path / "shot.png"
    cmd = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2000", f"--screenshot={shot}",
        (out / "report.html").resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    assert shot.exists(), proc.stderr[-2000:]
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 2000)
    colors = img.getcolors(maxcolors=1 << 20)
    assert len(colors) > 200, "a blank or nearly blank page"
    total = img.size[0] * img.size[1]
    # the light page background is not everything: cards, text and bars cover a real share of it
    background = max(colors)[0]
    assert background / total < 0.85
    # the SVG bars were drawn: pixels in the exact fill colours of the charts
    present = {rgb for _, rgb in colors}
    for hexcolor in COLORS[:3]:
        rgb = tuple(int(hexcolor[i : i + 2], 16) for i in (1, 3, 5))
        n = sum(c for c, px in colors if px == rgb)
        assert n > 500, f"chart colour {hexcolor} barely on screen ({n} px)"
    assert (255, 255, 255) in present
