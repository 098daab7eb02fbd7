"""`crm import deals` and `crm import contacts` on Salesforce, Pipedrive, HubSpot and Zoho exports.

The fixtures (tests/fixtures/import/deals/, written by make_deals_exports.py) have
each vendor's own headers, quoting, line ends, dates, flags and stage names.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import invoke

DEALS = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "deals"


def imported(name: str, *args: str) -> str:
    # A copy: a rejected row writes NAME.rejects.csv beside the file, never in fixtures/.
    folder = Path(tempfile.mkdtemp(prefix="crm-deals-"))
    shutil.copy(DEALS / name, folder / name)
    out = invoke("import", "deals", str(folder / name), *args)
    assert out.exit_code == 0, out.stderr
    return out.stdout


def deals() -> list[dict[str, Any]]:
    out = invoke("deal", "list", "--status", "all", "--json")
    assert out.exit_code == 0, out.stderr
    return sorted(json.loads(out.stdout), key=lambda d: d["id"])


def stored(db: Path) -> dict[int, dict[str, Any]]:
    """What the deal rows hold beyond `deal list`: external ids and custom fields."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT id, external_ids, custom_fields, lead_source, lost_reason FROM deal"
        )
        return {
            r[0]: {
                "external_ids": json.loads(r[1] or "{}"),
                "custom": json.loads(r[2] or "{}"),
                "lead_source": r[3],
                "lost_reason": r[4],
            }
            for r in rows
        }
    finally:
        conn.close()


def by(rows: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    return [d for d in rows if d["title"] == title]


def test_salesforce_data_loader_opportunities(db: Path) -> None:
    out = imported("salesforce_opportunities.csv")
    assert "6 deals created" in out and "0 rejected" in out
    rows = deals()
    assert len(rows) == 6
    # Two opportunities named "Northwind Renewal" for one account: two deals, not one.
    renewal = sorted(by(rows, "Northwind Renewal"), key=lambda d: d["amount_minor"])
    assert [(d["amount_minor"], d["currency"], d["status"]) for d in renewal] == [
        (950_000, "USD", "won"),
        (4_800_000, "USD", "open"),
    ]
    assert renewal[1]["stage"] == "Negotiation" and renewal[1]["probability"] == 90
    assert renewal[1]["expected_close"] == "2024-09-30"
    assert renewal[1]["next_step"] == "Send redlines, then call legal"
    assert by(rows, "Globex pilot")[0]["status"] == "lost"
    japan = by(rows, "Initech Japan rollout")[0]
    assert (japan["amount_minor"], japan["currency"]) == (1_200_000, "JPY")
    assert japan["stage"] == "Proposal"
    assert by(rows, "Umbrella add-on")[0]["stage"] == "Demo"  # "Id. Decision Makers"
    # A stage of the org's own ("Contract Signed") with IsWon=true: won, its name kept.
    signed = by(rows, "Umbrella service contract")[0]
    assert signed["status"] == "won" and signed["company"] == "Umbrella Example GmbH"
    extra = stored(db)
    assert extra[signed["id"]]["custom"]["stage"] == "Contract Signed"
    assert extra[renewal[1]["id"]]["external_ids"] == {"salesforce": "0065g00000AbCd1AAB"}
    assert extra[renewal[1]["id"]]["lead_source"] == "Partner Referral"
    assert extra[renewal[1]["id"]]["custom"]["DESCRIPTION"].startswith("Three-year renewal.\n")
    again = imported("salesforce_opportunities.csv")
    assert "0 deals created" in again and "6 already there" in again
    assert len(deals()) == 6


def test_salesforce_report_export_with_its_footer() -> None:
    out = imported("salesforce_report.csv")
    assert "3 deals created" in out and "0 rejected" in out  # the footer is not three rejects
    rows = deals()
    first = by(rows, "Exemple CRM licences")[0]
    assert first["company"] == "Société Exemple SA"  # ISO-8859-1, the export's default
    assert (first["amount_minor"], first["currency"]) == (1_500_000, "EUR")
    assert first["expected_close"] == "2024-06-30" and first["probability"] == 75
    assert by(rows, "Contoso expansion")[0]["status"] == "won"
    assert by(rows, "Contoso support")[0]["status"] == "lost"
    assert "0 deals created" in imported("salesforce_report.csv")


def test_pipedrive_currency_of_value_per_row(db: Path) -> None:
    out = imported("pipedrive_deals.csv")
    assert "4 deals created" in out
    rows = deals()
    money = {(d["title"], d["amount_minor"], d["currency"]) for d in rows}
    assert money == {
        ("Beispiel AG onboarding", 4_500_000, "EUR"),
        ("Beispiel AG onboarding", 1_250_000, "EUR"),
        ("Kaisha Example rollout", 1_200_000, "JPY"),  # no decimals in yen
        ("Example Ltd pilot", 90_000, "GBP"),
    }
    kaisha = by(rows, "Kaisha Example rollout")[0]
    assert kaisha["status"] == "won" and kaisha["contact"] == "Yui Example"
    pilot = by(rows, "Example Ltd pilot")[0]
    assert pilot["status"] == "lost"
    assert stored(db)[pilot["id"]]["lost_reason"] == "Budget moved to next year"
    onboarding = sorted(by(rows, "Beispiel AG onboarding"), key=lambda d: d["amount_minor"])
    assert [d["stage"] for d in onboarding] == ["Qualified", "Negotiation"]
    assert onboarding[1]["probability"] == 80
    assert {e["external_ids"]["pipedrive"] for e in stored(db).values()} == {"11", "12", "13", "14"}
    again = imported("pipedrive_deals.csv")
    assert "0 deals created" in again and "4 already there" in again


def test_hubspot_deals() -> None:
    assert "4 deals created" in imported("hubspot_deals.csv")
    rows = deals()
    plans = sorted(by(rows, "Example Labs annual plan"), key=lambda d: d["amount_minor"])
    assert [(d["status"], d["stage"]) for d in plans] == [("won", "Won"), ("open", "Lead")]
    assert plans[1]["probability"] == 20  # HubSpot writes 0.2
    assert plans[1]["contact"] == "Ada Example"  # "Ada Example (ada@example.com)"
    assert plans[1]["expected_close"] == "2024-07-31"  # "2024-07-31 00:00"
    upgrade = by(rows, "Beispiel GmbH upgrade")[0]
    assert (upgrade["stage"], upgrade["currency"]) == ("Negotiation", "EUR")  # "contractsent"
    assert by(rows, "Sample Co trial")[0]["status"] == "lost"
    assert "0 deals created" in imported("hubspot_deals.csv")


def test_zoho_deals() -> None:
    assert "4 deals created" in imported("zoho_deals.csv")
    rows = deals()
    # Same title, account and amount, another closing date: another deal.
    renewal = sorted(by(rows, "Ejemplo SL renewal"), key=lambda d: d["expected_close"])
    assert [(d["status"], d["amount_minor"]) for d in renewal] == [
        ("won", 1_800_000),
        ("open", 1_800_000),
    ]
    assert renewal[1]["stage"] == "Qualified" and renewal[1]["probability"] == 20
    assert by(rows, "Sample Inc migration")[0]["status"] == "lost"  # "Closed Lost to Competition"
    assert by(rows, "Sample Inc add-on")[0]["stage"] == "Demo"  # "Identify Decision Makers"
    assert "0 deals created" in imported("zoho_deals.csv")


def test_amounts_as_people_write_them() -> None:
    args = ("--map-stage", "Proposition=Proposal", "--map-stage", "Négociation=Negotiation")
    out = imported("spreadsheet_deals_eu.csv", *args)
    assert "3 deals created" in out and "0 rejected" in out
    rows = deals()
    site = by(rows, "Refonte du site")[0]
    assert (site["amount_minor"], site["currency"]) == (125_000_000, "EUR")  # 1.250.000,00 €
    assert site["expected_close"] == "2024-06-30"
    tokyo = by(rows, "Licences Tokyo")[0]
    assert (tokyo["amount_minor"], tokyo["currency"]) == (1_200_000, "JPY")  # ¥1,200,000
    upkeep = by(rows, "Maintenance")[0]
    assert upkeep["amount_minor"] == 125_050 and upkeep["status"] == "won"  # 1 250,50


def test_same_title_and_company_are_two_deals_unless_everything_agrees(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(
        "Title,Organization,Value,Currency,Stage,Expected close date\n"
        "Renewal,Acme Example,1000,EUR,Lead,2024-06-30\n"
        "Renewal,Acme Example,2500,EUR,Lead,2024-06-30\n"
        "Renewal,Acme Example,1000,EUR,Lead,2024-06-30\n",
        encoding="utf-8",
    )
    out = invoke("import", "deals", str(path))
    assert out.exit_code == 0, out.stderr
    assert "2 deals created" in out.stdout and "1 already there" in out.stdout
    assert sorted(d["amount_minor"] for d in deals()) == [100_000, 250_000]


def test_map_stage_wins_over_the_vendor_table_and_unknown_stages_stop() -> None:
    out = imported("pipedrive_deals.csv", "--map-stage", "Contact Made=Demo")
    assert "4 deals created" in out
    onboarding = sorted(by(deals(), "Beispiel AG onboarding"), key=lambda d: d["amount_minor"])
    assert onboarding[0]["stage"] == "Demo"


def test_an_unknown_open_stage_stops_the_import(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "opps.csv"
    path.write_bytes(
        b'"Id","Name","StageName","Amount","CurrencyIsoCode","IsClosed","IsWon"\r\n'
        b'"0065g00000Zz001AAB","Pilot","Discovery Call","100.0","USD","false","false"\r\n'
    )
    out = invoke("import", "deals", str(path))
    assert out.exit_code == 2 and "Discovery Call" in out.stderr
    assert "Lead, Qualified, Demo" in out.stderr and "Traceback" not in out.stderr
    assert not db.exists() or not stored(db)


def test_amount_and_currency_that_disagree_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(
        "Deal - Title,Deal - Value,Deal - Currency of Value,Deal - Stage\n"
        "Mixed,£900,EUR,Qualified\n"
        "Fine,900,GBP,Qualified\n",
        encoding="utf-8",
    )
    out = invoke("import", "deals", str(path), "--dry-run")
    assert out.exit_code == 0, out.stderr
    assert "1 rejected" in out.stdout and "GBP" in out.stderr and "EUR" in out.stderr


def test_money_per_currency_in_the_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    out = invoke("import", "deals", str(DEALS / "pipedrive_deals.csv"), "--json")
    assert out.exit_code == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["currencies"] == {
        "EUR": {"deals": 2, "amount_minor": 5_750_000},
        "JPY": {"deals": 1, "amount_minor": 1_200_000},
        "GBP": {"deals": 1, "amount_minor": 90_000},
    }
    assert summary["source"] == "pipedrive"
    text = invoke("import", "deals", str(DEALS / "pipedrive_deals.csv"), "--dry-run")
    assert "4 deals: 2 EUR 57,500.00 · 1 JPY 1,200,000 · 1 GBP 900.00" in text.stdout


# -- people files ----------------------------------------------------------------------------

# file -> (source, people, one of them, their email, company, mobile as E.164)
PEOPLE = {
    "salesforce_contacts.csv": (
        "salesforce", 3, "Avery Example", "avery@example.com", "Northwind Traders", "+12175550143"
    ),
    "zoho_contacts.csv": (
        "zoho", 2, "Lucía Ejemplo", "lucia@example.es", "Ejemplo SL", "+34600555012"
    ),
    "pipedrive_people.csv": (
        "pipedrive", 3, "Jonas Beispiel", "jonas@example.de", "Beispiel AG", "+491515550123"
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_people_files(name: str) -> None:
    source, count, person, email, company, mobile = PEOPLE[name]
    out = invoke("import", "contacts", str(DEALS / name))
    assert out.exit_code == 0, out.stderr
    assert f"({source}): {count} created" in out.stdout
    people = json.loads(invoke("export", "contacts", "--format", "json").stdout)
    assert len(people) == count
    found = next(p for p in people if person in p["name"])
    assert email in [e["email"] for e in found["emails"]] and found["company"] == company
    mobiles = [p for p in found["phones"] if p["label"] == "mobile"]
    assert [p["e164"] for p in mobiles] == [mobile]
    assert set(found["external_ids"]) == {source}
    again = invoke("import", "contacts", str(DEALS / name))
    assert "0 created" in again.stdout


def test_files_that_are_not_deals_are_refused(tmp_path: Path, db: Path) -> None:
    names = tmp_path / "names.csv"
    names.write_text("Name,Company,Email\nAnn Example,Initech,ann@example.com\n", encoding="utf-8")
    for path, why in (
        (DEALS / "zoho_contacts.csv", "contacts export (zoho)"),
        (names, "crm import contacts"),
    ):
        out = invoke("import", "deals", str(path))
        assert out.exit_code == 2 and why in out.stderr, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert not db.exists() or not stored(db)


def test_a_close_date_that_cannot_be_read_is_kept_and_named(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "opps.csv"
    path.write_bytes(
        b'"Id","Name","StageName","Amount","CloseDate","Probability"\r\n'
        b'"0065g00000Zz002AAB","Pilot","Prospecting","100.0","2024-02-30","ten"\r\n'
    )
    out = invoke("import", "deals", str(path), "--json")
    assert out.exit_code == 0, out.stderr
    issues = json.loads(out.stdout)["issues"]
    assert [line for line, _ in issues] == [2, 2]
    assert "'2024-02-30'" in issues[0][1] and "'ten'" in issues[1][1]
    (extra,) = stored(db).values()
    assert extra["custom"] == {"CloseDate": "2024-02-30", "Probability": "ten"}


def test_fixtures_match_their_script() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_deals", DEALS / "make_deals_exports.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, make in module.FILES.items():
        assert (DEALS / name).read_bytes() == make(), name


FRENCH_DEALS = (
    "Titre;Société;Montant;Devise;Étape;Date de clôture\r\n"
    "Licences 2027;Exemple SARL;12 500,00;EUR;Proposition/Devis;15/01/2027\r\n"
    "Audit;Exemple SARL;3 000,00;EUR;Négociation;01/02/2027\r\n"
    "Formation;Autre SAS;1 800,00;EUR;Fermé gagné;03/11/2026\r\n"
)


def test_french_default_stage_names_need_no_map(db: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "affaires.csv"
    sheet.write_text(FRENCH_DEALS, encoding="utf-8-sig")
    out = invoke("import", "deals", str(sheet))
    assert out.exit_code == 0, out.stderr
    got = {d["title"]: (d["stage"], d["status"]) for d in deals()}
    assert got == {
        "Licences 2027": ("Proposal", "open"),
        "Audit": ("Negotiation", "open"),
        "Formation": ("Won", "won"),
    }


def test_a_deals_import_into_a_database_with_data_backs_it_up_first(
    db: Path, tmp_path: Path
) -> None:
    assert invoke("contact", "add", "Ann Example", "-e", "ann@example.com").exit_code == 0
    sheet = tmp_path / "affaires.csv"
    sheet.write_text(FRENCH_DEALS, encoding="utf-8-sig")
    assert invoke("import", "deals", str(sheet)).exit_code == 0
    made = sorted((db.parent / "backups").glob("*-pre-import.db"))
    assert len(made) == 1


def test_a_deals_ids_and_custom_fields_come_out_in_exports_and_show(db: Path) -> None:
    imported("salesforce_opportunities.csv")
    data = json.loads(invoke("export", "deals", "--format", "json").stdout)
    assert all(d["external_ids"] and "salesforce" in d["external_ids"] for d in data)
    first = data[0]
    sheet = invoke("export", "deals").stdout.splitlines()
    header = sheet[0].split(",")
    assert "external_ids" in header and "custom_fields" in header
    shown = invoke("deal", "show", str(first["id"]))
    assert shown.exit_code == 0, shown.stderr
    assert f"Id in salesforce  {first['external_ids']['salesforce']}" in shown.stdout
    as_json = json.loads(invoke("deal", "show", str(first["id"]), "--json").stdout)
    assert as_json["external_ids"] == first["external_ids"]


def _keyed(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    keep = ("title", "company", "amount", "currency", "stage", "status", "probability")
    return sorted(
        (*(r[k] for k in keep), json.dumps(r["external_ids"]), json.dumps(r["custom_fields"]))
        for r in rows
    )


def test_crms_own_deals_export_reimports_as_nothing_new_and_moves_whole(
    db: Path, tmp_path: Path
) -> None:
    imported("salesforce_opportunities.csv")
    before = json.loads(invoke("export", "deals", "--format", "json").stdout)
    sheet = tmp_path / "deals.csv"
    assert invoke("export", "deals", "-o", str(sheet)).exit_code == 0
    again = invoke("import", "deals", str(sheet))
    assert again.exit_code == 0, again.stderr
    assert "(crm)" in again.stdout and "0 deals created, 0 updated" in again.stdout
    assert "kept as custom fields" not in again.stderr
    # Into an empty database: the same deals, ids in other tools and custom fields too.
    other = tmp_path / "other.db"
    moved = invoke("--db", str(other), "import", "deals", str(sheet))
    assert moved.exit_code == 0, moved.stderr
    after = json.loads(invoke("--db", str(other), "export", "deals", "--format", "json").stdout)
    assert _keyed(after) == _keyed(before)


def test_a_sheets_probability_column_is_the_deals_own(db: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "pd.csv"
    sheet.write_text(
        "Title,Contact,Company,Amount,Currency,Stage,Probability\n"
        "P deal,Ann Example,Foo Ltd,100.00,EUR,Proposal,75\n",
        encoding="utf-8",
    )
    out = invoke("import", "deals", str(sheet))
    assert out.exit_code == 0 and "kept as custom fields" not in out.stderr, out.stderr
    assert [d["probability"] for d in deals()] == [75]


def test_crms_contacts_export_is_not_taken_for_deals(db: Path, tmp_path: Path) -> None:
    assert invoke("contact", "add", "Ann Example", "-e", "ann@example.com").exit_code == 0
    sheet = tmp_path / "contacts.csv"
    assert invoke("export", "contacts", "-o", str(sheet)).exit_code == 0
    out = invoke("import", "deals", str(sheet))
    assert out.exit_code == 2
    assert out.stderr.strip() == (
        "crm: this is crm's own contacts export, not deals: import it with `crm import contacts`"
    )


def test_a_salesforce_report_follows_the_reps_date_order(db: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    report.write_text(
        '"Opportunity Name","Account Name","Amount","Close Date","Stage"\r\n'
        '"Renewal","Globex","5000","15/01/2027","Negotiation/Review"\r\n',
        encoding="utf-8",
    )
    assert invoke("config", "set", "default_region", "FR").exit_code == 0
    out = invoke("import", "deals", str(report))
    assert out.exit_code == 0, out.stderr
    assert [d["expected_close"] for d in deals()] == ["2027-01-15"]


def test_deal_list_json_carries_ids_and_custom_fields(db: Path) -> None:
    imported("salesforce_opportunities.csv")
    listed = deals()
    assert all(d["external_ids"] and "salesforce" in d["external_ids"] for d in listed)
    assert any(d["custom_fields"] for d in listed)


def test_an_absurd_amount_is_refused_by_deal_add_too(db: Path) -> None:
    """A 19-digit amount would overflow the pipeline's and reports' sums (SQLite integers):
    `deal add`/`deal edit` refuse it in one line, as the import refuses its row."""
    assert invoke("company", "add", "Acme").exit_code == 0
    out = invoke("deal", "add", "Typo", "--company", "Acme", "--amount", "9999999999999999999 EUR")
    assert out.exit_code == 2
    assert out.stderr.strip() == "crm: amount '9999999999999999999 EUR' is too large for a deal"
    big = invoke("deal", "add", "Big", "--company", "Acme", "--amount", "1000000000 EUR")
    assert big.exit_code == 0, big.stderr
    assert invoke("pipeline").exit_code == 0
