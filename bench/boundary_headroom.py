"""How much of the text-mode error is article-boundary error? Held-out upper bounds.

    .venv/bin/python bench/boundary_headroom.py

Every row uses the held-out line models of ``bench/fit_boilerplate.py`` (5 folds split
by web domain). The "oracle" rows cheat on purpose: they read the reference body to
locate the article's first and last line (a line is body when most of its 4-word
shingles are in the reference), to show how much a perfect boundary detector (the
"main block" step of ``cleaners.boilerplate._classify``) could gain over the same
run's baseline. They are diagnostics, not results.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fit_boilerplate as fb  # noqa: E402

from cleaners import boilerplate  # noqa: E402


def main() -> int:
    if not (fb.DATASET / "ground-truth.json").exists():
        print(f"no benchmark data at {fb.DATASET}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(fb.DATASET))
    import score

    pages = fb.load_pages()
    truth = {p.id: p.truth for p in pages}
    prepared = [fb.prepare_all([p]) for p in pages]
    folds = fb.domain_folds(pages)
    models = [fb.fit([x for pp, ff in zip(prepared, folds) if ff != f for x in pp]) for f in range(5)]
    ours, in_span, span_all, lines_only = {}, {}, {}, {}
    for p, f in zip(pages, folds):
        raw = p.text.split("\n")
        gone = {r.line for r in boilerplate.strip_document_lines(p.text, model=models[f]).removed}
        nonempty = [i for i, l in enumerate(raw) if l.strip()]
        y, _ = fb.line_labels([raw[i].strip() for i in nonempty], p.truth)
        body = [i for i, v in zip(nonempty, y) if v]
        lo, hi = (body[0], body[-1]) if body else (1, 0)
        ours[p.id] = "\n".join(raw[i] for i in nonempty if i not in gone)
        in_span[p.id] = "\n".join(raw[i] for i in nonempty if lo <= i <= hi and i not in gone)
        span_all[p.id] = "\n".join(raw[i] for i in nonempty if lo <= i <= hi)
        lines_only[p.id] = "\n".join(raw[i] for i in body)
    print(f"pages={len(pages)}  held-out line models (5 folds by domain); score.py F1 = harmonic mean of page-mean P and R")
    print(f"{'':52} {'F1':>6} {'P':>6} {'R':>6}")
    for name, pred in (
        ("strip_boilerplate held-out (baseline)", ours),
        ("oracle span, our kept lines inside it", in_span),
        ("oracle span, every line inside it", span_all),
        ("oracle lines (labels used for fitting)", lines_only),
    ):
        m = score.evaluate(truth, pred, n_bootstrap=0)
        print(f"{name:52} {m['f1']:6.3f} {m['precision']:6.3f} {m['recall']:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
