"""tools/mutation_score.py: the code's mutation score from mutmut's verdicts, and the two-phase estimate of a
sample tested only in part."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import mutation_score as M  # noqa: E402

SRC = Path("engine/x.py")


@pytest.fixture
def verdicts(monkeypatch):
    """Ten mutants tested (8 caught, 2 survived); of twenty untested, five drawn and tested (4 caught, 1 survived)."""
    monkeypatch.setattr(M, "equivalents", lambda: [])
    every = {f"a{i}": (SRC, 1 if i < 8 else 0) for i in range(10)}
    every |= {f"b{i}": (SRC, None) for i in range(20)}
    return every


def _test(every, names, caught):
    for n in names:
        every[n] = (SRC, 1 if n in caught else 0)


def test_the_rest_is_drawn_from_the_untested_alone_and_the_same_each_time(verdicts, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(M, "verdicts", lambda: verdicts)
    sample = tmp_path / "sample.txt"
    sample.write_text("\n".join(verdicts), encoding="utf-8")
    draws = []
    for _ in range(2):
        assert 0 == M.main(["--names", str(sample), "--rest", "5", "--seed", "7"])
        draws.append(capsys.readouterr().out.split())
    assert draws[0] == draws[1] and len(draws[0]) == 5 and all(n.startswith("b") for n in draws[0])


def test_two_phase_estimate_weighs_the_draw_by_the_untested_part(verdicts, capsys):
    drawn = ["b0", "b1", "b2", "b3", "b4"]
    _test(verdicts, drawn, {"b0", "b1", "b2", "b3"})
    assert 0 == M.two_phase(list(verdicts), drawn, verdicts)
    out = capsys.readouterr().out
    # (8 + 20/5 · 4) / (10 + 20/5 · 5) = 24 / 30
    assert out.startswith("mutation score of the sample (30 mutants): 80.0% estimated (95 %: ")
    assert "tested in full: 10 mutants, 8 of 10 caught (80.0%)" in out
    assert "the untested 20, sampled at random: 5 tested, 4 of 5 caught (80.0%); each stands for 4.00" in out
    assert out.count("survived: ") == 3


def test_an_unfinished_draw_gives_no_figure(verdicts, capsys):
    drawn = ["b0", "b1", "b2"]
    _test(verdicts, drawn[:2], {"b0"})
    assert 1 == M.two_phase(list(verdicts), drawn, verdicts)
    assert "the second phase is not finished: 1 of 3 not tested yet" in capsys.readouterr().err


def test_an_equivalent_mutant_counts_in_neither_phase(verdicts, monkeypatch, capsys):
    monkeypatch.setattr(M, "equivalents", lambda: [{"function": "a9", "line": "*", "reason": "the same"}])
    monkeypatch.setattr(M, "diff", lambda name, source: ([], []))
    drawn = ["b0", "b1", "b2", "b3", "b4"]
    _test(verdicts, drawn, set(drawn))
    assert 0 == M.two_phase(list(verdicts), drawn, verdicts)
    out = capsys.readouterr().out
    # (8 + 20/5 · 5) / (9 + 20/5 · 5) = 28 / 29
    assert "96.6% estimated" in out and "equivalent: a9: the same" in out
