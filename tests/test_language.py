"""The rows' language column: fastText's lid.176 on written samples in sixteen languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaners.language import detect_language

SAMPLES = [json.loads(line) for line in (Path(__file__).parent / "data" / "language_samples.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["lang"] for s in SAMPLES])
def test_languages(sample):
    lang, score = detect_language(sample["text"])
    assert lang == sample["lang"] and 0.5 < score <= 1.0


def test_too_little_to_tell():
    assert detect_language("") == (None, None)
    assert detect_language("12:45 | 3 4 5 6 7 8 9 — ok") == (None, None)


def test_only_the_head_is_read():
    """The verdict comes from the first max_chars characters: a long tail in another language
    does not change it (and does not cost anything)."""
    en = SAMPLES[0]["text"]
    de = next(s["text"] for s in SAMPLES if s["lang"] == "de")
    assert detect_language((en + " ") * 12 + de * 200)[0] == "en"
