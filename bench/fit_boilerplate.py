"""Fit the line model of ``cleaners/linescore.py`` on the extraction benchmark's text dumps.

Labels come from the ground truth: a line of a dump is body when most of its
4-word shingles occur in the reference article body. Both stages are L2-
regularised logistic regressions fitted by Newton's method (IRLS) in numpy;
every page weighs the same (a line's weight is its share of the page's words).

    .venv/bin/python bench/fit_boilerplate.py            # held-out (by domain) scores, then refit on all and write
    .venv/bin/python bench/fit_boilerplate.py --no-write # held-out scores only

Only held-out figures are meaningful: :func:`cross_validate` splits the pages
into folds by web domain, fits on the other folds and scores the held-out one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners import boilerplate, linescore  # noqa: E402

DATASET = ROOT.parent / "shared" / "bench" / "extraction"
MODEL_PATH = ROOT / "cleaners" / "data" / "boilerplate_model.json"
_TOK = re.compile(r"\w+")
L2 = 0.1  # chosen among 1e-3, 1e-2, 0.1, 1, 10 by this same domain-split CV (mild selection bias)
CONFIDENT = 0.8
CLEAN_WEIGHT = 0.3  # weight of a page's chrome-free copy relative to the page
N_CONTEXT_STAGES = 2  # stages that read the previous stage's scores
SHORT_WEIGHT = 0.05  # weight of its one- and two-line cuts


@dataclass
class Page:
    id: str
    domain: str
    text: str
    truth: str


def domain_of(url: str) -> str:
    host = (urlparse(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def load_pages(dataset: Path = DATASET, mode: str = "text") -> list[Page]:
    import gzip

    gt = json.loads((dataset / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for k in sorted(gt):
        if mode == "text":
            text = (dataset / "text" / f"{k}.txt").read_text(encoding="utf-8")
        else:
            text = gzip.decompress((dataset / "html" / f"{k}.html.gz").read_bytes()).decode("utf-8", "replace")
        pages.append(Page(k, domain_of(gt[k]["url"]), text, gt[k].get("articleBody") or ""))
    return pages


def line_labels(stripped: Sequence[str], truth: str) -> tuple[np.ndarray, np.ndarray]:
    """Per line: 1 when most of its 4-token shingles are in the truth; weight = its share of the page's tokens."""
    ttoks = _TOK.findall(truth)
    tsh = {tuple(ttoks[i : i + 4]) for i in range(max(1, len(ttoks) - 3))}
    y, n = [], []
    for s in stripped:
        toks = _TOK.findall(s)
        sh = [tuple(toks[i : i + 4]) for i in range(max(1, len(toks) - 3))]
        hit = sum(1 for x in sh if x in tsh) / max(1, len(sh))
        y.append(1.0 if hit >= 0.5 else 0.0)
        n.append(max(1, len(toks)))
    n_arr = np.asarray(n, dtype=float)
    return np.asarray(y), n_arr / n_arr.sum()


@dataclass
class Prepared:
    stripped: list[str]
    xl: np.ndarray
    chars: np.ndarray
    rules: tuple[np.ndarray, np.ndarray]
    y: np.ndarray
    w: np.ndarray


def prepare(page: Page) -> Prepared:
    lines = [l.strip() for l in page.text.split("\n") if l.strip()]
    ev = boilerplate.line_evidence(lines)
    xl = linescore.local_features(ev)
    y, w = line_labels(lines, page.truth)
    return Prepared(lines, xl, np.array([len(s) for s in lines], dtype=float), linescore.rule_arrays(ev.reasons), y, w)


def irls(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = L2, iters: int = 30) -> np.ndarray:
    """Weighted L2-regularised logistic regression (bias, column 0, not penalised)."""
    beta = np.zeros(x.shape[1])
    pen = np.full(x.shape[1], l2)
    pen[0] = 1e-6
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
        g = x.T @ (w * (p - y)) + pen * beta
        h = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(pen)
        step = np.linalg.solve(h, g)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return beta


def clean_copies(page: Page) -> list[Page]:
    """The page reduced to its body lines, whole and cut to its first one and two lines:
    teaches the model that text without chrome, however short, stays whole."""
    lines = [l.strip() for l in page.text.split("\n") if l.strip()]
    y, _ = line_labels(lines, page.truth)
    body = [l for l, v in zip(lines, y) if v]
    return [Page(f"{page.id}-clean{n}", page.domain, "\n\n".join(body[:n]), page.truth) for n in (len(body), 1, 2) if body]


def prepare_all(pages: Sequence[Page]) -> list[Prepared]:
    """Each page and its clean copies (at a lower weight)."""
    out = []
    for p in pages:
        out.append(prepare(p))
        for j, c in enumerate(map(prepare, clean_copies(p))):
            c.w = c.w * (CLEAN_WEIGHT if j == 0 else SHORT_WEIGHT)
            out.append(c)
    return out


def fit(prepared: Sequence[Prepared]) -> dict:
    """Both stages on ``prepared`` pages; returns the model dict stored as JSON."""
    xl = np.vstack([p.xl for p in prepared])
    y = np.concatenate([p.y for p in prepared])
    w = np.concatenate([p.w for p in prepared])
    w1 = irls(xl, y, w)
    probs = [1.0 / (1.0 + np.exp(-np.clip(p.xl @ w1, -30, 30))) for p in prepared]
    stages = []
    for _ in range(N_CONTEXT_STAGES):
        rows = [np.hstack([p.xl, linescore.context_features(pr, p.chars, CONFIDENT, *p.rules, p.xl[:, 1])]) for p, pr in zip(prepared, probs)]
        wk = irls(np.vstack(rows), y, w)
        stages.append([round(float(v), 6) for v in wk])
        probs = [1.0 / (1.0 + np.exp(-np.clip(r @ wk, -30, 30))) for r in rows]
    return {
        "_doc": "Weights of the two-stage line model in cleaners/linescore.py; fitted by bench/fit_boilerplate.py on the extraction benchmark's text dumps (report held-out-by-domain scores only).",
        "local_features": list(linescore.LOCAL_FEATURES),
        "context_features": list(linescore.CONTEXT_FEATURES),
        "confident": CONFIDENT,
        "w1": [round(float(v), 6) for v in w1],
        "context_stages": stages,
    }


def domain_folds(pages: Sequence[Page], k: int = 5) -> list[int]:
    """Fold number of each page; all pages of one domain share a fold."""
    return [int(hashlib.sha1(p.domain.encode()).hexdigest(), 16) % k for p in pages]


def cross_validate(pages: Sequence[Page], k: int = 5) -> dict[str, str]:
    """Held-out predictions: each page is stripped by a model fitted on the other domains' folds."""
    prepared = [prepare_all([p]) for p in pages]
    folds = domain_folds(pages, k)
    pred: dict[str, str] = {}
    for f in range(k):
        model = fit([x for pp, ff in zip(prepared, folds) if ff != f for x in pp])
        for page, ff in zip(pages, folds):
            if ff == f:
                pred[page.id] = boilerplate.strip_document_lines(page.text, model=model).text
    return pred


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, default=DATASET)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.dataset))
    import score  # the benchmark's own scorer

    pages = load_pages(args.dataset)
    truth = {p.id: p.truth for p in pages}
    pred = cross_validate(pages)
    m = score.evaluate(truth, pred, n_bootstrap=50)
    print(f"held-out by domain (5 folds): F1 {m['f1']:.3f}  P {m['precision']:.3f}  R {m['recall']:.3f}")
    if not args.no_write:
        model = fit(prepare_all(pages))
        MODEL_PATH.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH.relative_to(ROOT)} (fitted on all pages; its in-sample scores are not evidence)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
