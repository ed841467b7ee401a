#!/usr/bin/env python3
"""Spinners whose tells the table does not know: detection and repair with and without the
content check (``[spin] content_check``, off by default; ``cleaners.spin.content_spin_level``).

The thesaurus-spun articles of ``bench/spin.py`` with the spinner's tells switched off
(``tell_rate`` 0: only thesaurus swaps, none of the family's fixed outputs) stand for a spinner
nobody here has seen. Per part (dev: where ``content_spin_level`` was chosen; held-out: never
tuned on) and spin rate: documents flagged, restoration / damage, with the check off (the
default, the baseline of the same run) and on. Then the false flags on clean text with the check
on: the 181 clean article bodies, the clean seeds and our own dev stories; and the cost per
document on clean news.

    .venv/bin/python bench/spin_content.py
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cleaners import spin  # noqa: E402
import thesaurus_spinner  # noqa: E402

RATES = (0.35, 0.7, 1.0)


def main() -> int:
    spec = importlib.util.spec_from_file_location("bench_spin", ROOT / "bench" / "spin.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sc = bench.load_scorer()
    on = {"content_check": True}

    def repair(overrides):
        return lambda text: spin.despin_explained(text, overrides=overrides).text

    print("thesaurus-spun articles, the spinner's tells off: flagged, restoration / damage (check off -> on)")
    for part in ("dev", "held-out"):
        pairs = bench.thesaurus_pairs(part)
        if not pairs:
            print("needs ../shared/bench/extraction", file=sys.stderr)
            return 2
        for rate in RATES:
            spun = [{"id": p["id"], "original": p["original"],
                     "spun": thesaurus_spinner.spin_text(p["original"], seed=int(p["id"][:8], 16), rate=rate, tell_rate=0.0)}
                    for p in pairs]
            flags = [sum(spin.despin_explained(p["spun"], overrides=o).flagged for p in spun) for o in (None, on)]
            res = [sc.evaluate(repair(o), spun, {})["overall"] for o in (None, on)]
            print(f"  {part:<8} rate {rate:<4}  flagged {flags[0]:>2} -> {flags[1]:>2} of {len(spun)}   "
                  f"{res[0]['restoration']:.3f} / {res[0]['damage']:.4f} -> {res[1]['restoration']:.3f} / {res[1]['damage']:.4f}", flush=True)
    clean = {"181 clean article bodies": [p["original"] for part in ("dev", "held-out") for p in bench.thesaurus_pairs(part)],
             "clean seeds 000/001/002/004": [bench.seed(s) for s in ("000", "001", "002", "004")],
             "own dev stories": [d.split("\n", 1)[1].strip() for d in (ROOT / "bench" / "data" / "dev_original.txt").read_text(encoding="utf-8").split("=== ")[1:]]}
    print("clean text with the check on:")
    for name, docs in clean.items():
        levels = [spin.content_spin_level(d) for d in docs]
        flagged = sum(spin.despin_explained(d, overrides=on).flagged for d in docs)
        known = [x for x in levels if x is not None]
        print(f"  {name}: flagged {flagged} of {len(docs)}; spin level max {max(known):+.2f} over {len(known)} English documents "
              f"with enough words (level needed {spin.section('spin')['content_spin_level']:+.2f})")
    docs = clean["181 clean article bodies"]
    for label, o in (("off", None), ("on", on)):
        t0 = time.perf_counter()
        for d in docs:
            spin.despin_explained(d, overrides=o)
        dt = time.perf_counter() - t0
        print(f"clean news, despin_explained with the check {label}: {len(docs) / dt:,.0f} documents a second ({1000 * dt / len(docs):.1f} ms each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
