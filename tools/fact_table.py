"""Print the fact-path table of policy/README.md from the catalogue; `--write` replaces it in the guide."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policy import facts as F  # noqa: E402

GUIDE = Path(__file__).resolve().parent.parent / "policy" / "README.md"


def table() -> str:
    rows = ["| fact path | type | unit / values | scopes | meaning |", "|---|---|---|---|---|"]
    for f in F.FIELDS.values():
        t = f.type
        kind = {"number": "number (whole)" if t.integer else "number"}.get(t.kind, t.kind)
        values = ", ".join(F.ENUMS[t.enum]) if t.kind == F.ENUM else (t.unit if t.kind == F.NUMBER else "")
        scopes = ", ".join(s for s, roots in F.SCOPE_ROOTS.items() if f.path.split(".", 1)[0] in roots)
        note = " (computed from the delivery's other cases)" if f.context else (" (computed)" if f.computed else "")
        rows.append(f"| `{f.path}` | {kind} | {values} | {scopes} | {f.en}{note} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    if "--write" in sys.argv:
        text = GUIDE.read_text(encoding="utf-8")
        text = re.sub(r"\| fact path \| type .*?\n(?=\n|\Z)", lambda m: table(), text, count=1, flags=re.S)
        GUIDE.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(table())
