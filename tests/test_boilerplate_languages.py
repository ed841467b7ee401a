"""Issue 19: boilerplate on pages beyond English news.

Hand-written German, French and Spanish page dumps (``tests/data/languages``: navigation, a
cookie banner, share bar, newsletter form, comment prompts and legal lines around a short
article, one of them with a list inside the article) and the "never lose the article" rescue
(:func:`cleaners.boilerplate.rescue_body`). The pages were written to check the rules, not
fitted to: they are a smoke test of the phrase data and the rescue, not a benchmark.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cleaners import boilerplate, linescore
from cleaners.boilerplate import line_evidence, rescue_body, stopword_language, strip_document_lines

PAGES = Path(__file__).parent / "data" / "languages"

# (file, article paragraphs that must be kept, chrome lines that must go)
CASES = [
    ("de_news.txt", ["Nach monatelangen Beratungen", "Die Busse sollen", "Das Konzept sieht", "Ein günstigeres Monatsticket", "Nachtbusse am Wochenende", "Kritik kam von", "Die Verkehrsbetriebe wollen"],
     ["Wir verwenden Cookies", "Alle akzeptieren", "Artikel teilen", "Newsletter abonnieren", "Ihre E-Mail-Adresse", "3 Kommentare", "Impressum", "Alle Rechte vorbehalten", "Zum Inhalt springen"]),
    ("fr_news.txt", ["La municipalité a présenté", "Selon l'adjointe", "Le budget total"],
     ["Nous utilisons des cookies", "Accepter les cookies", "Partager", "Inscrivez-vous", "Votre adresse e-mail", "Laisser un commentaire", "Tous droits réservés", "Aller au contenu"]),
    ("es_news.txt", ["El pleno del ayuntamiento", "Según el concejal", "La oposición votó"],
     ["Utilizamos cookies", "Aceptar todas las cookies", "Compartir", "Suscríbete", "Tu correo electrónico", "Deja un comentario", "Todos los derechos reservados", "Saltar al contenido"]),
]


@pytest.mark.parametrize("name,body,chrome", CASES, ids=[c[0] for c in CASES])
def test_article_kept_and_chrome_removed(name, body, chrome):
    text = (PAGES / name).read_text(encoding="utf-8")
    res = strip_document_lines(text)
    kept = res.text.split("\n")
    for start in body:
        assert any(l.startswith(start) for l in kept), (start, res.text)
    for start in chrome:
        assert not any(l.startswith(start) for l in kept), (start, res.text)
    # every removal is explained, and the chrome lines by a phrase rule or the model
    assert all(r.reason for r in res.removed)


@pytest.mark.parametrize("line", [
    "Diese Website verwendet Cookies.", "Newsletter abonnieren", "12 Kommentare", "Lesen Sie auch: Die Bahn streikt",
    "Jetzt abonnieren und weiterlesen", "Nous utilisons des cookies.", "Lire la suite", "Tous droits réservés",
    "Utilizamos cookies propias y de terceros.", "Leer más", "Deja un comentario", "Todos los derechos reservados",
])
def test_german_french_spanish_chrome_phrases(line):
    assert (boilerplate.line_reason(line) or "").startswith("phrase:")


@pytest.mark.parametrize("line", [
    "Der Minister sagte am Montag, die Gespräche würden in der nächsten Woche weitergehen.",
    "Le ministre a dit lundi que les discussions continueront la semaine prochaine.",
    "El ministro dijo el lunes que las conversaciones seguirán la próxima semana.",
    "Die Kommentare des Ministers zur Reform fielen am Montag deutlich aus.",
])
def test_prose_is_no_chrome(line):
    assert boilerplate.line_reason(line) is None


def test_stopword_language_by_coverage():
    assert stopword_language("der minister sagte dass die gespräche in der nächsten woche weitergehen".split()) == "de"
    assert stopword_language("el ministro dijo que las conversaciones seguirán la próxima semana".split()) == "es"
    assert stopword_language("the minister said that the talks would go on next week".split()) == "en"
    assert stopword_language([]) is None
    assert stopword_language(["xqzt", "vvbn"]) is None


NAV = ["Startseite", "Politik", "Wirtschaft", "Sport", "Kultur", "Anmelden", "Suche"]
PROSE = [
    "Nach monatelangen Beratungen hat der Stadtrat am Dienstag ein neues Konzept für den Nahverkehr beschlossen, das ab dem kommenden Jahr gelten soll.",
    "Die Busse sollen künftig in der Innenstadt alle zehn Minuten fahren, in den Außenbezirken zumindest alle zwanzig Minuten, sagte die Verwaltung.",
    "Kritik kam von der Opposition, die die Finanzierung für nicht gesichert hält und mit zusätzlichen Kosten von drei Millionen Euro rechnet.",
]


def _evidence(lines):
    ev = line_evidence(lines)
    return ev, linescore.local_features(ev)


def test_rescue_falls_back_to_the_prose_block_when_only_navigation_was_kept():
    lines = NAV + PROSE
    ev, xl = _evidence(lines)
    kept = np.zeros(len(lines), dtype=bool)
    kept[: len(NAV)] = True  # a main-block choice that took the menu
    new, why = rescue_body(ev, xl, kept, np.zeros(0, dtype=np.int64))
    assert new.tolist() == [False] * len(NAV) + [True] * len(PROSE)
    assert all(why[k] == "fallback:not-prose-block" for k in range(len(NAV)))  # provenance of the lines it dropped
    assert all(why[k] is None for k in range(len(NAV), len(lines)))  # and the ones it kept again


def test_rescue_leaves_a_good_choice_alone():
    lines = NAV + PROSE
    ev, xl = _evidence(lines)
    kept = np.array([False] * len(NAV) + [True] * len(PROSE))
    assert rescue_body(ev, xl, kept, np.zeros(0, dtype=np.int64)) is None


def test_rescue_never_takes_back_held_lines():
    lines = NAV + PROSE
    ev, xl = _evidence(lines)
    kept = np.zeros(len(lines), dtype=bool)
    kept[: len(NAV)] = True
    held = np.arange(len(NAV), len(lines))  # say, the comment section
    assert rescue_body(ev, xl, kept, held) is None


def test_rescue_keeps_a_list_introduced_by_a_colon():
    lines = [PROSE[0], "Das Konzept sieht folgende Punkte vor:", "Ein günstigeres Monatsticket", "Neue Haltestellen", "Nachtbusse am Wochenende", PROSE[1]]
    ev, xl = _evidence(lines)
    kept = np.array([True, True, False, False, False, True])
    new, why = rescue_body(ev, xl, kept, np.zeros(0, dtype=np.int64))
    assert new.all() and sorted(why) == [2, 3, 4]


def test_rescue_leaves_headline_boxes_between_paragraphs_out():
    lines = [PROSE[0], "Bahnstreik legt den Verkehr im ganzen Land lahm", "Neue Regeln für Mieter ab Januar", PROSE[1]]
    ev, xl = _evidence(lines)
    kept = np.array([True, False, False, True])
    assert rescue_body(ev, xl, kept, np.zeros(0, dtype=np.int64)) is None
