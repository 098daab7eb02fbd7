"""Encodings of real import files: code pages guessed, BOM-less UTF-16, QP vCards, refusals.

Fixtures are written by tests/fixtures/import/encodings/make_encodings.py with Python's
codecs, in the layouts and code pages the exporting programs use (Excel re-saving a
Google CSV on a Japanese, Chinese or Korean Windows; Outlook on a Czech one; Outlook and
old phones writing vCard 2.1; Mac OS X Address Book writing UTF-16BE without a BOM).
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

from crmcli.core.interchange.encoding import LOW_CONFIDENCE, guess
from crmcli.core.interchange.files import open_contacts
from tests.conftest import invoke

HERE = Path(__file__).resolve().parents[2] / "fixtures" / "import" / "encodings"


def people() -> dict[str, dict]:
    out = invoke("export", "contacts", "--format", "json")
    assert out.exit_code == 0, out.stderr
    return {str(c["name"]): c for c in json.loads(out.stdout)}


def emails(person: dict) -> list[str]:
    return [e["email"] for e in person["emails"]]


# file -> (encoding detected, {name: (email, company)})
CODE_PAGES = {
    "google_ja_cp932.csv": ("cp932", {
        "山田 太郎": ("taro.yamada@example.jp", "株式会社サンプル"),
        "佐藤 花子": ("hanako.sato@example.jp", "東京商事"),
        "鈴木 一郎": ("ichiro.suzuki@example.jp", "大阪物産株式会社"),
        "高橋 美咲": ("misaki.takahashi@example.jp", None)}),
    "google_zh_gbk.csv": ("gb18030", {
        "张伟": ("zhang.wei@example.cn", "北京示例有限公司"),
        "王芳": ("wang.fang@example.cn", "上海贸易"),
        "李娜": ("li.na@example.cn", None),
        "刘强": ("liu.qiang@example.cn", "深圳科技有限公司")}),
    "google_zh_big5.csv": ("cp950", {
        "陳美玲": ("chen.meiling@example.tw", "台北範例公司"),
        "林志明": ("lin.zhiming@example.tw", None),
        "黃淑芬": ("huang.shufen@example.tw", "高雄貿易股份有限公司"),
        "張建宏": ("zhang.jianhong@example.tw", None)}),
    "google_ko_euckr.csv": ("cp949", {
        "김민준": ("minjun.kim@example.kr", "샘플 주식회사"),
        "이서연": ("seoyeon.lee@example.kr", None),
        "박지훈": ("jihoon.park@example.kr", "서울무역"),
        "최하은": ("haeun.choi@example.kr", None)}),
    "outlook_cz_pl_cp1250.csv": ("cp1250", {
        "Jiří Dvořák": ("jiri.dvorak@example.cz", "Příklad s.r.o."),
        "Łukasz Wiśniewski": ("lukasz.wisniewski@example.pl", "Przykład Sp. z o.o."),
        "Zofia Wójcik": ("zofia.wojcik@example.pl", None),
        "Petr Novotný": ("petr.novotny@example.cz", "Účetnictví Černý a.s."),
        "Žofie Černá": ("zofie.cerna@example.cz", None)}),
    "google_utf16le_bom.csv": ("utf-16", {
        "Zoë Brontë": ("zoe.bronte@example.com", None),
        "Jürgen Müller": ("juergen.mueller@example.de", "Beispiel GmbH"),
        "山田 太郎": ("taro.yamada@example.jp", None)}),
    "apple_utf16be_nobom.vcf": ("utf-16-be", {
        "Åsa Ångström": ("asa.angstrom@example.se", "Café Öresund AB"),
        "Hélène Lefèvre": ("helene.lefevre@example.fr", "Société Générale d'Exemple"),
        "太郎 山田": ("taro.yamada@example.jp", "株式会社サンプル")}),
    "outlook_qp_cp1250.vcf": ("utf-8", {
        "Jiří Dvořák": ("jiri.dvorak@example.cz", "Příklad s.r.o."),
        "Łukasz Wiśniewski": ("lukasz.wisniewski@example.pl", "Przykład Sp. z o.o."),
        "Zofia Wójcik": ("zofia.wojcik@example.pl", None),
        "Tomáš Kovář": ("tomas.kovar@example.cz", None)}),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CODE_PAGES))
def test_each_file_imports_with_its_names_intact(name: str) -> None:
    _, expected = CODE_PAGES[name]
    out = invoke("import", "contacts", str(HERE / name))
    assert out.exit_code == 0, out.stderr
    found = people()
    assert sorted(found) == sorted(expected)
    for person, (email, company) in expected.items():
        assert emails(found[person]) == [email]
        assert found[person]["company"] == company
    again = invoke("import", "contacts", str(HERE / name))
    assert again.exit_code == 0 and len(people()) == len(expected)


@pytest.mark.parametrize("name", sorted(CODE_PAGES))
def test_the_reading_says_which_encoding_and_how(name: str) -> None:
    encoding, _ = CODE_PAGES[name]
    with (HERE / name).open("rb") as stream:
        reading = open_contacts(stream)
    assert reading.encoding == encoding
    assert reading.encoding_note.startswith(encoding)
    assert reading.detection is not None and not reading.detection.low
    assert reading.warnings == []


def test_show_mapping_prints_the_detection() -> None:
    out = invoke("import", "contacts", str(HERE / "google_ja_cp932.csv"), "--show-mapping")
    assert out.exit_code == 0, out.stderr
    assert "cp932 (Shift_JIS, Japanese; detected; confidence" in out.stdout
    out = invoke("import", "contacts", str(HERE / "apple_utf16be_nobom.vcf"), "--show-mapping")
    assert out.exit_code == 0, out.stderr
    assert "utf-16-be (no byte-order mark" in out.stdout


def test_qp_vcard_without_charset_is_read_in_cp1250_with_soft_breaks() -> None:
    assert invoke("import", "contacts", str(HERE / "outlook_qp_cp1250.vcf")).exit_code == 0
    note = people()["Łukasz Wiśniewski"]["notes"]
    # the note runs over a soft line break (`=` at the end of a line) in the middle of a word
    assert "schůzka v Łódź, ul. Żółkiewskiego 5." in note and "=" not in note


def test_forced_encoding_wins_for_a_vcard_too() -> None:
    path = HERE / "apple_utf16be_nobom.vcf"
    out = invoke("import", "contacts", str(path), "--encoding", "utf-16-be", "--show-mapping")
    assert out.exit_code == 0, out.stderr
    assert "forced by --encoding" in out.stdout
    out = invoke("import", "contacts", str(HERE / "google_ja_cp932.csv"), "--encoding", "cp1252")
    assert out.exit_code == 0, out.stderr
    assert "山田 太郎" not in people()  # the user's choice is obeyed, right or wrong
    out = invoke("import", "contacts", str(HERE / "outlook_qp_cp1250.vcf"), "--encoding", "latin-1")
    assert out.exit_code == 0, out.stderr
    assert "Jiří Dvořák" not in people() and "Jiøí Dvoøák" in people()


def test_a_short_ambiguous_file_is_a_low_confidence_warning_never_silence() -> None:
    with (HERE / "short_ambiguous.csv").open("rb") as stream:
        reading = open_contacts(stream)
    assert reading.detection is not None and reading.detection.confidence < LOW_CONFIDENCE
    assert len(reading.warnings) == 1
    assert "(low confidence)" in reading.warnings[0]
    assert "--encoding cp1250" in reading.warnings[0]
    out = invoke("import", "contacts", str(HERE / "short_ambiguous.csv"), "--show-mapping")
    assert "low confidence" in out.stdout + out.stderr


def test_utf8_never_loads_the_detector(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("Name,Email\n" + "Zoë Ann,a@example.com\n" * 20_000, encoding="utf-8")
    sys.modules.pop("charset_normalizer", None)
    with path.open("rb") as stream:
        reading = open_contacts(stream)
    assert (reading.encoding, reading.detection and reading.detection.how) == ("utf-8", "utf-8")
    assert "charset_normalizer" not in sys.modules


def test_guess_prefers_windows_western_for_western_names() -> None:
    data = "Name\r\nAnneliese Weiß\r\nJürgen Größmann\r\nFrançois Dubois\r\n".encode("cp1252")
    assert guess(data).encoding == "cp1252"


def _ods() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


NOT_CONTACTS = {
    "contacts.ods": (_ods(), "zip archive"),
    "contacts.numbers": (_ods().replace(b"opendocument", b"iwork-numbr"), "zip archive"),
    "contacts.csv.gz": (gzip.compress(b"Name,Email\r\nAnn,a@example.com\r\n"), "gzip"),
    "contacts.csv.xz": (b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4F", "xz archive"),
    "contacts.7z": (b"7z\xbc\xaf\x27\x1c\x00\x04", "7-Zip"),
    "contacts.rtf": (b"{\\rtf1\\ansi\\deff0 Name, Email\\par}", "RTF document"),
    "contacts.vcf": (b"\x00\x01BEGIN:VCARD\x00\x00\x00\x02\xff\x00\x13", "binary"),
}


@pytest.mark.parametrize("name", sorted(NOT_CONTACTS))
def test_files_that_are_not_contacts_are_one_clear_refusal(tmp_path: Path, name: str) -> None:
    data, what = NOT_CONTACTS[name]
    path = tmp_path / name
    path.write_bytes(data)
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 2
    assert what in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr
