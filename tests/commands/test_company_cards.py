"""Company-only cards and rows (Apple, vCard 4, Outlook, Google, Thunderbird) become companies.

Each fixture is written by tests/fixtures/import/company_cards/make_company_cards.py the
way its address book exports it; these tests import them with the real `crm` and read
back what a rep would see.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import invoke

CARDS = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "company_cards"


def run(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    return out.stdout + out.stderr


def imported(name: str, tmp_path: Path, *extra: str) -> str:
    """Import a fixture from a copy (the rejects file is written beside the file read)."""
    path = tmp_path / name
    if not path.exists():
        shutil.copy(CARDS / name, path)
    return run("import", "contacts", str(path), *extra)


def people() -> dict[str, dict[str, Any]]:
    out = invoke("export", "contacts", "--format", "json")
    assert out.exit_code == 0, out.stderr
    return {str(c["name"]): c for c in json.loads(out.stdout)}


def companies() -> dict[str, dict[str, Any]]:
    out = invoke("company", "list", "--json")
    rows = json.loads(out.stdout) if out.exit_code == 0 else []
    return {str(c["name"]): company(str(c["id"])) for c in rows}


def company(ref: str) -> dict[str, Any]:
    return dict(json.loads(run("company", "show", ref, "--json")))


def test_the_fixtures_are_what_their_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("cards", CARDS / "make_company_cards.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, make in module.FILES.items():
        assert (CARDS / name).read_bytes() == make(), name


def test_an_apple_company_card_is_a_company_with_its_address_and_web_page(
    tmp_path: Path,
) -> None:
    out = imported("apple_company_card.vcf", tmp_path)
    assert "1 created" in out and "1 company created" in out
    assert set(people()) == {"Jane Example"}  # neither the company card nor the group
    found = companies()
    assert set(found) == {"Example Widgets Inc."}
    widgets = found["Example Widgets Inc."]
    assert widgets["website"] == "https://www.widgets.example.com/"
    assert widgets["domain"] == "widgets.example.com"
    assert widgets["phone"] == "+1 212-555-0142"  # the main number, not the fax
    assert widgets["email"] == "info@widgets.example.com"
    assert widgets["custom_fields"] == {"phone (fax)": "+1 212-555-0143"}
    assert widgets["notes"] == "Head office. Deliveries at the back, dock 4."
    assert widgets["external_ids"] == {"vcard": "7a3e0c1d-1111-4000-8000-000000000002"}
    [address] = widgets["addresses"]
    assert (address["street"], address["city"], address["postcode"]) == (
        "350 Example Avenue\nSuite 3100",
        "New York",
        "10118",
    )
    assert [p["name"] for p in widgets["people"]] == ["Jane Example"]
    shown = run("company", "show", "widgets.example.com")
    assert "Website         https://www.widgets.example.com/" in shown
    assert "Phone           +1 212-555-0142" in shown
    assert "Email           info@widgets.example.com" in shown
    assert "Address (work)  350 Example Avenue, Suite 3100, 10118 New York, NY" in shown
    again = imported("apple_company_card.vcf", tmp_path)
    assert "0 created" in again and "company created" not in again
    assert "company updated" not in again
    assert set(people()) == {"Jane Example"} and set(companies()) == {"Example Widgets Inc."}


def test_a_company_card_fills_blanks_and_keeps_what_the_rep_typed(tmp_path: Path) -> None:
    run("company", "add", "Example Widgets Inc.", "--website", "https://mine.example.com")
    out = imported("apple_company_card.vcf", tmp_path)
    assert "1 company updated" in out and "company created" not in out
    widgets = company("Example Widgets Inc.")
    assert widgets["website"] == "https://mine.example.com"  # never replaced
    assert widgets["phone"] == "+1 212-555-0142" and widgets["addresses"]  # blanks filled
    assert len(companies()) == 1


def test_a_vcard_4_kind_org_is_a_company_and_kind_group_is_nothing(tmp_path: Path) -> None:
    out = imported("vcard4_org.vcf", tmp_path)
    assert "1 created" in out and "1 company created" in out
    assert set(people()) == {"Priya Example"}
    assert people()["Priya Example"]["company"] == "Example Logistics Ltd"
    logistics = company("Example Logistics Ltd")
    assert logistics["phone"] == "+44 20 7946 0321"
    assert logistics["email"] == "hello@logistics.example.org"
    assert logistics["website"] == "https://logistics.example.org"
    assert logistics["addresses"][0]["city"] == "London"
    assert set(companies()) == {"Example Logistics Ltd"}  # "Carriers" is a group
    assert "0 created" in imported("vcard4_org.vcf", tmp_path)
    assert len(companies()) == 1 and len(people()) == 1


def test_outlook_rows_with_only_a_company_are_companies(tmp_path: Path) -> None:
    out = imported("outlook_companies.csv", tmp_path)
    assert "(outlook): 1 created" in out and "0 rejected" in out
    assert set(people()) == {"Nancy Example"}
    found = companies()
    assert set(found) == {"Northwind Traders", "Contoso Café Ltd"}
    northwind = found["Northwind Traders"]
    assert northwind["phone"] == "+1 212-555-0150"
    assert northwind["website"] == "http://www.northwind.example.com/"
    assert northwind["notes"] == "Main switchboard; ask for accounts payable."
    assert northwind["addresses"][0]["city"] == "New York"
    assert northwind["custom_fields"]["phone (fax)"] == "+1 212-555-0159"
    assert [p["name"] for p in northwind["people"]] == ["Nancy Example"]
    again = imported("outlook_companies.csv", tmp_path)
    assert "0 created" in again and "company created" not in again
    assert len(companies()) == 2 and len(people()) == 1


def test_a_thunderbird_company_with_a_phone_is_not_a_person(tmp_path: Path) -> None:
    out = imported("thunderbird_companies.csv", tmp_path)
    assert "(thunderbird): 1 created" in out and "1 company created" in out
    assert set(people()) == {"Oliver Example"}
    fabrikam = company("Fabrikam Ltd")
    assert fabrikam["phone"] == "+44 20 7946 0999"
    assert fabrikam["website"] == "https://fabrikam.example.co.uk"
    assert fabrikam["addresses"][0]["postcode"] == "BS1 4DJ"
    assert "+442079460999" not in json.dumps(people())  # no person was made of the number
    assert "0 created" in imported("thunderbird_companies.csv", tmp_path)
    assert len(companies()) == 1


def test_acme_and_acme_sas_stay_two_companies_with_a_warning(tmp_path: Path) -> None:
    out = imported("google_companies.csv", tmp_path)
    assert "(google): 2 created" in out and "0 rejected" in out
    assert "company 'Acme SAS' is new, beside #" in out and " Acme (a close name" in out
    found = people()
    assert found["Ana Example"]["company"] == "Acme"
    assert found["Bruno Exemple"]["company"] == "Acme SAS"
    assert set(companies()) == {"Acme", "Acme SAS", "Globex Example"}
    sas = company("Acme SAS")
    assert sas["website"] == "https://acme-sas.example.fr"
    assert sas["phone"] == "+33 1 99 00 00 01"
    assert [p["name"] for p in sas["people"]] == ["Bruno Exemple"]
    assert company("Acme")["website"] is None
    again = invoke("import", "contacts", str(tmp_path / "google_companies.csv"), "--json")
    report = json.loads(again.stdout)
    assert (report["created"], report["companies_created"]) == (0, 0)
    assert len(companies()) == 3


def test_a_close_name_in_an_existing_database_is_a_new_company_not_a_merge(
    tmp_path: Path,
) -> None:
    run("company", "add", "Acme")
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Company\r\nAnn Example,ann@example.com,ACME sas\r\n")
    out = run("import", "contacts", str(path))
    assert "1 company created" in out and "beside #1 Acme" in out
    assert people()["Ann Example"]["company"] == "ACME sas"
    path.write_text("Name,Email,Company\r\nBob Example,bob@example.com,acme\r\n")
    out = run("import", "contacts", str(path))
    assert "company created" not in out and people()["Bob Example"]["company"] == "Acme"


def test_company_add_edit_and_show_website_phone_email_address() -> None:
    run(
        "company", "add", "Initech",
        "--website", "https://initech.example.com",
        "--phone", "+1 (512) 555-0177",
        "--email", "info@initech.example.com",
        "--address", "1 Example Way, Austin, TX 78701",
    )  # fmt: skip
    shown = run("company", "show", "initech.example.com")  # the website gave the domain
    assert "Website         https://initech.example.com" in shown
    assert "Phone           +1 512-555-0177" in shown
    assert "Email           info@initech.example.com" in shown
    assert "Address (work)  1 Example Way, Austin, TX 78701" in shown
    run("company", "edit", "Initech", "--phone", "", "--address", "2 Example Way, Austin")
    after = company("Initech")
    assert after["phone"] is None
    assert after["addresses"] == [{"label": "work", "formatted": "2 Example Way, Austin"}]
    for option, value, said in (
        ("--email", "not-an-email", "malformed email address"),
        ("--website", "not a web page", "malformed website"),
    ):
        bad = invoke("company", "edit", "Initech", option, value)
        assert bad.exit_code == 2 and said in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    assert company("Initech")["email"] == "info@initech.example.com"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_companies_carries_the_company_card(tmp_path: Path, fmt: str) -> None:
    imported("apple_company_card.vcf", tmp_path)
    out = run("export", "companies", "--format", fmt)
    if fmt == "csv":
        [widgets] = list(csv.DictReader(io.StringIO(out)))
        assert widgets["website"] == "https://www.widgets.example.com/"
        assert re.sub(r"\D", "", widgets["phone"]) == "12125550142"  # a spreadsheet keeps "+"
        assert widgets["phone"].startswith("+1 ")
        assert widgets["email"] == "info@widgets.example.com"
        assert json.loads(widgets["addresses"])[0]["city"] == "New York"  # JSON, as a contact's
        assert json.loads(widgets["external_ids"]) == {"vcard": widgets_uid()}
    else:
        [widgets] = json.loads(out)
        assert widgets["email"] == "info@widgets.example.com"
        assert "New York" in json.dumps(widgets["addresses"])


def widgets_uid() -> str:
    return "7a3e0c1d-1111-4000-8000-000000000002"


def test_a_company_card_renamed_in_the_address_book_is_still_the_same_company(
    tmp_path: Path,
) -> None:
    imported("apple_company_card.vcf", tmp_path)
    card = (CARDS / "apple_company_card.vcf").read_bytes()
    renamed = tmp_path / "renamed.vcf"  # the same card (same UID), renamed in Contacts
    renamed.write_bytes(
        card.replace(b"ORG:Example Widgets Inc.;\r\n", b"ORG:Example Gadgets Inc.;\r\n")
    )
    out = run("import", "contacts", str(renamed))
    assert "company created" not in out
    assert set(companies()) == {"Example Widgets Inc."}
