import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)
from hypothesis import given, settings, strategies as st

from cleaners.textfix import fix_text, fix_text_explained


def test_repairs_mojibake():
    broken = "Japan’s “very tough” talks".encode("utf-8").decode("sloppy-windows-1252")
    assert fix_text(broken) == "Japan’s “very tough” talks"


def test_unescapes_entities_and_strips_controls():
    assert fix_text("AT&amp;T said \x07hello&#8217;s") == "AT&T said hello’s"


def test_keeps_curly_quotes_and_clean_text():
    clean = "“We agreed,” he said — 25% more."
    assert fix_text(clean) == clean


def test_explained_names_the_fixes_only_when_something_changed():
    assert fix_text_explained("plain")[1] == []
    _, steps = fix_text_explained("cafÃ©")
    assert steps


@settings(max_examples=200, deadline=None, derandomize=True)  # the same examples every run: CI is not flaky
@given(st.text())
def test_never_raises_and_is_idempotent(s):
    once = fix_text(s)
    assert fix_text(once) == once
