"""How the inbox flow splits a batch into per-task shards (flows.inbox.make_shards)."""

from __future__ import annotations

import pickle

import os

from flows.inbox import ShardResult, file_cost, make_shards, shard_cost
from flows.inbox_state import InboxFile


def _files(tmp_path, sizes):
    out = []
    for i, n in enumerate(sizes):
        p = tmp_path / f"f{i:03d}.txt"
        p.write_bytes(b"x" * n)
        out.append(InboxFile(path=str(p), rel=p.name, digest=f"d{i}"))
    return out


def _size_plus(extra):
    return lambda path: os.path.getsize(path) + extra


def _flat(shards):
    return [rel for s in shards for _, rel, _ in s]


def test_shards_keep_file_order_and_cover_every_file(tmp_path):
    files = _files(tmp_path, [500, 9000, 20, 3000, 3000, 70000, 1, 800] * 5)
    for slots in (1, 2, 3, 8):
        shards = make_shards(files, shard_bytes=10**9, slots=slots, per_slot=3, min_bytes=1, cost=_size_plus(0))
        assert _flat(shards) == [f.rel for f in files]
        assert all(shards)


def test_shard_count_follows_slots_within_the_byte_bounds(tmp_path):
    files = _files(tmp_path, [1000] * 60)  # 60 kB
    kw = dict(per_slot=3, cost=_size_plus(0))
    assert len(make_shards(files, 10**9, slots=1, min_bytes=1, **kw)) == 3
    assert len(make_shards(files, 10**9, slots=2, min_bytes=1, **kw)) == 6
    # no shard above shard_bytes: more shards than slots ask for
    assert len(make_shards(files, 5000, slots=1, min_bytes=1, **kw)) == 12
    # none below min_bytes: fewer shards than slots ask for
    assert len(make_shards(files, 10**9, slots=8, min_bytes=20000, **kw)) == 3
    # never more shards than files, never none for a non-empty batch
    assert len(make_shards(files[:2], 1, slots=8, min_bytes=1, **kw)) == 2
    assert len(make_shards(files[:1], 10**9, slots=1, min_bytes=10**9, **kw)) == 1
    assert make_shards([], 10**9, slots=4) == []


def test_shards_are_balanced_by_estimated_cost_not_file_count(tmp_path):
    # many small files then a few large ones: equal-count shards would be very uneven
    files = _files(tmp_path, [100] * 200 + [20000] * 4)
    shards = make_shards(files, 10**9, slots=2, per_slot=2, min_bytes=1, cost=_size_plus(400))
    costs = [shard_cost(s, _size_plus(400)) for s in shards]
    assert len(shards) == 4
    assert max(costs) <= 1.5 * min(costs), costs
    # the per-file cost counts: with it, the 200 small files are not one shard's worth of "nothing"
    small = make_shards(files[:200], 10**9, slots=1, per_slot=2, min_bytes=1, cost=_size_plus(400))
    assert len(small) == 2 and abs(len(small[0]) - len(small[1])) <= 1


def test_file_cost_counts_markup_bytes_lightly_and_pages_by_the_page(tmp_path):
    cfg = {"shard_file_cost_bytes": 100, "shard_markup_file_bytes": 5000, "shard_markup_byte_weight": 0.05, "shard_gzip_factor": 3.0}
    text, page, packed = tmp_path / "a.txt", tmp_path / "b.html", tmp_path / "c.txt.gz"
    text.write_bytes(b"x" * 10000)
    page.write_bytes(b"<p>" * 10000)  # 30 kB of markup
    packed.write_bytes(b"x" * 1000)
    assert file_cost(str(text), cfg) == 10100
    assert file_cost(str(page), cfg) == 5000 + 0.05 * 30000
    assert file_cost(str(packed), cfg) == 3100
    assert file_cost(str(tmp_path / "gone.txt"), cfg) == 100  # a vanished file costs its fixed part


def test_shard_result_pickles_and_hides_its_contents_from_prefect():
    from prefect.utilities.collections import visit_collection

    r = ShardResult([[1, 2], [3]], ("cfg", [4]))
    back = pickle.loads(pickle.dumps(r))
    assert back.results == [[1, 2], [3]] and back.extra == ("cfg", [4])
    seen = []
    visit_collection(r, lambda x: seen.append(x) or x, return_data=False)
    assert seen == [r]  # Prefect's walk does not descend into the documents
