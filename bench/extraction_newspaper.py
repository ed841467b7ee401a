"""Multilingual check of text and HTML mode on newspaper4k's test pages (held-out: nothing is fitted on them).

    pip download --no-deps --no-binary :all: newspaper4k==0.9.6     # the sdist holds tests/data
    tar xzf newspaper4k-0.9.6.tar.gz
    .venv/bin/python bench/extraction_newspaper.py newspaper4k-0.9.6/tests/data

newspaper4k (MIT) ships pages (``html/<name>.html``) with the text its own extractor is expected to
return (``txt/<name>.txt``); that text is the reference here: newspaper's output, not a hand
annotation, so the scores measure agreement with it. The data stays outside this repository. Text
mode runs on :func:`cleaners.extract.page_dump` of each page (this bench has no naive dumps of its
own); scored with the extraction benchmark's ``score.py`` (4-gram shingles). Rows: lines of 20+
words, ``strip_boilerplate``, trafilatura (precision, no comments) and ``html_to_text``; per
language (from the file name, else English) and overall.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SCORER = ROOT.parent / "shared" / "bench" / "extraction"
LANGS = {"arabic": "ar", "burmese": "my", "chinese": "zh", "japanese": "ja", "latvian": "lv", "spanish": "es", "thai": "th", "yna_co_kr": "ko", "korean": "ko"}


def load(folder: Path) -> list[tuple[str, str, str, str]]:
    """(name, language, html, reference text) of each page with both files and a reference of 20+ characters."""
    out = []
    for txt in sorted((folder / "txt").glob("*.txt")):
        html = folder / "html" / f"{txt.stem}.html"
        ref = txt.read_text(encoding="utf-8", errors="replace").strip()
        if html.exists() and len(ref) >= 20:
            lang = next((v for k, v in LANGS.items() if txt.stem.startswith(k)), "en")
            out.append((txt.stem, lang, html.read_text(encoding="utf-8", errors="replace"), ref))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="newspaper4k's tests/data")
    ap.add_argument("--scorer", type=Path, default=SCORER, help="folder of the extraction benchmark's score.py")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.scorer))
    import score
    import trafilatura
    from extraction import min_words_20, no_body

    from cleaners import extract
    from cleaners.boilerplate import strip_boilerplate

    from cleaners.limits import WorkLimitExceeded
    from cleaners.settings import settings

    def ours(h: str) -> str:
        try:
            return extract.html_to_text(h)
        except WorkLimitExceeded:  # rejected by the work bounds: nothing kept
            return ""

    pages = load(args.folder)
    truth = {n: r for n, _, _, r in pages}
    lang = {n: l for n, l, _, _ in pages}
    dumps = {}
    for n, _, h, _ in pages:
        tree = extract._load(h)
        dumps[n] = "\n\n".join(extract.page_dump(tree)) if tree is not None else ""
    rows = {
        "text: lines of 20+ words": {n: min_words_20(d) for n, d in dumps.items()},
        "text: strip_boilerplate": {n: strip_boilerplate(d) for n, d in dumps.items()},
        "html: trafilatura precision": {n: trafilatura.extract(h, include_comments=False, favor_precision=True) or "" for n, _, h, _ in pages},
        "html: html_to_text": {n: ours(h) for n, _, h, _ in pages},
    }
    settings()["extract"]["recover"] = False
    rows["html: html_to_text, no recovery"] = {n: ours(h) for n, _, h, _ in pages}
    settings()["extract"]["recover"] = True
    groups = {"all": list(truth), "en": [n for n in truth if lang[n] == "en"], "other": [n for n in truth if lang[n] != "en"]}
    for l in sorted(set(lang.values()) - {"en"}):
        groups[l] = [n for n in truth if lang[n] == l]
    print(f"pages={len(pages)}  reference: newspaper4k's expected text  metric: score.py 4-gram F1 (nobody: pages keeping none of their body)")
    print(f"{'':30}" + "".join(f"{g + f' ({len(ids)})':>16}" for g, ids in groups.items()))
    for name, pred in rows.items():
        cells = []
        for ids in groups.values():
            m = score.evaluate({n: truth[n] for n in ids}, {n: pred[n] for n in ids}, n_bootstrap=1)
            cells.append(f"{m['f1']:.3f}/{no_body({n: truth[n] for n in ids}, pred, score)}")
        print(f"{name:30}" + "".join(f"{c:>16}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
