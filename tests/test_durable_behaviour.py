"""What durable_rules does that the engine relies on or works around, measured here so a change shows.

Each check runs in a fresh process: the faults being guarded against are crashes, and a crash must
fail one test, not end the test run.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

PRELUDE = """\
import engine.core.host  # installs the serialiser that avoids the number-format crash
from engine.core.host import QuietHost
h = QuietHost(); out = []
def reg(rules):
    for name, rule in rules.items():
        rule['run'] = (lambda n: lambda c: out.append(n))(name)
    rules['_sink'] = {'pri': 65535, 'all': [{'m': {'$ex': {'kind': 1}}}], 'run': lambda c: None}
    h.register_rulesets({'t': rules})
def fire(fact):
    out.clear(); h.assert_facts('t', [dict(fact, kind='case', sid='s')]); h.delete_state('t', 's')
    return sorted(set(out))
"""


def _run(body: str, raw: bool = False) -> subprocess.CompletedProcess:
    code = textwrap.dedent(body) if raw else PRELUDE + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)


class TestNumberSpelling:
    def test_exponent_without_point_crashes_unpatched(self):
        """Unpatched, durable_rules segfaults on a float written `1e-05` (why `_SafeJson` exists)."""
        result = _run("""\
            from durable import engine as de
            class H(de.Host):
                def _run(self): pass
            h = H()
            h.register_rulesets({'q': {'s': {'all': [{'m': {'$ex': {'kind': 1}}}], 'run': lambda c: None}}})
            h.assert_facts('q', [{'kind': 'case', 'sid': 's', 'x': 1e-05}])
            """, raw=True)
        assert result.returncode != 0

    @pytest.mark.parametrize("value", ["5e-324", "1e-05", "1e+16", "-1e-05", "1e-300"])
    def test_patched_numbers_compare_exactly(self, value):
        """With the engine's serialiser, such numbers neither crash nor lose their value."""
        result = _run(f"""\
            reg({{'lt': {{'pri': 0, 'all': [{{'m': {{'$and': [{{'kind': 'case'}}, {{'$lt': {{'x': {value}}}}}]}}}}]}},
                 'eq': {{'pri': 1, 'all': [{{'m': {{'$and': [{{'kind': 'case'}}, {{'$eq': {{'x': {value}}}}}]}}}}]}}}})
            print(fire({{'x': {value}}}), fire({{'x': {value} * 0.5 if {value} > 0 else {value} * 2}}))
            """)
        assert 0 == result.returncode, result.stderr
        assert "['eq'] ['lt']" == result.stdout.strip()


class TestMissingFields:
    def test_no_operator_matches_a_missing_field(self):
        """Comparisons never match a missing field, so the compiler needs no existence guards."""
        result = _run("""\
            ops = {'eq': {'$eq': {'x': 5}}, 'neq': {'$neq': {'x': 5}}, 'lt': {'$lt': {'x': 5}}, 'lte': {'$lte': {'x': 5}},
                   'gt': {'$gt': {'x': 5}}, 'gte': {'$gte': {'x': 5}}, 'neq_text': {'$neq': {'s': 'å'}}}
            reg({n: {'pri': i, 'all': [{'m': {'$and': [{'kind': 'case'}, c]}}]} for i, (n, c) in enumerate(ops.items())})
            print(fire({}))
            """)
        assert (0, "[]") == (result.returncode, result.stdout.strip())


class TestExpressionLimit:
    @pytest.mark.parametrize("branches, ok", [(13, True), (14, False)])
    def test_groups_per_rule(self, branches, ok):
        """Each `$and`/`$or` costs two of 32 expression slots: an `$or` of 13 `$and`s fits, of 14 does not (error 113)."""
        result = _run(f"""\
            alts = [{{'$and': [{{'$eq': {{'a%d' % i: 1}}}}, {{'$eq': {{'b%d' % i: 2}}}}]}} for i in range({branches})]
            try:
                reg({{'r': {{'pri': 0, 'all': [{{'m': {{'$and': [{{'kind': 'case'}}, {{'$or': alts}}]}}}}]}}}})
                print('ok')
            except Exception as e:
                print(e)
            """)
        assert ("ok" if ok else "error code: 113") in result.stdout
