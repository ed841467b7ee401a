"""The corpus step's site check: a few documents of each site the spinner tells leave unflagged
are read by the content check; a site whose median spin level reads as spun has all its
unflagged documents repaired (stage ``spin-site``), a clean site is left alone, and the
sharded pipeline and the in-memory reference driver pick the same sample."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from cleaners import settings as wsettings
from cleaners import spin
from cleaners.settings import section
from flows import pipeline, stages
from flows.runner import run_pipeline_in_memory

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))  # thesaurus_spinner: the bench's own spinner

NAMES = ("000", "001", "002", "004")


def _spun_without_tells(text: str) -> str:
    import thesaurus_spinner

    return thesaurus_spinner.spin_text(text, seed=7, rate=0.7, tell_rate=0.0)


@pytest.fixture()
def site_corpus(tmp_path, seeds) -> Path:
    """The clean seeds on one site, their copies by a spinner without known tells on another."""
    rows = [{"id": f"clean-{k}", "url": f"https://clean.example/{k}", "text": seeds[k]} for k in NAMES]
    rows += [{"id": f"spun-{k}", "url": f"https://spinner.example/{k}", "text": _spun_without_tells(seeds[k])} for k in NAMES]
    src = tmp_path / "in" / "feed.jsonl"
    src.parent.mkdir()
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return src


def _docs(out: Path) -> dict[str, dict]:
    with gzip.open(out / "documents.jsonl.gz", "rb") as fh:
        return {r["id"]: r for r in map(json.loads, fh)}


def _with_settings(monkeypatch, tmp_path, text: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(wsettings.SETTINGS_ENV, str(path))
    wsettings.settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_settings():
    wsettings.settings.cache_clear()
    yield
    wsettings.settings.cache_clear()


def test_a_spinning_site_is_found_and_repaired_and_a_clean_site_is_not(site_corpus, tmp_path, seeds):
    out = tmp_path / "out"
    pipeline.run(site_corpus.parent, out, workers=1)
    docs = _docs(out)
    by_site = 0
    for k in NAMES:
        spun, clean = docs[f"spun-{k}"], docs[f"clean-{k}"]
        told = next(p for p in spun["provenance"] if p["stage"] == "spin")["flagged"]  # stray tells may flag one
        site = [p for p in spun["provenance"] if p["stage"] == "spin-site"]
        assert len(site) == (0 if told else 1), k
        if site:
            assert site[0]["flagged"] and site[0]["repairs"] and site[0]["changed"], k
            assert site[0]["flagged_by"].startswith("site check: spinner.example median spin level")
            by_site += 1
        assert spun["spin_score"] >= section("spin")["threshold"]
        assert not any(p["stage"] == "spin-site" for p in clean["provenance"])
        assert not any(p.get("repairs") for p in clean["provenance"])  # the clean site: not a word changed
    assert by_site >= section("spin")["site_min_samples"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["spin_site_repaired"] == by_site
    # the in-memory reference driver picks the same sample and makes the same repairs
    ref = tmp_path / "ref"
    run_pipeline_in_memory(site_corpus.parent, ref, workers=1)
    assert {k: d["text"] for k, d in _docs(ref).items()} == {k: d["text"] for k, d in docs.items()}


def test_the_site_check_can_be_turned_off(site_corpus, tmp_path, monkeypatch):
    _with_settings(monkeypatch, tmp_path, "[spin]\nsite_check = false\n")
    out = tmp_path / "out"
    pipeline.run(site_corpus.parent, out, workers=1)
    docs = _docs(out)
    assert not any(p["stage"] == "spin-site" for d in docs.values() for p in d["provenance"])


def test_too_few_documents_of_a_site_decide_nothing(site_corpus, tmp_path, monkeypatch):
    _with_settings(monkeypatch, tmp_path, f"[spin]\nsite_min_samples = {len(NAMES) + 1}\n")
    out = tmp_path / "out"
    pipeline.run(site_corpus.parent, out, workers=1)
    assert not any(p["stage"] == "spin-site" for d in _docs(out).values() for p in d["provenance"])


def test_the_sample_depends_on_the_documents_not_their_order():
    cfg = {"site_samples": 3, "site_min_samples": 3, "site_sample_share": 0.0, "site_sample_floor": 3}
    docs = [(site, f"{site}-{i}", f"{site}-{i}") for site in (1, 2, 3) for i in range(10)] + [(4, "lone", "lone")]
    one = stages.site_spin_samples(docs, cfg)
    two = stages.site_spin_samples(list(reversed(docs)), cfg)
    assert sorted(one) == sorted(two)
    assert len(one) == 3 and {s for s, _ in one} == {1}  # the budget (the floor): one site's worth, the largest (ties by site)
    wide = stages.site_spin_samples(docs, {**cfg, "site_sample_share": 1.0})
    assert {s for s, _ in wide} == {1, 2, 3} and len(wide) == 9  # the lone document's site never has enough


def test_site_verdict_needs_enough_samples_and_a_spun_median():
    cfg = section("spin")
    hi, lo = cfg["content_spin_level"] + 0.5, cfg["content_spin_level"] - 0.5
    assert spin.site_verdict([hi] * cfg["site_min_samples"]) == pytest.approx(hi)
    assert spin.site_verdict([hi] * (cfg["site_min_samples"] - 1)) is None
    assert spin.site_verdict([hi, lo, lo]) is None  # one document reading high is chance


def test_levels_are_kept_across_runs_so_a_site_seen_a_little_at_a_time_is_found(seeds, tmp_path):
    """An inbox or ``--append`` runs see a site a few documents at a time: the levels sampled in
    earlier runs (``state/spin_sites.json``) count with this run's."""
    spun = {k: _spun_without_tells(seeds[k]) for k in ("000", "002", "004")}
    assert not any(spin.despin_explained(t).flagged for t in spun.values())  # no tells: only the site check can find them
    out = tmp_path / "out"
    for batch, names in enumerate((("000", "002"), ("004",))):
        src = tmp_path / f"in{batch}" / "feed.jsonl"
        src.parent.mkdir()
        src.write_text("".join(json.dumps({"id": f"spun-{k}", "url": f"https://spinner.example/{k}", "text": spun[k]}) + "\n"
                               for k in names), encoding="utf-8")
        pipeline.run(src.parent, out, workers=1, mode="append" if batch else "new")
        kept = stages.SiteLevels.load(out / "state", section("spin"))
        assert sum(len(kept.levels(site)) for site in kept.sites) == (2 if batch == 0 else 3)
        docs = _docs(out)
        site = {k for k, d in docs.items() if any(p["stage"] == "spin-site" for p in d["provenance"])}
        # two levels decide nothing; the third, a run later, finds the site (earlier runs' output stays as written)
        assert site == (set() if batch == 0 else {"spun-004"})


def test_a_settled_site_is_still_read_a_document_a_run_so_a_late_spinner_turns_over():
    cfg = {**section("spin"), "site_sample_floor": 100}
    keep = 2 * cfg["site_samples"]
    known = stages.SiteLevels({}, keep)
    clean_level, spun_level = cfg["content_spin_level"] - 0.8, cfg["content_spin_level"] + 0.7
    run = 0

    def one_run(level: float) -> list:
        nonlocal run
        run += 1
        docs = [(5, f"r{run}-d{i}", f"r{run}-d{i}") for i in range(10)]
        picked = stages.site_spin_samples(docs, cfg, keeping=True, settled=known.settled)
        known.add_run([(site, ref, level) for site, ref in picked])
        return picked

    while not known.settled(5):  # a clean site: sampled site_samples a run until settled
        assert len(one_run(clean_level)) == cfg["site_samples"]
    assert stages.site_verdicts([5], known, cfg) == {}
    flipped = None
    for k in range(1, keep + 1):  # then it starts spinning: one document a run
        assert len(one_run(spun_level)) == 1
        if flipped is None and stages.site_verdicts([5], known, cfg):
            flipped = k
    assert flipped is not None and flipped <= keep // 2 + 1
    assert sorted(known.levels(5)) == [spun_level] * keep  # the oldest went first


def test_kept_levels_round_trip_and_an_older_or_damaged_file_is_read_or_set_aside(tmp_path):
    """The state file holds each site's levels packed; a file of the first version (a dict of
    levels a site) is still read, and a damaged one is set aside (nothing kept), never fatal."""
    cfg = section("spin")
    keep = 2 * cfg["site_samples"]
    known = stages.SiteLevels.load(tmp_path, cfg)
    known.add_run([(11, f"d{i}", -2.0 - i / 10) for i in range(keep + 3)] + [(12, "x", -3.25)])
    known.save(tmp_path)
    again = stages.SiteLevels.load(tmp_path, cfg)
    assert again.levels(11) == known.levels(11) and len(again.levels(11)) == keep and again.settled(11)
    assert again.levels(12) == [-3.25] and not again.settled(12)
    assert again.levels(13) == [] and not again.settled(13)
    path = tmp_path / stages.SPIN_SITES_FILE
    path.write_text(json.dumps({"version": 1, "sites": {"12": {"5": -1.5, "6": -1.75}}}), encoding="utf-8")
    old = stages.SiteLevels.load(tmp_path, cfg)
    assert old.levels(12) == [-1.5, -1.75]
    old.add_run([(12, "y", -2.5)])
    assert old.levels(12) == [-1.5, -1.75, -2.5]
    for damaged in ('{"version": 2, "sites": {"12": "not base64!"}}', '{"version": 2, "sites": {"12": "AAAA"}}', "{", '{"sites": []}'):
        path.write_text(damaged, encoding="utf-8")
        assert stages.SiteLevels.load(tmp_path, cfg).sites == {}
