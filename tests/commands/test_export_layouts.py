"""`crm export contacts --layout google|outlook` as those tools write and read them (issue #18).

A year-less birthday reaches Google as `--07-04` (Google's own form), ordinary notes are
not prefixed with an apostrophe that Google and Outlook would keep, relations, dates, IM
handles and nicknames have their columns, a Google group holds one label, and Outlook
never files a mobile as a business number. Importing crm's own layout file into the same
database changes nothing; into an empty one gives the same people back.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import invoke

# An Evolution-style vCard 3.0 (CRLF, X-EVOLUTION-SPOUSE, X-AIM, X-ANNIVERSARY as it writes).
CARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoe Example\r\nN:Example;Zoe;;;\r\n"
    "EMAIL;TYPE=INTERNET:zoe@example.org\r\nBDAY:--0704\r\nNOTE:-5 points\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Example\r\nN:Example;Ann;;;\r\nNICKNAME:Annie\r\n"
    "EMAIL;TYPE=INTERNET,WORK:ann@example.com\r\nEMAIL;TYPE=INTERNET,WORK:ann2@example.com\r\n"
    "EMAIL;TYPE=INTERNET,HOME:ann@home.example.org\r\n"
    "TEL;TYPE=CELL:+44 7700 900123\r\nTEL;TYPE=CELL:+44 7700 900124\r\n"
    "X-ANNIVERSARY:2005-06-18\r\nX-EVOLUTION-SPOUSE:Marc Example\r\nX-AIM:ann42\r\n"
    "NOTE:- call back in May\r\nEND:VCARD\r\n"
)


def _people() -> dict[str, dict[str, object]]:
    out = invoke("export", "contacts", "--format", "json")
    assert out.exit_code == 0, out.stderr
    return {c["name"]: c for c in json.loads(out.stdout)}


def _seed(tmp_path: Path) -> None:
    cards = tmp_path / "people.vcf"
    cards.write_bytes(CARDS.encode("utf-8"))
    assert invoke("import", "contacts", str(cards)).exit_code == 0


def _export(layout: str, tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    target = tmp_path / f"{layout}.csv"
    out = invoke("export", "contacts", "--layout", layout, "-o", str(target))
    assert out.exit_code == 0, out.stderr
    with target.open(encoding="utf-8", newline="") as f:
        return target, list(csv.DictReader(f))


def _row(rows: list[dict[str, str]], first: str) -> dict[str, str]:
    return next(r for r in rows if r["First Name"] == first)


def test_google_gets_a_yearless_birthday_and_notes_as_written(tmp_path: Path) -> None:
    _seed(tmp_path)
    _, rows = _export("google", tmp_path)
    zoe, ann = _row(rows, "Zoe"), _row(rows, "Ann")
    assert zoe["Birthday"] == "--07-04"  # Google's own year-less form, not '--07-04
    assert zoe["Notes"] == "-5 points" and ann["Notes"] == "- call back in May"


@pytest.mark.parametrize("layout", ["google", "outlook"])
def test_reimport_into_the_same_database_changes_nothing(layout: str, tmp_path: Path) -> None:
    _seed(tmp_path)
    before = _people()
    target, _ = _export(layout, tmp_path)
    again = invoke("import", "contacts", str(target))
    assert again.exit_code == 0, again.stderr
    assert "0 created, 0 updated" in again.stdout, again.stdout
    assert _people() == before


def test_google_layout_carries_relations_dates_handles_back_to_an_empty_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(tmp_path)
    before = _people()
    target, rows = _export("google", tmp_path)
    ann = _row(rows, "Ann")
    assert (ann["Relation 1 - Label"], ann["Relation 1 - Value"]) == ("Spouse", "Marc Example")
    assert (ann["Event 1 - Label"], ann["Event 1 - Value"]) == ("Anniversary", "2005-06-18")
    assert (ann["IM 1 - Service"], ann["IM 1 - Value"]) == ("AIM", "ann42")
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))
    assert "2 created" in invoke("import", "contacts", str(target)).stdout
    after = _people()
    for name, was in before.items():
        now = after[name]
        for key in ("emails", "phones", "birthday", "nickname", "relations", "dates", "handles"):
            assert now[key] == was[key], (name, key)
        assert now["notes"] == was["notes"]


def test_outlook_layout_carries_spouse_anniversary_nickname_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(tmp_path)
    target, rows = _export("outlook", tmp_path)
    ann = _row(rows, "Ann")
    assert ann["Spouse"] == "Marc Example" and ann["Anniversary"] == "6/18/2005"
    assert ann["Nickname"] == "Annie"
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))
    assert "2 created" in invoke("import", "contacts", str(target)).stdout
    back = _people()["Ann Example"]
    assert back["nickname"] == "Annie"
    assert back["relations"] == [{"name": "Marc Example", "kind": "spouse", "contact_id": None}]
    assert back["dates"] == [{"label": "anniversary", "date": "2005-06-18"}]


def test_google_groups_hold_one_label_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(tmp_path)
    target, rows = _export("google", tmp_path)
    ann = _row(rows, "Ann")
    assert ann["E-mail 1 - Label"] == "Work"
    assert ann["E-mail 1 - Value"] == "ann@example.com ::: ann2@example.com"
    assert (ann["E-mail 2 - Label"], ann["E-mail 2 - Value"]) == ("Home", "ann@home.example.org")
    assert ann["Phone 1 - Label"] == "Mobile"
    assert ann["Phone 1 - Value"] == "+44 7700 900123 ::: +44 7700 900124"  # no apostrophe
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))
    invoke("import", "contacts", str(target))
    emails = _people()["Ann Example"]["emails"]
    assert [(e["email"], e["label"]) for e in emails] == [  # type: ignore[attr-defined]
        ("ann@example.com", "work"),
        ("ann2@example.com", "work"),
        ("ann@home.example.org", "home"),
    ]


def test_outlook_puts_a_second_mobile_in_other_phone_not_business(tmp_path: Path) -> None:
    _seed(tmp_path)
    _, rows = _export("outlook", tmp_path)
    ann = _row(rows, "Ann")
    assert ann["Mobile Phone"] == "+44 7700 900123"
    assert ann["Other Phone"] == "+44 7700 900124" and ann["Business Phone"] == ""


@pytest.mark.parametrize("layout", ["google", "outlook"])
def test_a_formula_is_still_defused_in_a_layout(layout: str, tmp_path: Path) -> None:
    added = invoke(
        "contact", "add", "Eve Example", "-e", "eve@example.com",
        "--note", '=HYPERLINK("http://evil.example","x")',
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    invoke("contact", "add", "Dee Example", "--title", "-2+3+cmd|' /C calc'!A0")
    _, rows = _export(layout, tmp_path)
    title = "Organization Title" if layout == "google" else "Job Title"
    assert _row(rows, "Eve")["Notes"] == '\'=HYPERLINK("http://evil.example","x")'
    assert _row(rows, "Dee")[title] == "'-2+3+cmd|' /C calc'!A0"


def test_the_layouts_count_what_they_have_no_column_for() -> None:
    from crmcli.core.interchange import layouts

    view = {
        "name": "Ann Example",
        "first_name": "Ann",
        "last_name": "Example",
        "emails": [],
        "phones": [],
        "urls": [],
        "birthday": "--07-04",
        "relations": [{"name": "Tom Example", "kind": "friend", "contact_id": None}],
        "dates": [{"label": "graduation", "date": "2001-06-30"}],
        "handles": [{"service": "skype", "handle": "ann.example"}],
        "external_ids": {"vcard": "urn:uuid:0b7a3c52-6f4e-4a8b-9c1d-2e3f4a5b6c7d"},
    }
    dropped: Counter[str] = Counter()
    list(layouts.rows("outlook", iter([view]), dropped))
    line = layouts.dropped_line("outlook", dropped)
    assert line.startswith("not in the Outlook layout")
    for part in ("1 IM handles", "1 dates", "1 relations", "1 birthdays without a year"):
        assert part in line
    google: Counter[str] = Counter()
    list(layouts.rows("google", iter([view]), google))
    assert google == Counter({"ids in other tools": 1})


def test_foreign_and_date_kinds() -> None:
    from crmcli.core.interchange.csv_out import neutralise

    assert neutralise("--07-04", "date") == "--07-04"
    assert neutralise("1980-03-14", "date") == "1980-03-14"
    assert neutralise("-1+2", "date") == "'-1+2"
    for plain in ("-5 points", "- bullet", "+44 20 7946 0958 ::: +1 905 555 0100", "@ann", "'-x"):
        assert neutralise(plain, "foreign") == plain
    for formula in ("=1+1", '+HYPERLINK("x")', "@SUM(A1)", "-cmd|' /C calc'!A0", "\tx"):
        assert neutralise(formula, "foreign") == "'" + formula
