"""The inbox manifest and lock (no Prefect)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.inbox_state import InboxState, LockTimeout, relocate, scan_inbox

ROOT = Path(__file__).resolve().parents[1]


def _write(p: Path, text: str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_manifest_is_keyed_by_content_not_name(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    _write(inbox / "a.txt", "story a")
    _write(inbox / "b.txt", "story b")
    _write(inbox / ".partial.txt", "hidden: still being copied")
    st = InboxState(out)
    batch = st.plan(scan_inbox(inbox))
    assert [f.rel for f in batch.files] == ["a.txt", "b.txt"]
    st.commit(batch, {}, [("a", True), ("b", True)])
    (inbox / "a.txt").rename(inbox / "renamed.txt")
    _write(inbox / "sub" / "again.txt", "story b")
    assert st.plan(scan_inbox(inbox)) is None
    _write(inbox / "c.txt", "story c")
    _write(inbox / "c-copy.txt", "story c")
    nxt = st.plan(scan_inbox(inbox))
    assert [f.rel for f in nxt.files] == ["c-copy.txt"]  # one file per content, first by name
    assert nxt.seq == 2 and nxt.name != batch.name
    assert st.doc_ids() == {"a", "b"}


def test_unfinished_batch_is_redone_with_the_same_files_and_name(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    _write(inbox / "a.txt", "story a")
    batch = InboxState(out).plan(scan_inbox(inbox))
    _write(inbox / "z.txt", "arrived after the crash")
    st = InboxState(out)  # a new process after the crash
    assert st.pending() == batch
    st.commit(batch, {})
    assert st.pending() is None
    assert [f.rel for f in st.plan(scan_inbox(inbox)).files] == ["z.txt"]


def test_redone_batch_finds_files_renamed_since_the_crash(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    _write(inbox / "a.txt", "story a")
    _write(inbox / "b.txt", "story b")
    batch = InboxState(out).plan(scan_inbox(inbox))
    (inbox / "a.txt").rename(inbox / "moved.txt")
    (inbox / "b.txt").unlink()
    again = relocate(InboxState(out).pending(), scan_inbox(inbox))
    assert again.name == batch.name
    assert [(f.rel, Path(f.path).exists()) for f in again.files] == [("moved.txt", True), ("b.txt", False)]


def test_settle_time_skips_files_still_being_written(tmp_path):
    inbox = tmp_path / "in"
    old = _write(inbox / "old.txt", "x")
    os.utime(old, (time.time() - 60, time.time() - 60))
    _write(inbox / "fresh.txt", "y")
    assert [f.rel for f in scan_inbox(inbox, settle_seconds=10)] == ["old.txt"]


def test_lock_excludes_a_second_run_and_dies_with_its_holder(tmp_path):
    out = tmp_path / "out"
    st = InboxState(out)
    with st.lock():
        with pytest.raises(LockTimeout):
            with InboxState(out).lock(timeout=0.3):
                pass
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import time\nfrom flows.inbox_state import InboxState\nwith InboxState({str(out)!r}).lock():\n    print('held', flush=True)\n    time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockTimeout):
            with st.lock(timeout=0.3):
                pass
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        with st.lock(timeout=5):
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
