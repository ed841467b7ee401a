import gzip
from pathlib import Path

import pytest

from cleaners.extract import extract_article, html_to_text

SHARED = Path(__file__).resolve().parents[2] / "shared"

ARTICLE = """<html><head><title>Talks stall | Example News</title>
<meta property="og:title" content="Talks stall">
<meta name="date" content="2024-05-01"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Talks stall</h1>
<p>Negotiators from both countries met on Monday in the capital and failed to agree on tariffs for farm goods, officials said.</p>
<p>The minister told reporters that the gap remained wide, but that both sides would meet again next month to continue the work.</p>
</article>
<div class="comments"><p>Comments are closed.</p></div>
<footer>© 2024 Example News. All rights reserved.</footer></body></html>"""


def test_body_has_paragraphs_not_headline_or_chrome():
    text = html_to_text(ARTICLE)
    assert "Negotiators from both countries" in text
    assert "meet again next month" in text
    assert "All rights reserved" not in text
    assert not text.startswith("Talks stall")
    assert len(text.splitlines()) >= 2


def test_metadata():
    art = extract_article(ARTICLE, url="https://example.com/a")
    assert art.title == "Talks stall"
    assert art.date == "2024-05-01"
    assert art.url == "https://example.com/a"


@pytest.mark.parametrize("bad", ["", "   ", "<html></html>", b"\x00\x01", "<" * 1000])
def test_garbage_gives_empty_body_not_an_exception(bad):
    assert isinstance(html_to_text(bad), str)


@pytest.mark.skipif(not (SHARED / "bench/extraction/html").exists(), reason="shared bench not present")
def test_a_real_benchmark_page_yields_text():
    page = sorted((SHARED / "bench/extraction/html").glob("*.html.gz"))[0]
    text = html_to_text(gzip.decompress(page.read_bytes()))
    assert len(text.split()) > 50
