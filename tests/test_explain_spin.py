"""`wirewash inspect` shows spin repairs readably (flows/explain.py): old → new with evidence, in place."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console

from cleaners.document import Document
from flows import explain, stages

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
sys.path.insert(0, str(ROOT / "bench"))  # thesaurus_spinner

SPUN = (
    "The talks might maybe maybe well well end this twelve months, officers articulate.\n\n"
    "The central financial institution held rates, the authorities officers talked about."
)


def _record() -> dict:
    d = stages.spin_stage(Document(id="s1", source="s1.txt", text=SPUN))
    return {"id": d.id, "text": d.text, "provenance": d.provenance}


def _plain(renderables) -> str:
    c = Console(width=160, record=True, color_system=None)
    for r in renderables:
        c.print(r)
    return c.export_text()


def test_every_repair_is_listed_as_old_to_new_with_evidence():
    rec = _record()
    reps = explain.spin_repairs(rec)
    assert len(reps) == len(rec["provenance"][-1]["repairs"]) >= 5
    out = _plain(explain.render(rec))
    assert f"spin repairs ({len(reps)})" in out
    for r in reps:
        assert f"{r.old} → {r.new}" in out
    assert "LM gain" in out
    # the stage summary points at the table instead of dumping the repairs as JSON
    assert '"span"' not in out and "listed under 'spin repairs'" in out


def test_repairs_are_found_in_the_final_text_in_order():
    rec = _record()
    reps = explain.spin_repairs(rec)
    located = explain.locate_repairs(rec["text"], reps)
    assert [i for _a, _b, i in located] == list(range(len(reps)))
    for a, b, i in located:
        assert rec["text"][a:b] == reps[i].new


def test_repaired_text_highlights_old_and_new_wording():
    rec = _record()
    panel = explain.render_spin(rec["text"], explain.spin_repairs(rec))[1]
    body = panel.renderable
    styled = {body.plain[s.start : s.end]: str(s.style) for s in body.spans}
    assert styled["might maybe maybe well well"] == "red strike"
    assert styled["would"] == "bold green"


def test_a_record_without_spin_repairs_renders_no_spin_table():
    rec = {"id": "x", "text": "Plain text.", "provenance": [{"stage": "spin", "score": 0.0, "flagged": False, "repairs": []}]}
    assert explain.spin_repairs(rec) == []
    assert "spin repairs" not in _plain(explain.render(rec))


def test_a_thesaurus_decider_repair_is_shown_with_its_probability_and_evidence():
    # a clean story run through the bench's thesaurus spinner at every word it knows (its
    # vocabulary is not the repair's): the decider's repairs carry both probabilities of the odds rule
    import thesaurus_spinner

    text = thesaurus_spinner.spin_text(next(SEEDS.glob("004_*.txt")).read_text(encoding="utf-8"), seed=7, rate=1.0)
    d = stages.spin_stage(Document(id="s2", source="s2.txt", text=text))
    rec = {"id": d.id, "text": d.text, "provenance": d.provenance}
    dec = [r for r in explain.spin_repairs(rec) if "decider P(original)" in r.evidence]
    assert dec
    out = _plain(explain.render(rec))
    assert f"{dec[0].old} → {dec[0].new}" in out and "decider P(original)" in out
    assert all("P(printed word is the original)" in r.evidence and "document spin level" in r.evidence for r in dec)