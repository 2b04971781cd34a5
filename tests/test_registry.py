"""Several versions of one pack side by side; the one in force on a date is a lookup."""
from __future__ import annotations

import pytest

from policy import Diagnostics, PackNotFound, Registry
from policy.registry import version_key

from .conftest import FIXTURES, RULES


def _version(tmp_path, version: str, valid_from: str, valid_to: str = "", extra: str = "", pack_id: str = "sbs"):
    body = f"""\
pack:
  id: {pack_id}
  version: {version}
  format: 1
  valid_from: {valid_from}
  valid_to: {valid_to}{extra}
  title: {{sv: Version {version}, en: Version {version}}}
  sources:
    GP2016: {{title: Genomförandeplan}}
outcomes:
  unit: {{precedence: [excluded, eligible], default: eligible, on_unknown: manual_review}}
rules:
  - id: state-school
    text: {{sv: Statliga skolor väljs inte., en: State schools are not selected.}}
    source: GP2016 2.3.3
    when: {{fact: unit.school_form, in: [sameskola, specialskola]}}
    then: {{outcome: excluded}}
"""
    path = tmp_path / f"{pack_id}-{version}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def three(tmp_path):
    _version(tmp_path, "1.0.0", "2015-01-01", "2015-12-31")
    _version(tmp_path, "2.0.0", "2016-01-01", "2019-06-30")
    _version(tmp_path, "3.0.0", "2019-07-01")
    diags = Diagnostics()
    registry = Registry.load([tmp_path], diags)
    assert [] == [d.render() for d in diags]
    return registry


class TestLookup:
    def test_versions_side_by_side(self, three):
        """All three versions load, ordered by version."""
        assert ["1.0.0", "2.0.0", "3.0.0"] == [p.meta.version for p in three.packs]

    @pytest.mark.parametrize("date, version", [
        ("2015-06-01", "1.0.0"), ("2015-12-31", "1.0.0"), ("2016-01-01", "2.0.0"),
        ("2019-06-30", "2.0.0"), ("2019-07-01", "3.0.0"), ("2030-01-01", "3.0.0"),
    ])
    def test_in_force_on_date(self, three, date, version):
        """The version in force on a date, boundaries included."""
        assert version == three.in_force(date).meta.version

    def test_nothing_in_force_before_first(self, three):
        """A date before every version names the periods there are."""
        with pytest.raises(PackNotFound) as e:
            three.in_force("2014-12-31")
        assert "sbs@1.0.0 2015-01-01 – 2015-12-31" in e.value.hint

    def test_get_by_reference(self, three):
        """`id@version` finds that version; `id` alone the newest; an unknown version lists the others."""
        assert "2.0.0" == three.get("sbs@2.0.0").meta.version
        assert "3.0.0" == three.get("sbs").meta.version
        with pytest.raises(PackNotFound) as e:
            three.get("sbs@2.1.0")
        assert "1.0.0, 2.0.0, 3.0.0" in e.value.hint

    def test_shipped_packs_found(self):
        """The shipped rules directory holds a pack in force on the 2016 delivery date."""
        registry = Registry.load([RULES], Diagnostics())
        assert "sbs" == registry.in_force("2016-01-28").meta.id


class TestConflicts:
    def test_overlap_is_an_error(self):
        """Two versions of one id valid on the same day are an error."""
        diags = Diagnostics()
        Registry.load([FIXTURES / "invalid" / "overlap"], diags)
        assert ["registry_validity_overlap"] == [d.code for d in diags.errors]

    def test_same_version_twice(self, tmp_path):
        """The same id@version loaded from two files is an error."""
        a = _version(tmp_path, "1.0.0", "2015-01-01", "2015-12-31")
        (tmp_path / "copy.yaml").write_text(a.read_text(encoding="utf-8"), encoding="utf-8")
        diags = Diagnostics()
        Registry.load([tmp_path], diags)
        assert ["registry_duplicate_version"] == [d.code for d in diags.errors]

    def test_missing_path(self, tmp_path):
        """A path that does not exist is reported, not ignored."""
        diags = Diagnostics()
        Registry.load([tmp_path / "nope"], diags)
        assert ["file_not_found"] == [d.code for d in diags.errors]


class TestVersionOrder:
    def test_semantic_order(self):
        """Numbers compare numerically; a pre-release comes before its release."""
        versions = ["10.0.0", "2.0.0", "2.0.0-alpha.1", "2.0.0-alpha.10", "2.0.0-alpha.2", "2.0.0-beta", "1.9.9"]
        assert ["1.9.9", "2.0.0-alpha.1", "2.0.0-alpha.2", "2.0.0-alpha.10", "2.0.0-beta", "2.0.0", "10.0.0"] == sorted(versions, key=version_key)


class TestLookupErrors:
    def test_date_must_be_a_date(self, three):
        """A malformed date is refused with an example of the right form."""
        with pytest.raises(PackNotFound) as e:
            three.in_force("28/01/2016")
        assert ("`28/01/2016` is not a date", "write it as YYYY-MM-DD") == (e.value.message, e.value.hint)

    def test_several_ids_need_a_choice(self, three, tmp_path):
        """With packs of several ids loaded, the date alone does not choose one."""
        other = tmp_path / "other"
        other.mkdir()
        text = _version(other, "1.0.0", "2015-01-01").read_text(encoding="utf-8").replace("id: sbs", "id: pilot")
        (other / "sbs-1.0.0.yaml").write_text(text, encoding="utf-8")
        registry = Registry(list(three.packs) + list(Registry.load([other], Diagnostics()).packs))
        with pytest.raises(PackNotFound) as e:
            registry.in_force("2016-02-01")
        assert "ids: pilot, sbs" == e.value.hint
        assert "2.0.0" == registry.in_force("2016-02-01", "sbs").meta.version
        assert "1.0.0" == registry.in_force("2016-02-01", "pilot").meta.version

    def test_unknown_id(self, three):
        """An unknown pack id suggests the closest one."""
        with pytest.raises(PackNotFound) as e:
            three.get("sb@1.0.0")
        assert "did you mean `sbs`?" == e.value.hint


class TestReplaces:
    def test_a_correction_takes_over_the_whole_period(self, tmp_path):
        """A version that replaces another may share its period; it is in force, the replaced one is kept."""
        _version(tmp_path, "2.0.0", "2016-01-01", "2019-06-30")
        _version(tmp_path, "2.1.0", "2015-08-28", "2019-06-30", "\n  replaces: [sbs@2.0.0]")
        diags = Diagnostics()
        registry = Registry.load([tmp_path], diags)
        assert [] == [d.render() for d in diags]
        assert "2.1.0" == registry.in_force("2016-03-01").meta.version
        assert "2.1.0" == registry.in_force("2015-09-01").meta.version
        assert "2.0.0" == registry.get("sbs@2.0.0").meta.version  # still there, for replay and an explicit --pack
        assert {"sbs@2.0.0": "sbs@2.1.0"} == registry.replaced

    def test_without_replaces_the_overlap_is_an_error(self, tmp_path):
        """Two versions in force on one day, neither replacing the other: refused."""
        _version(tmp_path, "2.0.0", "2016-01-01", "2019-06-30")
        _version(tmp_path, "2.1.0", "2015-08-28", "2019-06-30")
        diags = Diagnostics()
        Registry.load([tmp_path], diags)
        assert ["registry_validity_overlap"] == [d.code for d in diags.errors]

    def test_replacing_another_id_is_an_error(self, tmp_path):
        """A version can only replace a version of its own pack id."""
        _version(tmp_path, "2.0.0", "2016-01-01", "2019-06-30", "\n  replaces: [other@1.0.0]")
        diags = Diagnostics()
        Registry.load([tmp_path], diags)
        assert ["registry_replaces_other_id"] == [d.code for d in diags.errors]

    def test_replacing_a_version_not_loaded_is_a_warning(self, tmp_path):
        """Naming a version that is not loaded is reported, not fatal."""
        _version(tmp_path, "2.1.0", "2016-01-01", "2019-06-30", "\n  replaces: [sbs@2.0.0]")
        diags = Diagnostics()
        Registry.load([tmp_path], diags)
        assert ([], ["registry_unknown_replaced"]) == ([d.code for d in diags.errors], [d.code for d in diags.warnings])

    def test_the_shipped_corrections(self):
        """The shipped packs: 1.1.0, 2.1.0 and 3.1.0 are in force; the versions they replace stay loaded."""
        diags = Diagnostics()
        registry = Registry.load([RULES], diags)
        assert not diags.has_errors()
        assert [("2015-08-27", "1.1.0"), ("2015-08-28", "2.1.0"), ("2019-06-30", "2.1.0"), ("2019-07-01", "3.1.0")] == [
            (d, registry.in_force(d).meta.version) for d in ("2015-08-27", "2015-08-28", "2019-06-30", "2019-07-01")]


class TestDiscovery:
    def test_a_symlink_loop_is_reported_once(self, tmp_path):
        """A link back up the rules tree is reported once, and the packs are still found."""
        _version(tmp_path, "2.0.0", "2016-01-01", "2019-06-30")
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "back").symlink_to(tmp_path, target_is_directory=True)
        diags = Diagnostics()
        registry = Registry.load([tmp_path], diags)
        assert ["2.0.0"] == [p.meta.version for p in registry.packs]
        assert 1 == len(diags.errors) and "symbolic link loop" in diags.errors[0].message

    def test_an_empty_pack_file_is_an_error(self, tmp_path):
        """An empty `pack.yaml` in a pack directory is an error, not a pack skipped."""
        (tmp_path / "p").mkdir()
        (tmp_path / "p" / "pack.yaml").write_text("", encoding="utf-8")
        diags = Diagnostics()
        registry = Registry.load([tmp_path], diags)
        assert [] == list(registry.packs)
        assert "file_empty" in [d.code for d in diags.errors]
