"""Is ``strip_boilerplate`` unchanged? Every result of this tree against a baseline revision's.

    python bench/boilerplate_equiv.py --baseline main              # snapshot both, compare (a few minutes)
    python bench/boilerplate_equiv.py --snapshot ref.json --src DIR # write DIR's results (DIR holds cleaners/)
    python bench/boilerplate_equiv.py --check ref.json              # compare this tree with a snapshot
    python bench/boilerplate_equiv.py --check ref.json --no-cv      # ... without the held-out fits (quick)

Compared, byte for byte (text, title, every removal with its reason; scores and fitted weights
within 1e-12, since the compiled kernels may round a dot product differently from numpy):

* everything ``bench/boilerplate_speed.py --snapshot`` covers: the 181 text dumps of
  ``../shared/bench/extraction/text`` and the seeds, each alone, cleaned again with its
  title, with outside chrome evidence, and all of them as one corpus;
* every text of ``../shared/bench/dedup/synth_v1.jsonl``, alone and cleaned again;
* the held-out path of ``bench/extraction.py``: the line-model weights fitted on each of
  the five domain folds (``bench/fit_boilerplate.py``, which reads the local and context
  features) and the held-out predictions, with their F1 (printed).

A speed-up must leave every one of these identical; a change in behaviour shows up here.
The baseline's ``cleaners/`` comes from ``git archive`` and is snapshotted in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SYNTH = SHARED / "bench" / "dedup" / "synth_v1.jsonl"
DATASET = SHARED / "bench" / "extraction"


def _rec(r) -> dict:
    return {"text": r.text, "title": r.title, "removed": [x.to_record() for x in r.removed], "scores": [x.score for x in r.removed], "unwrapped": r.unwrapped}


def snapshot(cv: bool = True) -> dict[str, object]:
    """Every result, by name (the cleaners package is whichever ``import cleaners`` finds first)."""
    import boilerplate_speed

    from cleaners.boilerplate import strip_document_lines

    out: dict[str, object] = dict(boilerplate_speed.snapshot())
    with SYNTH.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            r = strip_document_lines(row["text"])
            out["synth:" + row["id"]] = _rec(r)
            out["synth-again:" + row["id"]] = _rec(strip_document_lines(r.text, title=r.title))
    if cv:
        import fit_boilerplate

        sys.path.insert(0, str(DATASET))
        import score

        pages = fit_boilerplate.load_pages(DATASET)
        prepared = [fit_boilerplate.prepare_all([p]) for p in pages]
        folds = fit_boilerplate.domain_folds(pages)
        for f in range(5):
            model = fit_boilerplate.fit([x for pp, ff in zip(prepared, folds) if ff != f for x in pp])
            out[f"cv-model:{f}"] = {"w1": model["w1"], "context_stages": model["context_stages"]}
        pred = fit_boilerplate.cross_validate(pages)
        for k, v in sorted(pred.items()):
            out["cv-pred:" + k] = v
        truth = {p.id: p.truth for p in pages}
        out["cv-f1"] = round(score.evaluate(truth, pred, n_bootstrap=0)["f1"], 6)
    return out


def _snapshot_of(src: Path, dest: Path, cv: bool) -> None:
    """Run :func:`snapshot` in a subprocess that imports ``cleaners`` from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--src", str(src), "--snapshot", str(dest)] + ([] if cv else ["--no-cv"])
    subprocess.run(cmd, env=env, check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", help="git revision to compare this tree with")
    ap.add_argument("--snapshot", type=Path, help="write every result to this JSON file")
    ap.add_argument("--check", type=Path, help="compare every result with this JSON file")
    ap.add_argument("--src", type=Path, default=ROOT, help="directory holding the cleaners package to snapshot")
    ap.add_argument("--no-cv", dest="cv", action="store_false", help="skip the held-out fits (the slow part)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(args.src.resolve()))
    import boilerplate_speed  # imports no cleaners at module level

    if args.src.resolve() != ROOT:
        boilerplate_speed.hermetic_imports()
    import cleaners

    where = Path(cleaners.__file__).resolve().parent.parent
    if where != args.src.resolve():
        print(f"cleaners imported from {where}, not {args.src}", file=sys.stderr)
        return 2
    if args.snapshot:
        args.snapshot.write_text(json.dumps(snapshot(args.cv), ensure_ascii=False, indent=0), encoding="utf-8")
        return 0
    if args.baseline:
        with tempfile.TemporaryDirectory() as tmp:
            boilerplate_speed.checkout(args.baseline, Path(tmp))
            _snapshot_of(Path(tmp), Path(tmp) / "ref.json", args.cv)
            want = json.loads((Path(tmp) / "ref.json").read_text(encoding="utf-8"))
    elif args.check:
        want = json.loads(args.check.read_text(encoding="utf-8"))
        if not args.cv:
            want = {k: v for k, v in want.items() if not k.startswith("cv-")}
    else:
        ap.error("give --baseline, --check or --snapshot")
    got = snapshot(args.cv)
    bad = boilerplate_speed.compare(want, got)
    kinds: dict[str, int] = {}
    for k in got:
        if k == "cv-f1":
            continue
        kind = k.split(":")[0] if ":" in k else "alone"
        kinds[kind] = kinds.get(kind, 0) + 1
    bits = sum(1 for k in want.keys() | got.keys() if k not in bad and want.get(k) != got.get(k))
    print(f"{len(got)} results compared ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}); {len(bad)} differ" + (": " + ", ".join(bad[:10]) if bad else "")
          + f"; {bits} equal but for float last bits (within {boilerplate_speed.FLOAT_TOLERANCE:g})")
    if args.cv:
        print(f"held-out text F1: baseline {want.get('cv-f1')}, this tree {got.get('cv-f1')}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
