import dataclasses

import pytest

from cleaners.document import Document, content_id


def test_evolve_records_provenance_and_keeps_original():
    d = Document(id="a", source="s", text="x")
    d2 = d.evolve("boilerplate", text="y", removed=[{"line": 0}])
    assert d.text == "x" and d.provenance == ()
    assert d2.text == "y"
    assert d2.provenance == ({"stage": "boilerplate", "removed": [{"line": 0}]},)


def test_evolve_without_stage_rejects_unknown_fields():
    with pytest.raises(TypeError):
        Document(id="a", source="s").evolve(nonsense=1)


def test_record_round_trip_keeps_extra_fields_in_metadata():
    d = Document(id="a", source="s", text="t", url="u", metadata={"k": 1}).evolve("x", changed=True)
    rec = d.to_record()
    rec["extra"] = "carried"
    back = Document.from_record(rec)
    assert back.metadata == {"k": 1, "extra": "carried"}
    assert back.provenance == d.provenance
    assert "html" not in rec


def test_documents_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Document(id="a", source="s").text = "no"  # type: ignore[misc]


def test_content_id_depends_on_text_and_source():
    assert content_id("a") != content_id("b")
    assert content_id("a", "x") != content_id("a", "y")
    assert len(content_id("a")) == 16


def test_evolve_is_dataclasses_replace_plus_provenance():
    """evolve copies without dataclasses.replace (speed): every field change gives what replace
    gives (equal, the same fields, frozen), and the source document is untouched."""
    d = Document(id="a", source="s", text="x", url="u", title="t", metadata={"k": 1}, spin_score=0.5)
    changes = [{"text": "y"}, {"id": "b", "duplicate_of": "c"}, {"metadata": {"j": 2}, "spin_score": None},
               {f.name: getattr(d, f.name) for f in dataclasses.fields(Document)}]
    for ch in changes:
        got = d.evolve(**ch)
        assert got == dataclasses.replace(d, **ch) and type(got) is Document and got is not d
        assert got.__dict__.keys() == d.__dict__.keys()
        with pytest.raises(dataclasses.FrozenInstanceError):
            got.text = "z"
    staged = d.evolve("demo", text="y", why="because")
    assert staged == dataclasses.replace(d, text="y", provenance=({"stage": "demo", "why": "because"},))
    assert d == Document(id="a", source="s", text="x", url="u", title="t", metadata={"k": 1}, spin_score=0.5)
