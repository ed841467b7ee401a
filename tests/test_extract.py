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


def test_headline_line_made_of_title_words_is_dropped():
    html = (
        "<html><head><title>Rates held | Example News</title></head><body><article><h2>Rates held</h2>"
        + "".join(f"<p>Paragraph {i} says the central bank kept rates on hold for a third month, citing slower inflation and weak demand.</p>" for i in range(6))
        + "</article></body></html>"
    )
    text = html_to_text(html)
    assert text.startswith("Paragraph 0")


def test_short_precise_extraction_falls_back_to_recall(monkeypatch):
    """When the precise pass finds little, a favor_recall pass runs and the longer body wins."""
    import cleaners.extract as ex

    calls = []

    class Res:
        def __init__(self, text):
            self.text = text
            self.title = None

    def fake(html, url=None, with_metadata=False, **opts):
        calls.append(opts)
        return Res("short") if opts.get("favor_precision") else Res("a much longer body " * 40)

    monkeypatch.setattr(ex.trafilatura, "bare_extraction", fake)
    assert html_to_text("<html><body><p>x</p></body></html>").startswith("a much longer body")
    assert [bool(c.get("favor_recall")) for c in calls] == [False, True]


def test_long_precise_extraction_is_not_retried(monkeypatch):
    import cleaners.extract as ex

    calls = []

    class Res:
        text = "enough words in this body " * 40
        title = None

    def fake(html, url=None, with_metadata=False, **opts):
        calls.append(opts)
        return Res()

    monkeypatch.setattr(ex.trafilatura, "bare_extraction", fake)
    html_to_text("<html><body><p>x</p></body></html>")
    assert len(calls) == 1


# issue 19: NFC output, a lead that repeats the title, chrome lines trafilatura keeps

def _page(title: str, paragraphs: list[str], h1: bool = True) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    head = f"<h1>{title}</h1>" if h1 else ""
    return f"<html><head><title>{title}</title></head><body><article>{head}{body}</article></body></html>"


FILLER = "The council will publish the full plan next week, after a last round of talks with the residents of the district."


def test_output_is_nfc():
    import unicodedata

    text = html_to_text(_page("Cafe\u0301 owners protest", ["Cafe\u0301 owners in the old town protested on Monday against the new rules for terraces, the organisers said.", FILLER]))
    assert "Caf\u00e9 owners in the old town" in text
    assert text == unicodedata.normalize("NFC", text)


def test_lead_that_repeats_the_title_is_body():
    title = "Council approves the new plan for the old harbour"
    lead = "Council approves the new plan for the old harbour."
    text = html_to_text(_page(title, [lead, FILLER, FILLER.replace("next week", "in June")], h1=False))
    assert text.startswith(lead)  # the first line, all of it title words, but a sentence


def test_chrome_lines_inside_the_article_are_dropped_and_recorded():
    paragraphs = ["Negotiators from both countries met on Monday in the capital and failed to agree on tariffs for farm goods, officials said.",
                  "Share on Facebook", "Newsletter abonnieren",
                  "The minister told reporters that the gap remained wide, but that both sides would meet again next month to continue."]
    art = extract_article(_page("Talks stall", paragraphs))
    assert "Share on Facebook" not in art.text and "Newsletter abonnieren" not in art.text
    assert "gap remained wide" in art.text
    assert {r for _, _, r in art.removed} == {"phrase:share", "phrase:newsletter"}


# issue 19: body paragraphs trafilatura drops come back from the page's text dump

_BODY = [
    "The city council voted on Tuesday to extend the night bus service to the northern suburbs, after a year of complaints from shift workers who said they had no way home.",
    "The mayor said the extension would cost about two million a year and would be paid for by a small rise in parking fees in the centre, which the opposition called unfair.",
    "Residents of the northern suburbs welcomed the decision, but said that they would wait to see whether the buses really ran on time before they gave up their cars.",
    "The new timetable starts in March, and the council will review the service after six months, when it has figures on how many people use the late buses.",
]


def _recovery_page(dropped: str, chrome: str) -> str:
    """An article whose third paragraph sits in a box trafilatura's precise mode discards, with a
    chrome paragraph (a caption) right after the body."""
    paras = "".join(f"<p>{p}</p>" for p in _BODY[:2])
    return (
        "<html><head><title>Night buses</title></head><body><nav><a href='/'>Home</a> <a href='/n'>News</a></nav>"
        f"<article><h1>Night buses</h1>{paras}<div class='related-box widget'><p>{dropped}</p></div>"
        f"<p>{_BODY[3]}</p><figure><img src='x.jpg'><figcaption>{chrome}</figcaption></figure></article>"
        "<footer><p>Copyright 2024 Example News. All rights reserved.</p></footer></body></html>"
    )


def test_recover_lines_puts_back_a_dropped_body_paragraph():
    """A paragraph of the dump that trafilatura did not keep comes back in its place when the line
    model keeps it with confidence and it lies between trafilatura's paragraphs; a caption next to
    the body (a figure element) does not, nor does the footer."""
    from cleaners.extract import page_dump, recover_lines
    import lxml.html

    caption = "The mayor speaks to residents at the bus depot in the northern suburbs on Tuesday evening after the vote."
    tree = lxml.html.fromstring(_recovery_page(_BODY[2], caption))
    flags: list[bool] = []
    dump = page_dump(tree, flags)
    assert _BODY[2] in dump and caption in dump
    lost = "\n".join([_BODY[0], _BODY[1], _BODY[3]])  # trafilatura's body without the boxed paragraph
    text, recovered = recover_lines(lost, dump, furniture=flags)
    assert text.split("\n") == _BODY
    assert [r[1] for r in recovered] == [_BODY[2]]
    assert recovered[0][2].startswith("line-model:") and recovered[0][2].endswith(":between")
    assert caption not in text and "Copyright" not in text


def test_recover_lines_needs_confidence_and_adjacency():
    """Nothing comes back when the model is not confident enough, or when the paragraph is far from
    trafilatura's text."""
    from cleaners.extract import recover_lines
    from cleaners.settings import section

    dump = ["Home", "News"] + _BODY + ["Copyright 2024 Example News. All rights reserved."]
    lost = "\n".join([_BODY[0], _BODY[1], _BODY[3]])
    assert recover_lines(lost, dump, cfg={**section("extract"), "recover_min_score": 1.01}) == (lost, ())
    # only the first paragraph kept by trafilatura: the others are after it, a gap of 0 still reaches the
    # run of recovered lines next to it, but not with the "after" side switched off
    first = _BODY[0]
    assert recover_lines(first, dump, cfg={**section("extract"), "recover_edges": []}) == (first, ())
    text, rec = recover_lines(first, dump)
    assert text.split("\n") == _BODY and len(rec) == 3


def test_html_to_text_recovery_can_be_switched_off(monkeypatch):
    """With ``recover = true`` html_to_text runs the recovery (provenance in extract_article's
    ``recovered``); with ``recover = false`` the output is trafilatura's alone."""
    import cleaners.extract as ex
    from cleaners.settings import settings

    page = _recovery_page(_BODY[2], "A caption.")
    monkeypatch.setitem(settings()["extract"], "recover", True)
    on = ex.extract_article(page)
    monkeypatch.setitem(settings()["extract"], "recover", False)
    off = ex.extract_article(page)
    assert off.recovered == () and on.recovered  # trafilatura drops the boxed paragraph; recovery puts it back
    assert _BODY[2] in on.text and _BODY[2] not in off.text
    assert set(off.text.split("\n")) <= set(on.text.split("\n"))
    assert {r[1] for r in on.recovered} == set(on.text.split("\n")) - set(off.text.split("\n"))
