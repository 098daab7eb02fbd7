"""The vdir collection: hrefs and etags as vdirsyncer sees them; writes never clobber."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli.core.errors import Conflict, Invalid, NotFound
from crmcli.core.sync.collections import VdirCollection, item_name


def test_create_list_get_update_delete(tmp_path: Path) -> None:
    book = VdirCollection("contacts", str(tmp_path))
    book.check()
    href, etag = book.create("crm-contact-1@x", b"BEGIN:VCARD\r\nEND:VCARD\r\n")
    assert href == "crm-contact-1@x.vcf"
    assert book.list() == {href: etag}
    assert [(i.href, i.etag, i.body) for i in book.get([href, "gone.vcf"])] == [
        (href, etag, b"BEGIN:VCARD\r\nEND:VCARD\r\n")
    ]
    new = book.update(href, b"changed", etag)
    assert new != etag
    assert (tmp_path / href).read_bytes() == b"changed"
    with pytest.raises(Conflict):
        book.update(href, b"blind", etag)  # the etag it was read with no longer holds
    with pytest.raises(Conflict):
        book.delete(href, etag)
    assert (tmp_path / href).read_bytes() == b"changed"
    book.delete(href, new)
    assert book.list() == {}
    book.delete(href, new)  # already gone: not an error
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no temporary file left behind


def test_create_never_replaces_a_file_that_appeared(tmp_path: Path) -> None:
    (tmp_path / "u1.ics").write_bytes(b"theirs")
    calendar = VdirCollection("calendar", str(tmp_path))
    with pytest.raises(Conflict):
        calendar.create("u1", b"ours")
    assert (tmp_path / "u1.ics").read_bytes() == b"theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u1.ics"]


def test_an_external_rewrite_changes_the_etag(tmp_path: Path) -> None:
    book = VdirCollection("contacts", str(tmp_path))
    href, etag = book.create("a", b"one")
    tmp = tmp_path / ".a.tmp"
    tmp.write_bytes(b"one")  # same size, same bytes: rewritten by rename as khard does
    tmp.replace(tmp_path / href)
    assert book.list()[href] != etag


def test_only_items_are_listed(tmp_path: Path) -> None:
    for name in ("a.vcf", ".hidden.vcf", "color", "displayname", "b.ics", "C.VCF"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub.vcf").mkdir()
    assert sorted(VdirCollection("contacts", str(tmp_path)).list()) == ["C.VCF", "a.vcf"]


def test_names_are_never_paths(tmp_path: Path) -> None:
    assert item_name("../../etc/passwd", ".vcf") == "_.._etc_passwd.vcf"
    assert item_name("", ".ics") == "item.ics"
    book = VdirCollection("contacts", str(tmp_path))
    for href in ("../x.vcf", ".x.vcf", "a/b.vcf", ""):
        with pytest.raises(Invalid):
            list(book.get([href]))


def test_a_missing_or_wrong_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="mkdir"):
        VdirCollection("calendar", str(tmp_path / "nope")).check()
    (tmp_path / "file").write_text("x")
    with pytest.raises(Invalid, match="not a folder"):
        VdirCollection("calendar", str(tmp_path / "file")).check()
    with pytest.raises(Invalid):
        VdirCollection("calendar", "  ")
