"""Helpers over tests/data/seed_labels.json (hand labels of the seeds)."""

from __future__ import annotations

import json
from pathlib import Path

LABELS = json.loads((Path(__file__).parent / "data" / "seed_labels.json").read_text(encoding="utf-8"))


def _key(line: str) -> str:
    return " ".join(line.replace("•", " ").split())


def expected_body_lines(seed_id: str, text: str) -> list[str]:
    """The article lines of a seed: every non-empty line that is not chrome, headline or 'either'."""
    lab = LABELS[seed_id]
    skip = {_key(x) for x in lab["chrome"] + lab["either"]}
    if lab["headline"]:
        skip.add(_key(lab["headline"]))
    return [l.strip() for l in text.splitlines() if l.strip() and _key(l) not in skip]


def chrome_lines(seed_id: str) -> list[str]:
    return [_key(x) for x in LABELS[seed_id]["chrome"]]


def output_lines(text: str) -> set[str]:
    return {_key(l) for l in text.splitlines() if l.strip()}
