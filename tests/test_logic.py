"""Kleene's three-valued tables, as BRIEF section 3 requires them."""
from __future__ import annotations

import itertools

import pytest

from engine.logic import effective, k_and, k_not, k_or

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
