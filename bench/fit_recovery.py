"""Choose the settings of HTML-mode recovery (``cleaners.extract.recover_lines``) by domain-split CV.

    .venv/bin/python bench/fit_recovery.py

Each page's text dump is stripped by the line model fitted without its domain's fold
(``bench/fit_boilerplate.py``'s folds); for each held-out fold the settings are those that
score best (4-gram shingle F1 of ``html_to_text``'s output, page-averaged) on the *other* folds'
pages, and the held-out fold is then scored with them. Prints the held-out F1 of
trafilatura's body alone, of the shipped settings, and of the per-fold choice. (The line model
that strips a training page was itself fitted on the other four folds, the held-out one among them:
its scores on the training pages are held-out ones, its parameters not quite.)
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fit_boilerplate  # noqa: E402

from cleaners import boilerplate, extract  # noqa: E402
from cleaners.settings import section  # noqa: E402

GRID = {
    "recover_min_score": [0.8, 0.9, 0.95, 0.98],
    "recover_min_words": [5, 10],
    "recover_max_gap": [0, 1, 3],
    "recover_edges": [[], ["after"], ["before", "after"]],
    "recover_skip_furniture": [False, True],
}


def finish(html: str, text: str) -> str:
    """What html_to_text does after recovery."""
    return extract.nfc(extract._drop_leading_title(extract.drop_chrome_lines(text)[0], *extract._page_titles(html)))


def prepare(dataset: Path, seed: int = 0):
    pages = fit_boilerplate.load_pages(dataset)
    htmls = {p.id: p.text for p in fit_boilerplate.load_pages(dataset, mode="html")}
    folds = fit_boilerplate.domain_folds(pages, 5, seed)
    prepared = [fit_boilerplate.prepare_all([p]) for p in pages]
    rows = {}
    for f in range(5):
        model = fit_boilerplate.fit([x for pp, ff in zip(prepared, folds) if ff != f for x in pp])
        for p, ff in zip(pages, folds):
            if ff != f:
                continue
            h = htmls[p.id]
            tree = extract._load(h)
            text, _ = extract._extract(h if tree is None else tree, None, False)
            furniture: list[bool] = []
            dump = extract.page_dump(tree, furniture) if tree is not None else []
            strip = boilerplate.strip_document_lines("\n\n".join(dump), model=model, removals=False, scores=True) if dump else None
            rows[p.id] = (h, text, dump, strip, f, p.truth, furniture)
    return rows


def predict(rows, ids, cfg) -> dict[str, str]:
    out = {}
    for k in ids:
        h, text, dump, strip, _, _, furniture = rows[k]
        if cfg["recover"] and strip is not None:
            text = extract.recover_lines(text, dump, strip=strip, cfg=cfg, furniture=furniture)[0]
        out[k] = finish(h, text)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, default=fit_boilerplate.DATASET)
    ap.add_argument("--seed", type=int, default=0, help="fold assignment (0: the official one)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.dataset))
    import score

    report(prepare(args.dataset, args.seed), score)
    return 0


def report(rows, score) -> dict[str, str]:
    """Print the per-fold choices and the held-out scores; return the held-out predictions."""
    truth = {k: r[5] for k, r in rows.items()}
    base = section("extract")
    combos = [dict(zip(GRID, v)) for v in itertools.product(*GRID.values())]

    def f1(ids, cfg) -> float:
        return score.evaluate({k: truth[k] for k in ids}, predict(rows, ids, cfg), n_bootstrap=1)["f1"]

    held: dict[str, str] = {}
    for f in range(5):
        train = [k for k, r in rows.items() if r[4] != f]
        test = [k for k, r in rows.items() if r[4] == f]
        scored = [(f1(train, {**base, **c}), i) for i, c in enumerate(combos)]
        best_f1, best = max(scored)
        off = f1(train, {**base, "recover": False})
        print(f"fold {f}: best on training folds {best_f1:.4f} (no recovery {off:.4f}): {combos[best]}")
        held.update(predict(rows, test, {**base, **combos[best]}))
    for name, pred in (
        ("trafilatura's body only (no recovery)", predict(rows, list(rows), {**base, "recover": False})),
        ("shipped settings", predict(rows, list(rows), base)),
        ("settings chosen per fold on training folds", held),
    ):
        m = score.evaluate(truth, pred, n_bootstrap=50)
        print(f"{name:46} held-out F1 {m['f1']:.4f}  P {m['precision']:.4f}  R {m['recall']:.4f}")
    return held


if __name__ == "__main__":
    sys.exit(main())
