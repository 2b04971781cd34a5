"""Kleene's three-valued tables, as BRIEF section 3 requires them."""
from __future__ import annotations

import itertools

import pytest

from engine.core.logic import effective, k_and, k_not, k_or, interval_compare

T, F, U = True, False, None


class TestKleene:
    @pytest.mark.parametrize("a, b, conj, disj", [
        (T, T, T, T), (T, F, F, T), (T, U, U, T), (F, F, F, F), (F, U, F, U), (U, U, U, U),
    ])
    def test_tables(self, a, b, conj, disj):
        """and/or over true, false and unknown follow Kleene, in either order."""
        assert (conj, disj) == (k_and([a, b]), k_or([a, b]))
        assert (conj, disj) == (k_and([b, a]), k_or([b, a]))

    def test_not(self):
        """not unknown is unknown."""
        assert (F, T, U) == (k_not(T), k_not(F), k_not(U))

    def test_empty(self):
        """The empty conjunction is true and the empty disjunction false (packs cannot write them, but the algebra holds)."""
        assert (T, F) == (k_and([]), k_or([]))

    def test_de_morgan(self):
        """not (a and b) equals (not a) or (not b) for every pair of truth values."""
        for a, b in itertools.product((T, F, U), repeat=2):
            assert k_not(k_and([a, b])) == k_or([k_not(a), k_not(b)])


class TestEffective:
    def test_exception_and_set_aside(self):
        """A rule applies when it holds and no exception holds; an unknown exception makes it unknown; set-aside wins."""
        exc = {"r": ("e",)}
        assert T == effective("r", {"r": T, "e": F}, exc)
        assert F == effective("r", {"r": T, "e": T}, exc)
        assert U == effective("r", {"r": T, "e": U}, exc)
        assert F == effective("r", {"r": F, "e": U}, exc)
        assert F == effective("r", {"r": T, "e": F}, exc, frozenset({"r"}))


class TestIntervalCompare:
    @pytest.mark.parametrize("op, left, right, expected", [
        ("lt", (0, 0), (1, 1), T), ("lt", (1, 1), (1, 1), F), ("lt", (0, 2), (1, 1), U), ("lt", (2, 5), (1, 1), F),
        ("le", (0, 1), (1, 1), T), ("le", (1, 3), (1, 1), U), ("le", (2, None), (1, 1), F),
        ("gt", (2, None), (1, 1), T), ("gt", (0, 1), (1, 1), F), ("gt", (0, None), (1, 1), U),
        ("ge", (1, 4), (1, 1), T), ("ge", (0, 4), (1, 1), U), ("ge", (0, 0), (1, 1), F),
        ("eq", (1, 1), (1, 1), T), ("eq", (0, 2), (1, 1), U), ("eq", (2, 3), (1, 1), F),
        ("ne", (1, 1), (1, 1), F), ("ne", (0, 2), (1, 1), U), ("ne", (2, 3), (1, 1), T),
        ("gt", (2, 3), (0, 1), T), ("gt", (1, 3), (1, 2), U), ("gt", (0, 1), (1, 2), F),
    ])
    def test_table(self, op, left, right, expected):
        """A comparison of ranges is true when every pair satisfies it, false when none does, else unknown."""
        assert expected is interval_compare(op, left, right)

    def test_exact_values_compare_as_numbers(self):
        """Two exact values (at least = at most) give the ordinary comparison."""
        for a, b in itertools.product(range(3), repeat=2):
            assert (a < b, a <= b, a > b, a >= b, a == b, a != b) == tuple(
                interval_compare(op, (a, a), (b, b)) for op in ("lt", "le", "gt", "ge", "eq", "ne"))
