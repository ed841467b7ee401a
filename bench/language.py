"""Language detectors for the rows' ``language`` column, measured side by side.

    .venv/bin/pip install -c constraints.txt -e '.[bench]'   # py3langid, the peer
    .venv/bin/python bench/language.py [--shared ../shared]

Two sets: the 181 scrapinghub articles' ground-truth text, labelled by the page's own
``<html lang>`` attribute where it has one (an independent label, though a site template
can state the wrong language), and the sixteen written samples of
``tests/data/language_samples.jsonl`` (one a language, labels by construction). For each
detector: accuracy, articles a second (first 2,000 characters, as the pipeline reads),
and the time to load its model in a fresh process.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOADERS = {
    "fastText lid.176 (wirewash)": "from cleaners.language import _model; _model()",
    "py3langid": "from py3langid.langid import LanguageIdentifier, MODEL_FILE; LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)",
}


def detectors():
    from cleaners.language import detect_language
    from cleaners.settings import section

    out = {"fastText lid.176 (wirewash)": lambda t: detect_language(t)[0]}
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        n = int(section("language")["max_chars"])
        out["py3langid"] = lambda t: ident.classify(t[:n])[0]
    except ImportError:
        print("py3langid is not installed (pip install -e '.[bench]'): fastText alone", file=sys.stderr)
    return out


def load_sets(shared: Path) -> dict[str, list[tuple[str, str]]]:
    samples = [json.loads(line) for line in (ROOT / "tests" / "data" / "language_samples.jsonl").read_text(encoding="utf-8").splitlines()]
    sets = {"written samples (16 languages)": [(s["lang"], s["text"]) for s in samples]}
    ext = shared / "bench" / "extraction"
    if (ext / "ground-truth.json").exists():
        truth = json.loads((ext / "ground-truth.json").read_text(encoding="utf-8"))
        pages = []
        for key, rec in truth.items():
            head = gzip.open(ext / "html" / f"{key}.html.gz").read(20000).decode("utf-8", "replace")
            m = re.search(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})", head, re.I)
            if m and rec.get("articleBody", "").strip():
                pages.append((m.group(1).lower(), rec["articleBody"]))
        sets[f"scrapinghub articles with <html lang> ({len(pages)})"] = pages
    else:
        print(f"no {ext}: the written samples only", file=sys.stderr)
    return sets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--repeat", type=int, default=5, help="passes over the articles for the speed figure")
    args = ap.parse_args()
    sets = load_sets(args.shared)
    found = detectors()
    print(f"{'detector':30} {'set':45} {'accuracy':>9} {'docs/s':>8}")
    for name, detect in found.items():
        for set_name, items in sets.items():
            right = sum(detect(text) == lang for lang, text in items)
            t0 = time.perf_counter()
            for _ in range(args.repeat):
                for _, text in items:
                    detect(text)
            rate = args.repeat * len(items) / (time.perf_counter() - t0)
            print(f"{name:30} {set_name:45} {right / len(items):9.3f} {rate:8.0f}")
            misses = [(lang, detect(text)) for lang, text in items if detect(text) != lang]
            if misses:
                print(f"{'':30}   misses (label, detected): {misses[:12]}")
    for name, code in LOADERS.items():
        if name in found:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, %r); %s" % (str(ROOT), code)], check=True)
            whole = time.perf_counter() - t0
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, %r); import numpy" % str(ROOT)], check=True)
            print(f"{name:30} model load in a fresh process: {whole - (time.perf_counter() - t0):.2f} s")


if __name__ == "__main__":
    main()
