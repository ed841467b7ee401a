import random
import re

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH

from cleaners.dedup import (
    DedupConfig,
    canonical_rank,
    choose_canonical,
    cluster,
    cluster_fingerprints,
    containment_from_jaccard,
    dedup_batch,
    fingerprint,
    normalize_for_dedup,
    poly_hash32,
    shingles,
    spin_proof_view,
)
from cleaners.dedup.signature import char_window_hashes, permutations, sha1_hashes_of
from cleaners.dedup.views import view_hashes, word_window_hashes

# A simple context-free synonym swapper, like the spinners that produce spun copies.
SYNONYMS = {
    "minister": "secretary", "further": "additional", "concessions": "allowances", "talks": "discussions",
    "said": "stated", "sensitive": "delicate", "issues": "matters", "meeting": "gathering", "ended": "finished",
    "without": "lacking", "progress": "advancement", "discussion": "conversation", "outstanding": "excellent",
    "reached": "attained", "conclusion": "verdict", "told": "informed", "reporters": "journalists",
    "suggesting": "implying", "focused": "concentrated", "especially": "particularly", "issue": "matter",
    "deal": "agreement", "tariffs": "duties", "farm": "agricultural", "products": "goods", "declined": "refused",
    "elaborate": "expand", "saying": "stating", "negotiations": "dealings", "confidential": "private",
    "came": "arrived", "lead": "run", "slated": "scheduled", "negotiating": "bargaining", "countries": "nations",
    "aiming": "intending", "reach": "achieve", "uncertain": "unsure", "whether": "if", "deadline": "cutoff",
    "differences": "disparities", "remain": "stay", "biggest": "largest", "hurdles": "obstacles", "free": "open",
    "trade": "commerce", "make": "create", "cannot": "can't", "very": "extremely", "tense": "strained",
    "products.": "goods.", "agreement": "accord", "market": "marketplace", "access": "entry", "cars": "autos",
    "auto": "car", "parts": "components", "rice": "grain", "beef": "meat", "pork": "swine", "wheat": "grain",
    "dairy": "milk", "sugar": "sweetener", "protect": "shield", "domestic": "home", "farmers": "growers",
    "important": "essential", "agreed": "concurred", "officials": "authorities", "expected": "anticipated",
    "final": "last", "goal": "aim", "hope": "wish", "year": "twelvemonth", "week": "sennight", "held": "hosted",
    "economic": "financial", "government": "administration", "large": "big", "small": "little",
}


def spin(text: str, share: float = 1.0, seed: int = 0) -> str:
    rng = random.Random(seed)

    def swap(m: re.Match) -> str:
        w = m.group()
        syn = SYNONYMS.get(w.lower())
        if syn is None or rng.random() > share:
            return w
        return syn.capitalize() if w[0].isupper() else syn

    return re.sub(r"[A-Za-z']+", swap, text)


def test_normalisation_folds_case_punctuation_space():
    assert normalize_for_dedup("A  B,\nC—d") == "a b c d"


def test_shingles_char_and_word():
    assert len(shingles("abcdefghij", "char", 9)) == 2
    assert shingles("one two three four", "word", 3) == {b"one two three", b"two three four"}
    assert shingles("", "char", 9) == set()


# ---- datasketch compatibility of the fast signatures ---------------------------------


@pytest.mark.parametrize("kind,size", [("char", 9), ("char", 5), ("word", 3)])
def test_fast_poly_signature_equals_datasketch_update(seeds, kind, size):
    text = seeds["000"] + " naïve café 東京 — “quotes”"
    m = MinHash(num_perm=128, seed=1, hashfunc=poly_hash32)
    for sh in shingles(text, kind, size):
        m.update(sh)
    fast = permutations(128, 1).minhash(view_hashes(normalize_for_dedup(text), kind, size, "poly"))
    assert fast.dtype == m.hashvalues.dtype
    assert np.array_equal(fast, m.hashvalues)


def test_fast_sha1_signature_equals_default_datasketch_minhash(seeds):
    text = seeds["002"]
    m = MinHash(num_perm=64, seed=7)  # datasketch defaults: affine32, sha1_hash32
    m.update_batch(list(shingles(text, "char", 9)))
    fast = permutations(64, 7).minhash(view_hashes(normalize_for_dedup(text), "char", 9, "sha1"))
    assert np.array_equal(fast, m.hashvalues)


def test_shipped_permutations_are_datasketchs_and_cover_the_default_views():
    """The signer reads the default views' permutations from cleaners/data (no datasketch import,
    so no scipy, at start); they are datasketch's own, and a settings change that signs with
    other ones falls back to datasketch (and should regenerate the file)."""
    from cleaners.dedup.signature import _shipped_permutations

    shipped = _shipped_permutations()
    assert set(DedupConfig.from_settings().signing_keys()) <= set(shipped)
    for (num_perm, seed), perms in shipped.items():
        want = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        assert perms.dtype == want.dtype and np.array_equal(perms, want), (num_perm, seed)
    assert (64, 7) not in shipped and np.array_equal(permutations(64, 7).permutations, MinHash(num_perm=64, seed=7).permutations)


def test_vectorised_hashes_equal_per_shingle_hash():
    text = normalize_for_dedup("The quick brown fox — jumps over the lazy dog in Zürich, 2024")
    assert list(char_window_hashes(text, 9)) == [poly_hash32(text[i : i + 9]) for i in range(len(text) - 8)]
    words = text.split()
    assert list(word_window_hashes(text, 3)) == [poly_hash32(" ".join(words[i : i + 3])) for i in range(len(words) - 2)]
    assert list(sha1_hashes_of(["abc"])) == [MinHash().hashfunc(b"abc")]


def test_many_documents_in_one_block_equal_one_by_one(seeds):
    hs = [char_window_hashes(normalize_for_dedup(t), 9) for t in seeds.values()]
    hs.insert(2, np.empty(0, dtype=np.uint32))
    perm = permutations(128, 1)
    many = perm.minhash_many(hs)
    for i, h in enumerate(hs):
        m = MinHash(num_perm=128, seed=1, hashfunc=lambda x: x)
        m.update_batch([int(v) for v in h])
        assert np.array_equal(many[i], m.hashvalues), i
    assert MinHash(num_perm=128, seed=1, hashvalues=many[2], scheme="affine32").is_empty()


def test_fast_signatures_interoperate_with_lean_minhash_and_lsh(seeds):
    perm = permutations(128, 1)
    fast = perm.to_datasketch(perm.minhash(char_window_hashes(normalize_for_dedup(seeds["000"]), 9)))
    lean = LeanMinHash(fast)
    buf = bytearray(lean.bytesize())
    lean.serialize(buf)
    assert np.array_equal(LeanMinHash.deserialize(buf).hashvalues, fast.hashvalues)
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    lsh.insert("fast-000", lean)
    slow = MinHash(num_perm=128, seed=1, hashfunc=poly_hash32)
    slow.update_batch(list(shingles(seeds["000"])))
    assert lsh.query(slow) == ["fast-000"]


# ---- clustering --------------------------------------------------------------------


def test_near_copies_cluster_distinct_stories_do_not(seeds):
    base = seeds["000"]
    words = base.split()
    rng = random.Random(0)
    typo = " ".join(w if rng.random() > 0.03 else w[::-1] for w in words)
    labels = cluster([base, base, typo, seeds["001"], seeds["002"], seeds["004"]])
    assert labels[0] == labels[1] == labels[2]
    assert len({labels[0], labels[3], labels[4], labels[5]}) == 4


def test_same_event_different_story_not_merged(seeds):
    labels = cluster([seeds["001"], seeds["003"]])
    assert labels[0] != labels[1]
    # not even through the spin-proof view: they share names, not sentences
    cfg = DedupConfig.from_settings()
    fp = fingerprint([seeds["001"], seeds["003"]], cfg)
    assert float(np.mean(fp.spin[0] == fp.spin[1])) < cfg.spin_threshold / 2


def test_shortened_copy_is_a_duplicate_by_containment(seeds):
    body = seeds["000"]
    cut = body[: int(len(body) * 0.3)]  # wire "shortened" version: a prefix
    cfg = DedupConfig.from_settings()
    fp = fingerprint([body, cut, seeds["002"]], cfg)
    assert float(np.mean(fp.sig[0] == fp.sig[1])) < cfg.threshold  # Jaccard alone would miss it
    labels, reasons = cluster_fingerprints(fp, cfg)
    assert labels[0] == labels[1] != labels[2]
    assert reasons[(0, 1)].startswith("shortened copy")


def test_containment_estimate():
    assert containment_from_jaccard(0.3, 300, 1000) == pytest.approx(1.0)
    assert containment_from_jaccard(0.05, 1000, 1000) < 0.2
    assert containment_from_jaccard(0.0, 10, 10) == 0.0


def test_tiny_texts_are_not_duplicates_by_containment():
    long_text = " ".join(f"word{i} appears in the long report number {i}" for i in range(200))
    labels = cluster([long_text, "word1 appears in the long report"])
    assert labels[0] != labels[1]


def test_spun_copy_of_seed_000_joins_its_cluster(seeds):
    spun = spin(seeds["000"])
    cfg = DedupConfig.from_settings()
    fp = fingerprint([seeds["000"], spun, seeds["001"], seeds["003"]], cfg)
    assert float(np.mean(fp.sig[0] == fp.sig[1])) < cfg.threshold  # the text view alone misses it
    assert spin_proof_view(seeds["000"]) != spin_proof_view(spun)  # the swapper touched the skeleton too...
    assert float(np.mean(fp.spin[0] == fp.spin[1])) > 0.6  # ...but far less than the wording
    labels, reasons = cluster_fingerprints(fp, cfg)
    assert labels[0] == labels[1]
    assert reasons[(0, 1)].startswith("spun copy")
    assert len({labels[0], labels[2], labels[3]}) == 3


def test_empty_texts_stay_singletons():
    labels = cluster(["", "", "x" * 50])
    assert labels[0] != labels[1]


# ---- canonical choice ----------------------------------------------------------------


def test_canonical_prefers_unspun_then_longer():
    texts = ["short", "a much longer text", "the longest text of all here"]
    ranks = [canonical_rank(texts[0]), canonical_rank(texts[1]), canonical_rank(texts[2], spin_score=0.9)]
    assert choose_canonical([0, 1, 2], ranks) == 1


def test_canonical_choice_in_a_batch(seeds):
    base = seeds["000"]
    texts = [base, base, spin(base, 0.3) + " Extra closing line of the spun copy.", base]
    ranks = [
        canonical_rank(texts[0], 0.0, 1, "2024-05-02"),
        canonical_rank(texts[1], 0.0, 3, "2024-05-03"),  # more metadata: wins over 0 and 3
        canonical_rank(texts[2], 0.9, 5, "2024-05-01"),  # spun: never canonical while an unspun copy exists
        canonical_rank(texts[3], 0.0, 1, "2024-05-01"),  # same metadata as 0, earlier
    ]
    out = dedup_batch(["a", "b", "c", "d"], texts, ranks)
    assert [d.duplicate_of for d in out] == ["b", None, "b", "b"]
    assert {d.cluster_id for d in out} == {"b"}
    assert out[1].reason == "canonical" and "ranks better" in out[0].reason
    ranks[1] = canonical_rank(texts[1], 0.0, 1, "2024-05-03")
    assert [d.duplicate_of for d in dedup_batch(["a", "b", "c", "d"], texts, ranks)] == ["d", "d", "d", None]


def test_signature_helper_matches_datasketch(seeds):
    from cleaners.dedup import signature

    m = MinHash(num_perm=128, seed=1, hashfunc=poly_hash32)
    m.update_batch(list(shingles(seeds["004"])))
    assert signature(seeds["004"]) == m


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(), max_size=300), min_size=1, max_size=6))
def test_fingerprint_and_cluster_never_raise(texts):
    cfg = DedupConfig.from_settings()
    fp = fingerprint(texts, cfg)
    assert fp.sig.shape == (len(texts), cfg.num_perm)
    labels = cluster(texts)
    assert len(labels) == len(texts) and all(0 <= lab <= i for i, lab in enumerate(labels))


def test_lone_surrogates_from_bad_decoding_do_not_abort():
    bad = "Officials said the talks\udcff failed in Tokyo on Monday. " * 20
    labels = cluster([bad, bad + " Extra.", "unrelated words entirely " * 20])
    assert labels[0] == labels[1] != labels[2]
