"""The compiled dedup kernels (``dedup_normalize``, ``spin_view``, ``dedup_minhash`` in
cleaners/_linekernels.c) against the Python/numpy path of cleaners.dedup.

Signatures are stored in persistent indexes, so the two paths must agree exactly: the same
normalised strings, the same spin-proof views, and the same signature values and shingle
counts, bit for bit. All data here is generated (no ../shared needed).
"""

import random

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import linescore
from cleaners.dedup import views
from cleaners.dedup.core import DedupConfig, fingerprint
from cleaners.dedup.signature import permutations, poly_hash32
from conftest import with_and_without_kernels

KERNELS = linescore.kernels
needs_kernels = pytest.mark.skipif(KERNELS is None, reason="kernels not built")

# pieces that exercise the corners: case mappings that change length (İ) or depend on context
# (final sigma), lone surrogates, non-decimal digits (²), word separators (’ . - '), sentence
# breaks, underscores, combining marks, ligatures, several spaces in a row
PIECES = list("abcXYZ  ..,;:!?'’-\n\t\"“”_0123456789") + [
    "ΟΔΟΣ", "Σ", "σ", "İ", "ß", "²", "٣", "\ud800", "É", "ﬁ", "ǅ", "日本", "\u0301", "Straße", "U.S.", "don’t",
    "the", "The", "of", "in", "Tokyo", "12.5", "3-4", "   ", "\u00a0", "\u2028", "ＡＢ", "𝐀", "Ω’s"]


def _random_texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = ["", " ", "_", "a", "abcdefgh", "abcdefghi", "abcdefghij", "a b c d e", "a b c d e f", "  a  b  ", "Σ Σ"]
    for _ in range(n):
        out.append("".join(rng.choice(PIECES) + (" " if rng.random() < 0.3 else "") for _ in range(rng.randint(0, 80))))
    words = "Officials in Tokyo said the 12 talks failed . Negotiators left Japan on Monday , AP reported".split()
    for _ in range(n // 4):  # news-like texts, long enough for every window size and the head limit
        out.append(" ".join(rng.choice(words) for _ in range(rng.randint(50, 400))))
    return out


def _both(fn):
    return with_and_without_kernels(fn)


@needs_kernels
def test_normalize_and_spin_view_are_the_python_strings():
    texts = _random_texts(1, 1500)
    norm_k, norm_p = _both(lambda: [views.normalize_for_dedup(t) for t in texts])
    assert norm_k == norm_p
    spin_k, spin_p = _both(lambda: [views.spin_proof_view(t) for t in texts])
    assert spin_k == spin_p
    assert any("σ" in s or "ς" in s for s in norm_p) and any(s.count(" ") > 10 for s in spin_p)  # the corners occur


@needs_kernels
def test_every_code_point():
    # the kernels lower a character by its one-character mapping (a table below U+0100) except İ and Σ,
    # which go through str.lower(); every other code point, alone between spaces and next to letters
    cps = [chr(c) for c in range(0x110000) if c not in (0x130, 0x3A3)]
    for lo in range(0, len(cps), 16384):
        chunk = cps[lo : lo + 16384]
        for text in (" ".join(chunk), "A" + "a".join(chunk)):
            a, b = _both(lambda: (views.normalize_for_dedup(text), views.spin_proof_view(text)))
            assert a == b, lo


@needs_kernels
@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.characters(), st.sampled_from(PIECES)), max_size=60).map("".join))
def test_views_of_any_text(text):
    a, b = _both(lambda: views.normalize_for_dedup(text))
    assert a == b
    a, b = _both(lambda: views.spin_proof_view(text))
    assert a == b
    (sig_k, n_k), (sig_p, n_p) = _both(lambda: views.view_signatures([text, a], "word", 2, 8, 1, sizes=np.zeros(2, np.int64)))
    assert np.array_equal(sig_k, sig_p) and np.array_equal(n_k, n_p)


@needs_kernels
@pytest.mark.parametrize("kind,size", [("char", 9), ("char", 1), ("char", 5), ("word", 5), ("word", 1), ("word", 3)])
@pytest.mark.parametrize("num_perm", [3, 40, 64, 128])
def test_signatures_and_counts_are_the_numpy_ones(kind, size, num_perm):
    # raw strings (not normalised): several spaces in a row make empty words, which both paths count
    texts = _random_texts(2, 300)
    for limit in (None, 7, 400):
        (sig_k, n_k), (sig_p, n_p) = _both(lambda: views.view_signatures(
            texts, kind, size, num_perm, 1, limit=limit, sizes=np.zeros(len(texts), np.int64)))
        assert sig_k.dtype == sig_p.dtype == np.uint32
        assert np.array_equal(sig_k, sig_p)
        assert np.array_equal(n_k, n_p)


@needs_kernels
def test_fingerprints_are_the_numpy_ones():
    texts = _random_texts(3, 600)
    cfg = DedupConfig.from_settings()
    a, b = _both(lambda: fingerprint(texts, cfg, chunk=256))
    for field in ("sig", "size", "spin", "spin_size", "empty", "head"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert a.empty.any() and not a.empty.all()


@needs_kernels
def test_kernel_signature_is_datasketchs():
    text = views.normalize_for_dedup("The cat sat on the mat; officials in Tokyo said the talks failed.")
    m = MinHash(num_perm=128, seed=1, hashfunc=poly_hash32)
    for i in range(len(text) - 8):
        m.update(text[i : i + 9])
    sig, n = views.view_signatures([text], "char", 9, 128, 1, sizes=np.zeros(1, np.int64))
    assert np.array_equal(sig[0], m.hashvalues)
    assert n[0] == len({text[i : i + 9] for i in range(len(text) - 8)})
    assert np.array_equal(sig[0], permutations(128, 1).minhash(views.view_hashes(text, "char", 9)))


@needs_kernels
def test_kernel_arguments_are_checked():
    perm = permutations(8, 1)
    out, sizes = np.zeros((2, 8), np.uint32), np.zeros(2, np.int64)
    with pytest.raises(TypeError, match="uint32"):
        KERNELS.dedup_minhash(["a", "b"], 0, 9, -1, perm.a, perm.b, out.astype(np.int64), sizes)
    with pytest.raises(TypeError, match="at least 24 uint32"):  # too few rows for three texts
        KERNELS.dedup_minhash(["a", "b", "c"], 0, 9, -1, perm.a, perm.b, out, sizes)
    with pytest.raises(TypeError, match="at least 3 int64"):
        KERNELS.dedup_minhash(["a", "b", "c"], 0, 9, -1, perm.a, perm.b, np.zeros((3, 8), np.uint32), sizes)
    with pytest.raises(TypeError, match="str"):
        KERNELS.dedup_minhash(["a", b"b"], 0, 9, -1, perm.a, perm.b, out, sizes)
    with pytest.raises(ValueError, match="positive"):
        KERNELS.dedup_minhash(["a"], 0, 0, -1, perm.a, perm.b, out, sizes)
    with pytest.raises(TypeError, match="word_table"):
        KERNELS.spin_view("a", frozenset(["a"]))
