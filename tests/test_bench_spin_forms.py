"""bench/spin_table_forms.py's spinner: a table part's entries read backwards (original -> spun form)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import spin_table_forms as stf  # noqa: E402

from cleaners import spin  # noqa: E402


def test_one_spun_form_per_original_picked_the_same_way_every_run():
    entries = spin.parse_table("used to be\twas\tlikely\nbecame once\twas\ttell\nthe identical\tthe same\tlikely\n"
                               "whereas\twhile\tlikely\nsame\tsame\tlikely\n")
    rev = stf.reverse_map(entries)
    assert set(rev) == {"was", "the same", "while"}  # (an entry whose two sides agree spins nothing)
    assert rev["was"] in ("used to be", "became once") and rev == stf.reverse_map(list(reversed(entries)))


def test_every_whole_word_occurrence_is_spun_keeping_a_capital():
    rev = {"was": "used to be", "the same": "the identical", "Brent crude": "Brent rough"}
    text = "It was the same. The Same day the wasp was gone; Brent crude rose, brent crude fell."
    spun, used = stf.spin_with(text, rev)
    assert spun == ("It used to be the identical. The identical day the wasp used to be gone; "
                    "Brent rough rose, brent crude fell.")
    assert used == {"used to be": 2, "the identical": 2, "Brent rough": 1}
