"""One poison file never blocks the inbox: its batch is retried a bounded number of times, split
into one batch a file, and the file that still fails is quarantined while the rest is written."""

import pytest

from cleaners.io import read_jsonl_gz
from flows import stages

pytestmark = pytest.mark.prefect

GOOD = {
    "bus.txt": "The city council voted on Tuesday to expand the bus network, adding four routes that will connect "
    "the northern suburbs with the hospital district. Officials said the routes would start in spring.",
    "cherries.txt": "Farmers in the valley reported the earliest cherry harvest in two decades after a warm and dry "
    "April, and the growers' association said wholesale prices fell by a fifth within a week.",
}
POISON = "The poison pill story that makes a corpus-level step fail every time it is written, for this test. " * 3


def test_a_failing_file_is_quarantined_and_the_rest_goes_on(prefect_harness, tmp_path, monkeypatch):
    from flows.inbox import inbox_flow
    from flows.inbox_state import InboxState

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    for name, text in GOOD.items():
        (inbox / name).write_text(text, encoding="utf-8")
    (inbox / "poison.txt").write_text(POISON, encoding="utf-8")
    real_write = stages.build_report  # called by every shard's write step with its documents
    calls = []

    def failing_write(docs, *args, **kw):
        calls.append(sorted(d.source for d in docs))
        if any("poison" in d.text for d in docs):
            raise RuntimeError("simulated failure while writing")
        return real_write(docs, *args, **kw)

    monkeypatch.setattr(stages, "build_report", failing_write)
    first = inbox_flow(str(inbox), str(out), settle_seconds=0, workers=1)  # in this process: the patch holds
    actions = [f["action"] for f in first["failed"]]
    # the three-file batch: three tries, then split; the poison file's own batch: three tries, then quarantined
    assert actions == ["retried", "retried", "split into one batch a file", "retried", "retried", "quarantined"]
    assert all("simulated failure" in f["reason"] for f in first["failed"])
    assert [q["file"] for q in first["quarantined"]] == ["poison.txt"]
    written = sorted(d["source"] for d in read_jsonl_gz(out / "corpus.jsonl.gz"))
    assert written == sorted(GOOD)
    assert len(first["batches"]) == 2 and not any("poison" in d["text"] for d in read_jsonl_gz(out / "corpus.jsonl.gz"))

    # the next scheduled run does not try the quarantined file again, and new files go on
    calls.clear()
    (inbox / "later.txt").write_text(
        "Rail workers ended a two-day strike on Friday after the operator agreed to review night-shift rosters "
        "and to hire forty more drivers before the summer timetable starts.", encoding="utf-8")
    second = inbox_flow(str(inbox), str(out), settle_seconds=0, workers=1)
    assert second["failed"] == [] and calls == [["later.txt"]]
    assert [q["file"] for q in second["quarantined"]] == ["poison.txt"]
    assert sorted(d["source"] for d in read_jsonl_gz(out / "corpus.jsonl.gz")) == sorted([*GOOD, "later.txt"])
    state = InboxState(out)
    try:
        assert state.pending() is None
    finally:
        state.close()

    # once it can be written again (here: the writer is mended), a changed file is new content and is cleaned
    monkeypatch.setattr(stages, "build_report", real_write)
    (inbox / "poison.txt").write_text(POISON + " Corrected.", encoding="utf-8")
    third = inbox_flow(str(inbox), str(out), settle_seconds=0, workers=1)
    assert third["failed"] == [] and len(third["batches"]) == 1
    assert len(read_jsonl_gz(out / "corpus.jsonl.gz")) == 4
