import random

from cleaners.dedup import canonical_rank, choose_canonical, cluster, normalize_for_dedup, shingles


def test_normalisation_folds_case_punctuation_space():
    assert normalize_for_dedup("A  B,\nC—d") == "a b c d"


def test_shingles_char_and_word():
    assert len(shingles("abcdefghij", "char", 9)) == 2
    assert shingles("one two three four", "word", 3) == {b"one two three", b"two three four"}
    assert shingles("", "char", 9) == set()


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


def test_canonical_prefers_unspun_then_longer():
    texts = ["short", "a much longer text", "the longest text of all here"]
    ranks = [canonical_rank(texts[0]), canonical_rank(texts[1]), canonical_rank(texts[2], spin_score=0.9)]
    assert choose_canonical([0, 1, 2], ranks) == 1


def test_empty_texts_stay_singletons():
    labels = cluster(["", "", "x" * 50])
    assert labels[0] != labels[1]
