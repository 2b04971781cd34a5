"""The spill (engine/inputs/spill.py): records kept in a temporary file, read back whole, also by forked workers."""
from __future__ import annotations

import multiprocessing

import pytest

from engine.inputs.spill import Spill, Spilled


class TestSpilled:
    def test_values_come_back_as_they_went_in(self):
        """Dicts with text, floats, None and nested lists read back equal, in order, by index and by slice."""
        values = [{"id": "48151623", "pupils": 310, "share": 0.1 + 0.2, "name": "Ängskolan", "grades": None},
                  {"nested": [1, [2.5, "å"]]}, "text", 1e-05]
        s = Spilled.of(values)
        assert values == list(s)
        assert (values[1], values[-1], values[1:3]) == (s[1], s[-1], s[1:3])
        assert len(values) == len(s)

    def test_a_read_is_a_copy(self):
        """Changing a record read back does not change the spill (records are read-only by construction)."""
        s = Spilled.of([{"a": 1}])
        s[0]["a"] = 2
        assert {"a": 1} == s[0]

    def test_an_index_out_of_range_is_an_index_error(self):
        with pytest.raises(IndexError):
            Spilled.of([1])[1]

    def test_two_sequences_share_one_file(self):
        """Sequences on one spill keep their own records."""
        spill = Spill()
        a, b = Spilled(spill), Spilled(spill)
        for i in range(3):
            a.append(("a", i))
            b.append(("b", i))
        assert ([("a", 0), ("a", 1), ("a", 2)], [("b", 0), ("b", 1), ("b", 2)]) == (list(a), list(b))


def _read_in_child(s: Spilled, i: int, out) -> None:
    out.send(s[i])


class TestForked:
    def test_a_forked_worker_reads_what_was_written_before_the_fork(self):
        """A worker forked after the spill was written reads any record, while the parent reads others."""
        s = Spilled.of([{"n": n} for n in range(100)])
        ctx = multiprocessing.get_context("fork")
        mine, theirs = ctx.Pipe()
        child = ctx.Process(target=_read_in_child, args=(s, 73, theirs))
        child.start()
        assert {"n": 5} == s[5]
        assert {"n": 73} == mine.recv()
        child.join()
