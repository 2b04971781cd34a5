"""Several packs side by side: discovery under a directory, versions of one id, lookup by date."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from .diagnostics import Diagnostics, Location, did_you_mean
from .loader import PACK_FILE, display, load_pack
from .model import Pack
from .reader import SEMVER_RE

#: The packs shipped with sbs.
DEFAULT_ROOT = Path(__file__).resolve().parent / "rules"


class PackNotFound(LookupError):
    """No pack matches a reference or a date; `hint` says what there is."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def discover(path: Path, diags: Diagnostics | None = None, _seen: set[Path] | None = None) -> list[Path]:
    """The packs at or below `path`: a directory with `pack.yaml` is one pack; other YAML files are single-file packs.

    A directory reached twice (a symbolic link back up the tree) is reported once and not read again.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():  # a pipe, a device: read as the one file it is
        return [path]
    seen = set() if _seen is None else _seen
    real = path.resolve()
    if real in seen:
        if diags is not None:
            diags.error("file_unreadable", f"`{path}` leads back to `{real}`, already read (a symbolic link loop)",
                        Location(str(path)), "remove the link, or point it outside the rules directory")
        return []
    seen.add(real)
    if (path / PACK_FILE).is_file():
        return [path]
    found: list[Path] = []
    for child in sorted(path.iterdir()):
        if child.is_dir():
            found.extend(discover(child, diags, seen))
        elif child.suffix in (".yaml", ".yml"):
            found.append(child)
    return found


def version_key(version: str) -> tuple:
    """Semantic-version order: numbers numerically, a pre-release before its release."""
    m = SEMVER_RE.match(version)
    if not m:
        return (0, 0, 0, 0, ())
    major, minor, patch, pre = m.groups()
    if pre is None:
        return (int(major), int(minor), int(patch), 1, ())
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (int(major), int(minor), int(patch), 0, parts)


class Registry:
    """Loaded packs, every version of every id; overlapping validity of one id is an error."""

    def __init__(self, packs: Iterable[Pack], drafts: Iterable[str] = ()) -> None:
        self.packs = tuple(sorted(packs, key=lambda p: (p.meta.id, version_key(p.meta.version))))
        #: drafts (`--draft DIR`): loaded beside the packs, named by `id@version`, never chosen by date, and free
        #: to overlap the versions in force
        self.drafts = frozenset(drafts)

    @staticmethod
    def _packs(paths: Iterable[str | Path], diags: Diagnostics) -> list[Pack]:
        packs = []
        for raw in paths:
            path = Path(raw)
            if not path.exists():
                diags.error("file_not_found", "no such file or directory", Location(str(raw)))
                continue
            for pack_path in discover(path, diags):
                pack = load_pack(pack_path, diags)
                if pack is not None:
                    packs.append(pack)
        return packs

    @classmethod
    def load(cls, paths: Iterable[str | Path], diags: Diagnostics, drafts: Iterable[str | Path] = ()) -> "Registry":
        """Load every pack at or below `paths`, and the drafts at or below `drafts`; errors go to `diags`,
        valid packs are kept."""
        packs, draft_packs = cls._packs(paths, diags), cls._packs(drafts, diags)
        registry = cls([*packs, *draft_packs], {p.ref for p in draft_packs})
        registry.check(diags)
        return registry

    @property
    def replaced(self) -> dict[str, str]:
        """Each replaced version (`id@version`) and the version that replaces it."""
        return {old: p.ref for p in self.packs for old in p.meta.replaces}

    def check(self, diags: Diagnostics) -> None:
        """Checks across packs: one version of an id once; validity periods of an id do not overlap.

        A version another one `replaces` is out of the date check: it is kept for replay and for an
        explicit `--pack`, and the replacing version is in force in its stead.
        """
        by_id: dict[str, list[Pack]] = {}
        for p in self.packs:
            by_id.setdefault(p.meta.id, []).append(p)
        replaced = self.replaced
        for versions in by_id.values():
            for i, a in enumerate(versions):
                for b in versions[i + 1:]:
                    if a.meta.version == b.meta.version:
                        diags.error("registry_duplicate_version", f"`{b.ref}` is loaded twice", b.meta.loc, f"the other is {a.path}")
                    elif a.ref in replaced or b.ref in replaced or a.ref in self.drafts or b.ref in self.drafts:
                        continue
                    elif _overlap(a, b):
                        diags.error(
                            "registry_validity_overlap",
                            f"`{b.ref}` (valid {_period(b)}) overlaps `{a.ref}` (valid {_period(a)})",
                            b.meta.loc,
                            "close the older version with `valid_to` the day before the newer one's `valid_from`",
                        )
            refs = {p.ref for p in versions}
            for p in versions:
                if p.meta.supersedes and p.meta.supersedes not in refs:
                    diags.warning("registry_unknown_superseded", f"`{p.ref}` supersedes `{p.meta.supersedes}`, which is not loaded", p.meta.loc)
                for old in p.meta.replaces:
                    if old.partition("@")[0] != p.meta.id:
                        diags.error("registry_replaces_other_id", f"`{p.ref}` replaces `{old}`, a version of another pack", p.meta.loc,
                                    "a version can only replace a version of its own id")
                    elif old not in refs:
                        diags.warning("registry_unknown_replaced", f"`{p.ref}` replaces `{old}`, which is not loaded", p.meta.loc)

    def get(self, ref: str) -> Pack:
        """The pack `id@version`, or the newest version of `id`."""
        pid, _, version = ref.partition("@")
        versions = [p for p in self.packs if p.meta.id == pid]
        if not versions:
            raise PackNotFound(f"no pack `{pid}`", did_you_mean(pid, {p.meta.id for p in self.packs}))
        if not version:
            current = [p for p in versions if p.ref not in self.replaced]
            return (current or versions)[-1]
        for p in versions:
            if p.meta.version == version:
                return p
        raise PackNotFound(f"no version `{version}` of pack `{pid}`", "versions: " + ", ".join(p.meta.version for p in versions))

    def in_force(self, date: str, pack_id: str | None = None) -> Pack:
        """The pack in force on `date` (YYYY-MM-DD); with several ids, `pack_id` chooses."""
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", date):
            raise PackNotFound(f"`{date}` is not a date", "write it as YYYY-MM-DD")
        ids = sorted({p.meta.id for p in self.packs if p.ref not in self.drafts})
        if pack_id is None:
            if len(ids) != 1:
                raise PackNotFound("several pack ids are loaded; name one", "ids: " + ", ".join(ids))
            pack_id = ids[0]
        replaced = self.replaced
        matches = [p for p in self.packs if p.meta.id == pack_id and _valid_on(p, date) and p.ref not in replaced
                   and p.ref not in self.drafts]
        if not matches:
            periods = "; ".join(f"{p.ref} {_period(p)}" for p in self.packs if p.meta.id == pack_id)
            raise PackNotFound(f"no version of `{pack_id}` is in force on {date}", periods)
        return matches[-1]


def not_in_force(registry: "Registry", pack: Pack, date: str) -> dict | None:
    """Why a pack named by its version is not the one in force on `date` (None when it is): the pack, the
    date, its period, the version replacing it, the pack in force."""
    replaced = registry.replaced
    if _valid_on(pack, date) and pack.ref not in replaced:
        return None
    try:
        current = registry.in_force(date, pack.meta.id).ref
    except PackNotFound:
        current = None
    return {"pack": pack.ref, "date": date, "valid_from": pack.meta.valid_from, "valid_to": pack.meta.valid_to,
            "replaced_by": replaced.get(pack.ref), "in_force": current}


def not_in_force_text(why: dict) -> str:
    """`sbs@3.1.0 is not in force on 2016-01-28 (valid from 2019-07-01); the pack in force is sbs@2.1.0`."""
    if why["replaced_by"]:
        head = f"{why['pack']} is replaced by {why['replaced_by']}"
    else:
        period = f"valid from {why['valid_from']}" + (f" to {why['valid_to']}" if why["valid_to"] else "")
        head = f"{why['pack']} is not in force on {why['date']} ({period})"
    return head + (f"; the pack in force is {why['in_force']}" if why["in_force"] else "")


def _valid_on(p: Pack, date: str) -> bool:
    return p.meta.valid_from <= date and (p.meta.valid_to is None or date <= p.meta.valid_to)


def _overlap(a: Pack, b: Pack) -> bool:
    a_end, b_end = a.meta.valid_to or "9999-12-31", b.meta.valid_to or "9999-12-31"
    return a.meta.valid_from <= b_end and b.meta.valid_from <= a_end


def _period(p: Pack) -> str:
    return f"{p.meta.valid_from} – {p.meta.valid_to or 'open'}"


__all__ = ["DEFAULT_ROOT", "PackNotFound", "Registry", "discover", "display", "version_key"]
