"""Rule families, the line model, corpus evidence and the corpus stage of cleaners.boilerplate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cleaners import boilerplate, linescore
from cleaners.boilerplate import repeated_lines, strip_corpus, strip_document_lines, unwrap_hard_wrapped
from cleaners.document import Document
from flows import stages

SHARED_TEXT = Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction" / "text"

BODY = [
    "The central bank kept its main interest rate unchanged on Thursday, saying that inflation had eased but remained above its target.",
    "Analysts had expected the decision, although some said the bank could cut rates before the end of the year if growth slowed further.",
    "The governor told reporters that the board would watch wage data closely and would not hesitate to act if prices rose again.",
]


def page(nav: list[str], body: list[str], footer: list[str]) -> str:
    return "\n\n".join(nav + body + footer)


# ---- rule families -------------------------------------------------------------


@pytest.mark.parametrize(
    "line,family",
    [
        ("Story continues below advertisement", "ads"),
        ("Comments are closed.", "comments"),
        ("Click here to subscribe", "paywall"),
        ("Share this article on Facebook", "share"),
        ("Share this on WhatsApp", "share"),
        ("Share this", "share"),
        ("This website uses cookies to improve your experience.", "cookies"),
        ("Get our free newsletter delivered to your inbox", "newsletter"),
        ("You might also like", "related"),
        ("Copyright 2021 Example Media", "copyright"),
        ("© 2021 Example Media", "copyright"),
    ],
)
def test_phrase_families(line, family):
    assert boilerplate.line_reason(line) == f"phrase:{family}"


def test_phrase_must_dominate_the_line():
    # one chrome phrase in a paragraph of four sentences is not enough to call it chrome
    line = "The paper said it would subscribe now to a new wire service. It cited costs. Editors agreed. Readers were told on Monday."
    assert boilerplate.line_reason(line) is None


@pytest.mark.parametrize("line", ["Share prices fell on Monday after the results.", "Share the road, the minister told drivers.", "Share this with care: the report is only a draft, officials said."])
def test_share_phrases_are_whole_lines(line):
    # the share-bar prompts are whole-line patterns: a sentence starting "Share" is not chrome
    assert boilerplate.line_reason(line) is None


def test_phrase_needs_word_boundaries():
    assert boilerplate.line_reason("Misreport an errorless claim, said the minister on Monday in Tokyo.") is None


def test_every_phrase_pattern_has_a_trigger_word_or_symbol():
    tables = boilerplate._phrase_tables()
    covered = {j for ids in tables.by_word.values() for j in ids}
    assert covered == set(range(len(tables.inner)))


@pytest.mark.skipif(not SHARED_TEXT.exists(), reason="shared benchmark data absent")
def test_trigger_prefilter_finds_every_phrase_match_on_real_pages():
    """The word prefilter must never hide a match that a plain scan of every pattern finds."""
    tables = boilerplate._phrase_tables()
    files = sorted(SHARED_TEXT.glob("*.txt"))[:60]
    for f in files:
        for line in f.read_text(encoding="utf-8").split("\n"):
            low = line.strip().lower()
            if not low:
                continue
            fast = boilerplate._phrase_hits(low, re.findall(r"\w+", low), tables)
            slow = [fam for fam, rx in tables.inner for m in rx.finditer(low) if m.start() == 0 or not (low[m.start() - 1].isalnum() or low[m.start() - 1] == "_")]
            assert len(fast) >= len(set(slow)) > 0 or not slow, (f.name, line[:80])


@pytest.mark.parametrize(
    "line,reason",
    [
        ("Tuesday, March 5, 2019 10:14 am", "dateline-only"),
        ("Published 12:00 pm October 17th, 2017", "dateline-only"),
        ("ArrowArtboardCreated with Sketch.Facebook IconTwitter IconMail Icon", "icon-sprite"),
        ("{{headline}}", "template"),
    ],
)
def test_own_rules(line, reason):
    assert boilerplate.line_reason(line) == reason


# ---- line model and context ------------------------------------------------------


def test_navigation_and_footer_blocks_go_body_stays():
    nav = ["Home", "World", "Business", "Markets", "Sign in"]
    footer = ["About us", "Contact us", "Privacy policy", "Follow us on Twitter"]
    res = strip_document_lines(page(nav, BODY, footer))
    assert res.text.split("\n\n") == BODY
    assert {r.text for r in res.removed} == set(nav + footer)
    assert all(r.reason for r in res.removed)


def test_short_line_between_body_lines_is_kept():
    body = BODY[:2] + ["Rates were unchanged."] + BODY[2:]
    res = strip_document_lines(page(["Home", "World", "Markets"], body, ["Privacy policy"]))
    assert "Rates were unchanged." in res.text.split("\n\n")


def test_model_removals_carry_their_score():
    res = strip_document_lines(page(["Home", "World", "Markets"], BODY, []))
    model = [r for r in res.removed if r.reason == "line-model"]
    assert model and all(0.0 <= r.score < 0.5 for r in model)
    assert "score" in model[0].to_record()


def test_headline_becomes_title_and_its_copy_goes():
    head = "Central bank holds rates as inflation eases"
    res = strip_document_lines(page(["Home", "World", head], [head] + BODY, []))
    assert res.title == head
    assert head not in res.text


def test_headline_shaped_lines_under_the_headline_go_with_it():
    head = "Central bank holds rates as inflation eases"
    deck = "Governor signals patience while wage data is watched"
    res = strip_document_lines(page(["Home", "World"], [head, deck] + BODY, []))
    assert res.title == head
    assert [r.reason for r in res.removed if r.text == deck] == ["under-headline"]
    assert res.text.split("\n\n") == BODY
    # ... but never the last body line: a page of a headline and one headline-shaped line keeps it
    res = strip_document_lines(page(["Home"], [head, deck], []))
    assert (res.title, res.text) == (head, deck)
    # ... and a sentence under the headline is body
    res = strip_document_lines(page(["Home", "World"], [head] + BODY, []))
    assert res.text.split("\n\n") == BODY


def test_kana_and_han_lines_count_as_long():
    line = "日本銀行は木曜日、主要な政策金利を据え置くと発表し、物価の上昇は和らいだものの目標を上回っていると説明した。"
    x = linescore.local_features(boilerplate.line_evidence([line, "ホーム"]))
    words = linescore.LOCAL_FEATURES.index("log_words")
    assert x[0, words] > x[1, words] + 2


def test_model_weights_match_feature_lists():
    model = linescore._default_model()
    assert len(model["w1"]) == len(linescore.LOCAL_FEATURES)
    assert model["context_stages"]
    assert all(len(w) == len(linescore.LOCAL_FEATURES) + len(linescore.CONTEXT_FEATURES) for w in model["context_stages"])


def test_empty_and_blank_input():
    assert strip_document_lines("").text == ""
    assert strip_document_lines("\n\n  \n").text == ""


# ---- corpus evidence --------------------------------------------------------------


def site_docs(n: int, chrome: str, extra: list[str] | None = None) -> list[str]:
    out = []
    for i in range(n):
        body = [f"Story number {i} reports that the council approved budget item {i} after a long debate on Monday evening in the town hall.", f"Councillor {i} said the vote on item {i} showed that residents wanted the {i}th proposal funded before next year."]
        out.append("\n\n".join(body[:1] + (extra[i] if extra else []) + body[1:] + [chrome]))
    return out


def test_site_repeated_chrome_line_is_removed():
    chrome = "Tips for the newsroom welcome at any hour"
    texts = site_docs(4, chrome)
    flagged = repeated_lines([t.split("\n") for t in texts], ["news.example"] * 4)
    assert all(f == {chrome.lower(): "site-repeat:4/4"} for f in flagged)
    results = strip_corpus(texts, ["news.example"] * 4)
    assert all(chrome not in r.text for r in results)
    assert all(any(x.reason.startswith("site-repeat") or x.reason == "line-model" for x in r.removed if x.text == chrome) for r in results)


def test_quote_repeated_by_two_documents_is_kept():
    quote = "“We will not give up,” the mayor said."
    extra = [[quote], [quote], [], [], [], []]
    flagged = repeated_lines([t.split("\n") for t in site_docs(6, "x", extra)], ["news.example"] * 6)
    assert all(quote.lower() not in f for f in flagged)


def test_copies_of_one_story_count_once():
    one = site_docs(1, "Short tagline of the story")[0]
    flagged = repeated_lines([one.split("\n")] * 4, ["news.example"] * 4)
    assert flagged == [{}, {}, {}, {}]


def test_corpus_wide_repeats_need_two_sites():
    chrome = "Tips for the newsroom welcome at any hour"
    texts = site_docs(6, chrome)
    one_site = repeated_lines([t.split("\n") for t in texts], [None] * 6)
    assert one_site == [{}] * 6
    many = repeated_lines([t.split("\n") for t in texts], ["a.example", "b.example", "c.example", "d.example", "e.example", "f.example"])
    assert all(chrome.lower() in f for f in many)


def test_corpus_stage_removes_site_chrome_with_provenance():
    chrome = "Tips for the newsroom welcome at any hour"
    docs = [Document(id=str(i), source=f"{i}.txt", url=f"https://www.news.example/{i}", text=t) for i, t in enumerate(site_docs(4, chrome))]
    out = stages.boilerplate_corpus_stage(docs)
    for d in out:
        assert chrome not in d.text
        entry = d.provenance[-1]
        assert entry["stage"] == "boilerplate-corpus"
        assert entry["removed"][0]["reason"] == "site-repeat:4/4"
    assert stages.build_report(out, [])["counts"]["chrome_lines_removed"] == 4


def test_corpus_stage_leaves_documents_without_site_alone():
    docs = [Document(id=str(i), source=f"{i}.txt", text=t) for i, t in enumerate(site_docs(4, "Tips for the newsroom welcome at any hour"))]
    assert stages.boilerplate_corpus_stage(docs) == docs


@pytest.mark.parametrize(
    "line,family",
    [
        ("Share on FacebookShare on TwitterShare via Email", "share"),
        ("Facebook Twitter WhatsApp Email", "share"),
        ("Jane Roe on March 4, 2019 at 10:58 am said:", "comments"),
        ("Trump at the rally last week.Credit...Jane Roe/Example Times", "caption"),
        ("Patrick Doe, ASSOCIATED PRESS", "caption"),
        ("Read more: Markets fall as rates rise", "related"),
        ("No spam, we promise. You can unsubscribe at any time.", "newsletter"),
    ],
)
def test_more_phrase_families(line, family):
    assert boilerplate.line_reason(line) == f"phrase:{family}"


@pytest.mark.parametrize(
    "line",
    [
        "TOKYO (Reuters) – Japan and the United States will try to narrow gaps on trade when their negotiators meet this week.",
        "WASHINGTON (AP) — The Senate voted on Tuesday to extend the program for another year, lawmakers said.",
        "Let’s hope we see more of that kind of candour from officials in the coming weeks.",
        "The page was last updated in July, while the main site was refreshed in May.",
    ],
)
def test_agency_datelines_and_prose_are_not_chrome(line):
    assert boilerplate.line_reason(line) is None


def test_required_and_leading_words():
    assert boilerplate._required_words("all rights reserved") == [{"all"}, {"rights"}, {"reserved"}]
    assert boilerplate._required_words("(?:a|b) c|d") == []
    assert boilerplate._leading_words("(?:be the first to|leave a) comment") == {"be", "leave"}


def test_prose_far_outside_the_main_block_goes():
    teaser = "A separate story about a football club that sold its stadium to a developer last year, and what fans made of it."
    chrome = ["Home", "World", "Markets", "Sign in", "Search", "Menu", "Video", "Opinion", "Sport", "Weather"]
    text = page(chrome, BODY, chrome + [teaser] + chrome)
    res = strip_document_lines(text)
    assert res.text.split("\n\n") == BODY
    assert any(r.text == teaser for r in res.removed)


def test_best_span():
    assert boilerplate._best_span([-0.2, -0.2, 0.7, 0.6, -0.2, 0.5, -0.2, -0.2, -0.2, 0.3]) == (2, 5)


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=25))
def test_every_line_is_kept_or_removed_with_a_reason(lines):
    text = "\n".join(lines)
    res = strip_document_lines(text)
    kept = [l.strip() for l in res.text.split("\n") if l.strip()]
    gone = [r.text.strip() for r in res.removed]
    assert all(r.reason for r in res.removed)
    # a hard-wrapped input is unwrapped first: its paragraphs are the lines accounted for
    lines_in = unwrap_hard_wrapped(text)[0] if res.unwrapped else text
    assert sorted(kept + gone) == sorted(l.strip() for l in lines_in.split("\n") if l.strip())


@pytest.mark.parametrize(
    "line,family",
    [
        ("El contenido de los comentarios es la opinión de los usuarios y no de este diario.", "comments"),
        ("No está permitido verter comentarios contrarios a las leyes o injuriantes.", "comments"),
        ("El periódico se reserva el derecho de eliminar cualquier comentario inapropiado.", "comments"),
        ("Die Kommentare geben nicht die Meinung der Redaktion wieder.", "comments"),
        ("Wir behalten uns vor, Kommentare zu löschen, die gegen unsere Regeln verstoßen.", "comments"),
        ("Les commentaires n'engagent que leurs auteurs.", "comments"),
        ("The site reserves the right to remove any comments that break these rules.", "comments"),
        ("Comentar", "comments"),
        ("Normas de uso y aviso legal", "copyright"),
        ("Datenschutz", "copyright"),
        ("Datenschutzerklärung", "copyright"),  # a privacy policy, like the English one
    ],
)
def test_comment_policy_notices_in_four_languages(line, family):
    """Comment-policy and legal lines of news sites in English, Spanish, German and French."""
    assert boilerplate.line_reason(line) == f"phrase:{family}"


@pytest.mark.parametrize(
    "line",
    [
        "Los comentarios del ministro fueron criticados por la oposición en el Congreso.",
        "The minister said the comments reflect the views of many voters in the region.",
        "Er kommentierte die Meinung der Leser am Dienstag nicht.",
        "Datenschutz ist für die Regierung ein wichtiges Thema in diesem Jahr.",
    ],
)
def test_prose_about_comments_is_not_a_comment_notice(line):
    assert boilerplate.line_reason(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "Wir verwenden Cookies und ähnliche Technologien, um Ihnen ein optimales Nutzungserlebnis zu bieten. Dazu zählen "
        "Cookies, die für den Betrieb der Seite notwendig sind, sowie solche, die für statistische Zwecke oder zur Anzeige "
        "personalisierter Inhalte genutzt werden. Sie können Ihre Einstellungen jederzeit ändern. Weitere Informationen "
        "finden Sie in unserer Datenschutzerklärung.",
        "We use cookies to give you the best experience. Some are needed for the site to work, others are used for "
        "analytics purposes or to show personalised ads. You can change your preferences at any time.",
        "Nous utilisons des cookies pour améliorer votre expérience. Certains servent à des fins statistiques ou à "
        "afficher des publicités personnalisées.",
    ],
)
def test_a_whole_cookie_banner_paragraph_is_chrome(line):
    """A consent banner is several sentences of consent language; a phrase in half of them makes
    the long line chrome (the first sentence alone left a 70-word banner to the line model)."""
    assert boilerplate.line_reason(line) == "phrase:cookies"


@pytest.mark.parametrize("line", ["Zur Datenschutzerklärung", "Kundenkonto anlegen", "Cookies für Marketingzwecke"])
def test_compound_words_trigger_their_patterns(line):
    """A pattern is searched only on a line holding one of its literal words as a whole token, so a
    German compound is spelt out whole in the data ("datenschutz(?:erklärung)" never ran)."""
    assert boilerplate.line_reason(line) is not None
