"""`crm import` on files laid out like each tool's real export, checked in the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import dump, invoke

CSV = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "csv"
VCF = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "vcard"


@pytest.fixture(autouse=True)
def region() -> None:
    invoke("config", "set", "default_region", "FR")


def people() -> dict[str, dict[str, object]]:
    out = invoke("export", "contacts", "--format", "json")
    return {str(c["name"]): c for c in json.loads(out.stdout)}


def imported(path: Path, *extra: str) -> str:
    out = invoke("import", "contacts", str(path), *extra)
    assert out.exit_code == 0, out.stderr
    return out.stdout


def test_google_contacts(tmp_path: Path) -> None:
    assert "(google): 3 created" in imported(CSV / "google.csv")
    p = people()
    helene = p["Dr. Hélène Dupré"]
    assert helene["tags"] == ["Clients", "VIP"] and helene["company"] == "Atelier Nord"
    assert helene["emails"][0]["email"] == "helene.dupre@example.fr"
    leila = p["ليلى حداد"]
    assert leila["birthday"] == "--03-14"  # no year stays no year
    # Line breaks are kept (as \n, whatever the file's CRLF), RTL text exactly as written.
    assert leila["notes"] == "Café à Beyrouth ☕\nA rappeler en mars 🙂\n\nاتصل بها"


def test_outlook_windows_1252_month_first() -> None:
    assert "(outlook): 3 created" in imported(CSV / "outlook.csv")
    p = people()
    noel = p["M. Noël Cœur"]
    assert noel["company"] == "Œnologie & Fils" and noel["birthday"] == "1985-03-14"
    assert "5 000 € – l’équipe “achats”" in str(noel["notes"])
    walter = p["Mr. Walter J. O’Hara Jr."]
    assert walter["birthday"] == "1970-12-31"
    assert [ph["e164"] for ph in walter["phones"]] == ["+14025550142"]  # the row's country


def test_linkedin_connections_with_preamble() -> None:
    out = imported(CSV / "Connections.csv")
    assert "(linkedin): 2 created" in out
    p = people()
    assert p["Camille Lefèvre"]["custom_fields"] == {"Connected On": "14 Mar 2023"}
    assert p["Ravi Iyer"]["urls"][0]["kind"] == "linkedin"  # no email: the profile identifies
    again = imported(CSV / "Connections.csv")
    assert "0 created" in again and "2 already up to date" in again


def test_hubspot_lifecycle_and_record_ids() -> None:
    assert "(hubspot): 5 created" in imported(CSV / "hubspot.csv")
    p = people()
    assert p["Jonas Berg"]["external_ids"] == {"hubspot": "2002"} or p["Jonas Berg"]["external_ids"]
    statuses = {name: c["status"] for name, c in p.items()}
    assert set(statuses.values()) <= {"lead", "prospect", "customer", "inactive"}
    assert "(hubspot): 0 created" in imported(CSV / "hubspot.csv")


def test_french_excel_day_first_and_impossible_dates(tmp_path: Path) -> None:
    out = invoke("import", "contacts", str(CSV / "french.csv"))
    assert out.exit_code == 0
    assert "'31/02/1980' is not a real date" in out.stderr
    p = people()
    assert p["Mme Élodie Rousseau"]["birthday"] == "1985-12-31"
    theo = p["M. Théo Lambert"]
    assert theo["birthday"] is None  # never rolled over to March
    assert theo["custom_fields"]["birthday (as written)"] == "31/02/1980"
    assert p["Mme Élodie Rousseau"]["notes"].startswith("Rappeler lundi; envoyer le devis\n")


def test_show_mapping_and_map_override() -> None:
    out = invoke("import", "contacts", str(CSV / "french.csv"), "--show-mapping")
    assert out.exit_code == 0 and "delimiter: ';'" in out.stdout
    assert "Montant" in out.stdout and "(kept as a custom field)" in out.stdout
    out = invoke(
        "import", "contacts", str(CSV / "french.csv"), "--map", "Montant=notes", "--show-mapping"
    )
    assert "Montant" in out.stdout and "->  notes" in out.stdout
    assert not Path(invoke("db", "path").stdout.strip()).exists()  # showing writes nothing


def test_vcard_exports() -> None:
    for name in ("apple_contacts.vcf", "google_contacts.vcf", "outlook_2_1.vcf", "vcard_4_0.vcf"):
        out = invoke("import", "contacts", str(VCF / name))
        assert out.exit_code == 0 and "(vcard)" in out.stdout, out.stderr
    names = set(people())
    assert "René Dupré" in names and "山田 太郎" in names
    assert not any("group" in n.lower() for n in names)  # KIND:group is never a person


def test_vcard_round_trip_into_an_empty_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("apple_contacts.vcf", "outlook_2_1.vcf", "vcard_4_0.vcf"):
        invoke("import", "contacts", str(VCF / name))
    invoke("contact", "edit", "rene", "--every", "30d", "--dnc", "--status", "customer")
    before = people()
    target = tmp_path / "all.vcf"
    assert invoke("export", "contacts", "--format", "vcard", "-o", str(target)).exit_code == 0
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))
    assert invoke("import", "contacts", str(target)).exit_code == 0
    after = people()
    skip = {"id", "company_id", "created_at", "updated_at", "owner", "last_touch_at"}
    for name, contact in before.items():
        mine = {k: v for k, v in contact.items() if k not in skip}
        theirs = {k: v for k, v in after[name].items() if k not in skip}
        mine["phones"] = [p["e164"] or p["number"] for p in mine["phones"]]  # type: ignore[union-attr]
        theirs["phones"] = [p["e164"] or p["number"] for p in theirs["phones"]]  # type: ignore[union-attr]
        assert theirs == mine, name


def test_deals_from_pipedrive() -> None:
    maps = ["--map-stage", "Proposal made=Proposal", "--map-stage", "Negotiations=Negotiation"]
    # Pipedrive's default "Proposal made" is known; "Negotiations" is on a Won row.
    out = invoke("import", "deals", str(CSV / "pipedrive_deals.csv"), "--dry-run")
    assert out.exit_code == 0 and "3 deals created" in out.stdout, out.stderr
    out = invoke("import", "deals", str(CSV / "pipedrive_deals.csv"), *maps, "--dry-run")
    assert out.stdout.startswith("would import")
    out = invoke("import", "deals", str(CSV / "pipedrive_deals.csv"), *maps)
    assert "3 deals created" in out.stdout and "1 rejected" in out.stdout
    deals = {
        d["title"]: d
        for d in json.loads(invoke("deal", "list", "--status", "all", "--json").stdout)
    }
    assert deals["Berg GmbH licences"]["amount_minor"] == 125_000_000  # "1 250 000,00 €"
    assert deals["Berg GmbH licences"]["status"] == "won"
    assert deals["Atelier Nord – refonte"]["stage"] == "Proposal"
    assert deals["Atelier Nord – refonte"]["contact"] == "Hélène Dupré"
    again = invoke("import", "deals", str(CSV / "pipedrive_deals.csv"), *maps)
    assert "0 deals created" in again.stdout and "3 already there" in again.stdout


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(st.text(max_size=20), min_size=1, max_size=6), min_size=1, max_size=8),
    st.sampled_from([",", ";", "\t"]),
)
@pytest.mark.slow
def test_any_rows_import_cleanly_or_fail_cleanly(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], delimiter: str
) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["Name", "Email", "Phone", "Notes", "Company", "Tags"][: len(rows[0])])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("h") / "any.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    db = Path(invoke("db", "path").stdout.strip())
    before = dump(db) if db.exists() else None
    out = invoke("import", "contacts", str(path))
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    if out.exit_code != 0:
        assert out.exit_code == 2 and len(out.stderr.strip().splitlines()) == 1
        assert (dump(db) if db.exists() else None) == before


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
@pytest.mark.slow
def test_any_bytes_import_cleanly_or_fail_cleanly(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("b") / "any.bin"
    path.write_bytes(data)
    out = invoke("import", "contacts", str(path), "--dry-run")
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    assert out.exit_code in (0, 2), out.stderr
