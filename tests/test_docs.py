"""The format guide for policy officers stays in step with the code."""
from __future__ import annotations

import re

import policy
from policy import facts as F

from .conftest import ROOT

GUIDE = (ROOT / "policy" / "README.md").read_text(encoding="utf-8")
CODE_RE = re.compile(r'"((?:yaml|file|schema|pack|param|rule|ref|type|outcome|registry|derive|indicator|override|compile)_[a-z_]+)"')


class TestGuide:
    def test_every_fact_path_documented(self):
        """Each fact path of the catalogue has a row in policy/README.md."""
        missing = [p for p in F.FIELDS if f"| `{p}` |" not in GUIDE]
        assert [] == missing

    def test_every_diagnostic_code_documented(self):
        """Each code the loader can report is explained in policy/README.md."""
        codes = set()
        for path in [*(ROOT / "policy").glob("*.py"), ROOT / "engine" / "inputs" / "overrides.py", ROOT / "engine" / "core" / "compile.py"]:
            codes.update(CODE_RE.findall(path.read_text(encoding="utf-8")))
        codes -= set(policy.__all__)  # exported names, not codes
        assert len(codes) > 40
        assert [] == sorted(c for c in codes if f"`{c}`" not in GUIDE)
