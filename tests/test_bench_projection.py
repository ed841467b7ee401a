"""bench/scale_projection.py's replay of a one-core run for N workers: list scheduling as a
process pool does it, each worker's first task of a phase paying the phase's one-off cost."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import scale_projection as sp  # noqa: E402


def test_makespan_hands_tasks_in_order_to_the_first_free_worker():
    assert sp.makespan([1.0, 1.0, 1.0], 2, 0.0) == (2.0, 2)
    assert sp.makespan([3.0, 1.0, 1.0, 1.0], 2, 0.0) == (3.0, 2)  # the short tasks share the other worker
    assert sp.makespan([1.0] * 4, 2, 0.5) == (2.5, 2)  # each worker pays the one-off cost once
    assert sp.makespan([2.0], 4, 0.0) == (2.0, 1)


def test_projection_adds_reduces_and_overlaps_the_index_and_views_with_the_write_map():
    timing = {"maps": {"clean": [1.5, 1.0, 1.0, 1.0], "finish": [0.2] * 4, "write": [0.3] * 4, "repeats": [0.1] * 2},
              "serial": {"ids": 0.1, "repeats": 0.4, "despin": 0.5, "dedup": 0.3, "parts": 0.0},
              "beside": {"index": 0.4, "views": 0.2}, "driver": 0.1}
    one, two = sp.project(timing, 1, 0.5), sp.project(timing, 2, 0.5)
    assert one["parts"]["clean"] == pytest.approx(4.5) and two["parts"]["clean"] == pytest.approx(2 * 1.0 + 0.5)
    assert one["parts"]["write"] == pytest.approx(1.2 + 0.6)  # one worker: the driver threads share its GIL
    assert two["parts"]["write"] == pytest.approx(0.6)  # two: the longest of the write map and the threads
    assert one["parts"]["repeats"] == pytest.approx(0.4) and two["parts"]["repeats"] == pytest.approx(0.3)
    assert two["seconds"] == pytest.approx(sum(two["parts"].values())) and two["seconds"] < one["seconds"]
