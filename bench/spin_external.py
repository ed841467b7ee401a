#!/usr/bin/env python3
"""Spin detection and repair on English text that nothing in wirewash was written, tuned or fitted on.

The texts come from the test data that the ``gensim`` wheel ships (LGPL; read here, never copied into
the repository or the package): the Lee corpus (350 short Australian news articles, ``lee_background.cor``
and ``lee.cor``) and the extract of English Wikipedia (``enwiki-latest-pages-articles1...-shortened.bz2``,
206 pages; wiki markup stripped crudely, paragraphs of at least 25 words, chunked to ~350 words). Each
document is put in ``dev`` or ``held-out`` by the blake2b digest of its id (even first byte: dev); figures
are printed for both, and only the dev part may be read to find what went wrong.

* **clean**: documents flagged, share of tokens ``despin`` changes, the same for every 150-word window
  (short texts: one hit weighs most there) and, with the flag forced (``score=1.0``), the table's changes
  per 1,000 tokens (what an ordinary sentence of a flagged document risks);
* **content spin level** (``cleaners.spin.content_spin_level``, what the site check reads): clean
  documents must stay under ``[spin] content_spin_level``, spun ones should reach it;
* **spun**: the Lee articles spun by ``bench/thesaurus_spinner.py`` (35 %, tells 80 %, seeded by id):
  restoration / damage with the shared scorer (``../shared/bench/spin/score.py``), the table alone as
  the baseline of the same run, and how many are flagged.

The wheel: ``--gensim-wheel PATH``, or it is fetched once with ``pip download --no-deps gensim==4.4.0``
into ``outputs/.cache/`` (needs PyPI). ``--tree DIR`` scores another checkout's ``cleaners`` (a
baseline) with this script's texts and spinner.

    .venv/bin/python bench/spin_external.py [--tree OLD] [--json out.json]
"""

from __future__ import annotations

import argparse
import bz2
import hashlib
import html
import importlib
import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import thesaurus_spinner  # noqa: E402  (bench/: the spinner is this checkout's, whichever tree is scored)

GENSIM = "gensim==4.4.0"
DATA = "gensim/test/test_data/"
WIKI = DATA + "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def pypi_file(spec: str, pattern: str, given: Path | None, option: str, pip_args: tuple[str, ...] = ()) -> Path:
    """``given``, or the file of ``spec`` cached under ``outputs/.cache`` (matching ``pattern``),
    fetched once with ``pip download --no-deps``; exits naming ``option`` when PyPI is out of reach."""
    if given:
        return given
    cache = ROOT / "outputs" / ".cache"
    found = sorted(cache.glob(pattern))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        got = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", *pip_args, "-q", spec, "-d", str(cache)])
        found = sorted(cache.glob(pattern))
        if got.returncode or not found:
            sys.exit(f"{Path(sys.argv[0]).name}: could not fetch {spec} into {cache} (pip exit {got.returncode}; "
                     f"no access to PyPI?): download it elsewhere and pass {option} PATH")
    return found[0]


def wheel_path(given: Path | None) -> Path:
    return pypi_file(GENSIM, "gensim-4.4.0-*.whl", given, "--gensim-wheel")


def _strip_wiki(text: str) -> list[str]:
    w = re.sub(r"(?s)<!--.*?-->", "", html.unescape(text))
    w = re.sub(r"(?s)<ref[^>]*/>", "", w)
    w = re.sub(r"(?s)<ref.*?</ref>", "", w)
    for _ in range(4):
        w = re.sub(r"(?s)\{\{[^{}]*\}\}", "", w)
    w = re.sub(r"(?s)\{\|.*?\|\}", "", w)
    w = re.sub(r"\[\[(?:File|Image|Category):[^\]]*(?:\[\[[^\]]*\]\][^\]]*)*\]\]", "", w)
    w = re.sub(r"\[\[[^\]|]*\|([^\]]*)\]\]", r"\1", w)
    w = re.sub(r"\[\[([^\]]*)\]\]", r"\1", w)
    w = re.sub(r"\[https?://\S+ ([^\]]*)\]", r"\1", w)
    w = re.sub(r"'{2,}", "", w)
    w = re.sub(r"<[^>]+>", "", w).replace("&nbsp;", " ")
    return [p.strip() for p in w.split("\n") if len(p.split()) >= 25 and not p.strip().startswith(("*", "=", "|", "!", ":", ";", "#"))]


def load_texts(wheel: Path) -> list[dict]:
    out: list[dict] = []
    with zipfile.ZipFile(wheel) as z:
        for name in ("lee_background.cor", "lee.cor"):
            for i, line in enumerate(z.read(DATA + name).decode("utf-8", "replace").splitlines()):
                if line.strip():
                    out.append({"id": f"{name}:{i}", "src": "lee", "text": line.strip()})
        xml = bz2.decompress(z.read(WIKI)).decode("utf-8")
    for m in re.finditer(r"(?s)<title>(.*?)</title>.*?<text[^>]*>(.*?)</text>", xml):
        chunk: list[str] = []
        n = k = 0
        for p in _strip_wiki(m.group(2)):
            chunk.append(p)
            n += len(p.split())
            if n >= 350:
                out.append({"id": f"wiki:{m.group(1)}:{k}", "src": "wiki", "text": "\n\n".join(chunk)})
                chunk, n, k = [], 0, k + 1
        if n >= 80:
            out.append({"id": f"wiki:{m.group(1)}:{k}", "src": "wiki", "text": "\n\n".join(chunk)})
    for d in out:
        d["part"] = "dev" if hashlib.blake2b(d["id"].encode()).digest()[0] % 2 == 0 else "held-out"
    return out


def spun_text(doc: dict) -> str:
    """The document spun by ``bench/thesaurus_spinner.py``, seeded by its id (made once, kept on the record)."""
    if "spun" not in doc:
        doc["spun"] = thesaurus_spinner.spin_text(doc["text"], seed=int(hashlib.blake2b(doc["id"].encode()).hexdigest()[:8], 16))
    return doc["spun"]


def windows(text: str, size: int = 150):
    w = text.split()
    for i in range(0, max(1, len(w) - size // 2), size):
        yield " ".join(w[i:i + size])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gensim-wheel", type=Path)
    ap.add_argument("--tree", type=Path, default=ROOT, help="checkout whose cleaners are scored")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    sys.path.insert(0, str(a.tree.resolve()))
    spin = importlib.import_module("cleaners.spin")
    from spin import load_scorer  # bench/spin.py

    t0 = time.perf_counter()
    docs = load_texts(wheel_path(a.gensim_wheel))
    print(f"cleaners from {a.tree.resolve()}; {len(docs)} documents, {sum(len(d['text'].split()) for d in docs):,} words")
    sc = load_scorer()
    res: dict = {"tree": str(a.tree.resolve())}
    print(f"{'clean set':<18}{'docs':>6}{'tokens':>9}{'flagged':>9}{'changed':>9}{'windows':>9}{'flagged':>9}{'forced /1k':>11}")
    for src in ("lee", "wiki"):
        for part in ("dev", "held-out"):
            texts = {d["id"]: d["text"] for d in docs if d["src"] == src and d["part"] == part}
            flagged = sum(spin.is_spun(spin.spin_score(t)) for t in texts.values())
            fr = sc.false_repair(spin.despin, texts)
            wins = [w for t in texts.values() for w in windows(t)]
            wflag = sum(spin.is_spun(spin.spin_score(w)) for w in wins)
            forced = sum(len(spin.despin_explained(t, score=1.0, overrides={"thesaurus": False}).repairs) for t in texts.values())
            key = f"{src} {part}"
            res[key] = {"docs": len(texts), "tokens": fr["tokens"], "flagged": flagged, "changed_rate": fr["changed_rate"],
                        "windows": len(wins), "windows_flagged": wflag, "forced_table_per_1k": 1000 * forced / max(1, fr["tokens"])}
            r = res[key]
            print(f"{key:<18}{r['docs']:>6}{r['tokens']:>9}{flagged:>9}{r['changed_rate']:>9.5f}{len(wins):>9}{wflag:>9}"
                  f"{r['forced_table_per_1k']:>11.2f}")
    print(f"{'lee spun (thes.)':<18}{'docs':>6}{'spun tok':>9}{'flagged':>9}{'table only':>16}{'despin':>16}")
    for part in ("dev", "held-out"):
        pairs = [{"id": d["id"], "original": d["text"], "spun": spun_text(d)}
                 for d in docs if d["src"] == "lee" and d["part"] == part and len(d["text"].split()) >= 50]
        table = sc.evaluate(lambda t: spin.despin_explained(t, overrides={"thesaurus": False}).text, pairs, {})["overall"]
        full = sc.evaluate(spin.despin, pairs, {})["overall"]
        flagged = sum(spin.is_spun(spin.spin_score(p["spun"])) for p in pairs)
        # the content check ([spin] content_check, off by default: ~40 ms a document) flags without tells
        checked = [spin.despin_explained(p["spun"], overrides={"content_check": True}) for p in pairs]
        fixed = {p["spun"]: r.text for p, r in zip(pairs, checked)}
        cc = sc.evaluate(lambda t: fixed[t], pairs, {})["overall"]
        res[f"lee spun {part} content check"] = {"flagged": sum(r.flagged for r in checked), "despin": [cc["restoration"], cc["damage"]]}
        res[f"lee spun {part}"] = {"docs": len(pairs), "corrupted": full["corrupted"], "flagged": flagged,
                                   "table_only": [table["restoration"], table["damage"]], "despin": [full["restoration"], full["damage"]]}
        print(f"{'  ' + part:<18}{len(pairs):>6}{full['corrupted']:>9}{flagged:>9}"
              f"{table['restoration']:>9.3f} /{table['damage']:.4f}{full['restoration']:>9.3f} /{full['damage']:.4f}"
              f"   content check on: {res[f'lee spun {part} content check']['flagged']} flagged, {cc['restoration']:.3f} /{cc['damage']:.4f}")
    # the content check's document spin level (what the site check reads, on by default in a corpus run):
    # a clean site must stay under [spin] content_spin_level, a spinning one should reach it
    bar = spin.section("spin")["content_spin_level"]
    print(f"content spin level (site check bar {bar}): median, 90th percentile, max, share at or over the bar")
    for src in ("lee", "wiki"):
        for part in ("dev", "held-out"):
            sets = {"clean": [d["text"] for d in docs if d["src"] == src and d["part"] == part]}
            if src == "lee":
                sets["spun"] = [spun_text(d) for d in docs if d["src"] == src and d["part"] == part]
            for kind, texts in sets.items():
                lv = sorted(x for x in map(spin.content_spin_level, texts) if x is not None)
                if not lv:
                    continue
                over = sum(x >= bar for x in lv) / len(lv)
                res[f"level {kind} {src} {part}"] = {"n": len(lv), "median": lv[len(lv) // 2], "p90": lv[int(0.9 * (len(lv) - 1))],
                                                      "max": lv[-1], "over": over}
                print(f"  {kind:<6}{src:<5}{part:<9}{len(lv):>5}{lv[len(lv) // 2]:>8.2f}{lv[int(0.9 * (len(lv) - 1))]:>8.2f}"
                      f"{lv[-1]:>8.2f}{over:>8.3f}")
    print(f"({time.perf_counter() - t0:.0f} s; clean: 'changed' is the share of tokens despin changed, 'forced /1k' the table's"
          " repairs per 1,000 tokens with the flag forced; windows are 150-word pieces of the same documents)")
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
