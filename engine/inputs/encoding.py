"""How the bytes of a table become text: UTF-8 (with or without BOM), Windows-1252 only when nothing else fits.

Skolverket's exports come as UTF-8 or as Windows-1252. A file is read as UTF-8 whenever it is UTF-8. A file
that is not is read as Windows-1252 only when it holds no UTF-8 text at all (so an old export is read as it
was written) or the analyst says so (`--encoding cp1252`); a file that mixes the two is refused at its first
undecodable byte, because decoding it whole as either would turn every å, ä and ö of the other part into
mojibake. UTF-16 is named, with the fix.
"""
from __future__ import annotations

import codecs
import re

from policy.diagnostics import Diagnostics, Location

#: Bytes that Windows-1252 leaves undefined: decoding them would be a guess.
CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
#: A well-formed UTF-8 sequence of two to four bytes.
_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
ENCODINGS = ("utf-8", "cp1252")


def _where(raw: bytes, pos: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte `pos`."""
    start = raw.rfind(b"\n", 0, pos) + 1
    return raw.count(b"\n", 0, pos) + 1, len(raw[start:pos].decode("utf-8", "replace")) + 1


def _utf16(raw: bytes) -> bool:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    head = raw[:200]
    return len(head) >= 4 and head.count(0) * 3 >= len(head)  # every other byte NUL: UTF-16 without a BOM


def decode_table(raw: bytes, file: str, diags: Diagnostics, encoding: str | None = None) -> str | None:
    """The text of a table file, or None with a located `file_encoding` error."""
    if _utf16(raw):
        diags.error("file_encoding", "the file is UTF-16, not UTF-8", Location(file, 1, 1),
                    "save it as UTF-8 (in Excel: Save as › CSV UTF-8)")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        first = e.start
    if encoding != "cp1252" and _MULTIBYTE.search(raw):
        line, col = _where(raw, first)
        diags.error("file_encoding",
                    f"byte 0x{raw[first]:02X} is not UTF-8, yet the file has UTF-8 text elsewhere",
                    Location(file, line, col),
                    "the file mixes two encodings: correct this byte, or pass `--encoding cp1252` if the whole file is Windows-1252")
        return None
    bad = next((i for i, b in enumerate(raw) if b in CP1252_UNDEFINED), None)
    if bad is not None:
        line, col = _where(raw, bad)
        diags.error("file_encoding", f"byte 0x{raw[bad]:02X} is neither UTF-8 nor Windows-1252", Location(file, line, col),
                    "save the file as UTF-8")
        return None
    return raw.decode("cp1252")
