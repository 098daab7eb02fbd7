"""`crm import contacts` on Outlook in other languages and on Thunderbird, in the database."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import invoke

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "real"

# layout -> (file, first person's name, company, email, work phone as E.164, second person)
OUTLOOK = {
    "de": ("outlook_de.csv", "Frau Jürgen Größmann", "Müller & Söhne GmbH",
           "juergen.groessmann@example.de", "+498912345678", "Anneliese Weiß"),
    "fr": ("outlook_fr.csv", "Mme Élodie Lefèvre", "Boulangerie Côté Sud",
           "elodie.lefevre@example.fr", "+33472000001", "François Dubois"),
    "es": ("outlook_es.csv", "José Muñoz", "Café Niño S.L.", "jose.munoz@example.es",
           "+34911234567", "Lucía Fernández"),
    "it": ("outlook_it.csv", "Niccolò Rossi", "Caffè Perù S.r.l.", "niccolo.rossi@example.it",
           "+390212345678", "Chiara Bianchi"),
    "nl": ("outlook_nl.csv", "Dhr. Jeroen van Dijk", "Bloemenhandel De Tulp B.V.",
           "jeroen.vandijk@example.nl", "+31201234567", "Sanne Bakker"),
    "pt-br": ("outlook_pt_br.csv", "João Conceição", "Padaria Pão de Açúcar Ltda.",
              "joao.conceicao@example.com.br", "+551123456789", "Luíza Gonçalves"),
    "pt-pt": ("outlook_pt_pt.csv", "João Conceição", "Pastelaria Belém Lda.",
              "joao.conceicao@example.pt", "+351211234567", "Inês Gonçalves"),
}  # fmt: skip


def people() -> dict[str, dict]:
    out = invoke("export", "contacts", "--format", "json")
    assert out.exit_code == 0, out.stderr
    return {str(c["name"]): c for c in json.loads(out.stdout)}


def imported(path: Path) -> str:
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    return out.stdout + out.stderr


@pytest.mark.parametrize("code", sorted(OUTLOOK))
def test_outlook_in_another_language(code: str) -> None:
    name, main, company, email, phone, other = OUTLOOK[code]
    assert f"(outlook-{code}): 3 created" in imported(REAL / name)
    p = people()
    assert len(p) == 3
    first = p[main]
    assert first["company"] == company
    assert email in [e["email"] for e in first["emails"]] and len(first["emails"]) == 2
    assert phone in [ph["e164"] for ph in first["phones"]]
    assert {ph["label"] for ph in first["phones"]} == {"work", "mobile"}
    assert first["birthday"] == "1980-12-31"  # day-first: 31.12.1980, 31/12/1980, 31-12-1980
    assert len(first["tags"]) >= 1 and first["notes"]
    assert first["addresses"][0]["label"] == "work"
    assert p[other]["emails"] and p[other]["phones"][0]["label"] == "home"
    third = next(c for n, c in p.items() if n not in (main, other))
    assert third["birthday"] == "1975-03-05" and third["company"] == company
    # Outlook's "nothing" values (0.0.00, Nicht angegeben, Falsch...) are not custom fields
    custom = json.dumps([c["custom_fields"] for c in p.values()], ensure_ascii=False)
    for blank in ("0.0.00", "00/00/00", "0-0-00", "Nicht angegeben", "Niet-gespecificeerd"):
        assert blank not in custom
    again = imported(REAL / name)
    assert "0 created" in again and "3 already up to date" in again
    assert len(people()) == 3


@pytest.mark.parametrize("code", sorted(OUTLOOK))
def test_show_mapping_names_the_layout(code: str) -> None:
    out = invoke("import", "contacts", str(REAL / OUTLOOK[code][0]), "--show-mapping")
    assert out.exit_code == 0, out.stderr
    assert f"source: outlook-{code}, encoding: cp1252" in out.stdout
    assert "->  email" in out.stdout and "->  first" in out.stdout


def test_german_outlook_with_semicolons_and_the_newer_names(tmp_path: Path) -> None:
    """Excel re-saves a German export with ";"; Outlook 2010+ writes "Telefon (privat)"."""
    text = (REAL / "outlook_de.csv").read_bytes().decode("cp1252")
    text = text.replace('","', '";"').replace("Telefon privat", "Telefon (privat)")
    path = tmp_path / "kontakte.csv"
    path.write_bytes(text.encode("cp1252"))
    assert "(outlook-de): 3 created" in imported(path)
    assert people()["Anneliese Weiß"]["phones"][0]["e164"] == "+493023125678"


@pytest.mark.parametrize("name", ["thunderbird.csv", "thunderbird.tab"])
def test_thunderbird_csv_and_tab(name: str) -> None:
    out = imported(REAL / name)
    assert "(thunderbird): 2 created" in out and "1 company created" in out
    p = people()
    assert set(p) == {"Åsa Lindqvist", "Tomás Ó Briain"}
    asa = p["Åsa Lindqvist"]
    assert [e["email"] for e in asa["emails"]] == ["asa.lindqvist@example.se", "asa@example.org"]
    assert [ph["e164"] for ph in asa["phones"]] == ["+46812345678", "+46701234567"]
    assert asa["company"] == "Nordisk Kaffe AB" and asa["title"] == "Inköpschef"
    assert asa["birthday"] == "1980-12-31"
    assert asa["nickname"] == "Åsi"  # a field since schema v6
    assert p["Tomás Ó Briain"]["birthday"] == "--03-14"  # no year stays no year
    companies = invoke("company", "list", "--json")
    assert "Nordisk Kaffe AB" in companies.stdout  # the company-only card is a company
    again = imported(REAL / name)
    assert "0 created" in again and len(people()) == 2


def test_thunderbird_ldif_with_base64_folding_and_a_list() -> None:
    out = invoke("import", "contacts", str(REAL / "thunderbird.ldif"))
    assert out.exit_code == 0, out.stderr
    assert "(thunderbird): 2 created" in out.stdout and "1 skipped" in out.stdout
    assert "mailing list 'Einkauf Team' (2 members) is not a person" in out.stderr
    p = people()
    assert set(p) == {"Jürgen Größmann", "Sam Taylor"}
    j = p["Jürgen Größmann"]
    assert j["company"] == "Müller & Söhne GmbH" and j["birthday"] == "1980-12-31"
    assert [e["email"] for e in j["emails"]] == ["juergen.groessmann@example.de", "jg@example.com"]
    assert [ph["e164"] for ph in j["phones"]] == ["+498912345678", "+4915123456789"]
    assert j["notes"].endswith("before the end of the month.")  # the folded line, joined
    assert j["addresses"][0]["city"] == "München"
    mapping = invoke("import", "contacts", str(REAL / "thunderbird.ldif"), "--show-mapping")
    assert "format: ldif, source: thunderbird" in mapping.stdout
    again = invoke("import", "contacts", str(REAL / "thunderbird.ldif"))
    assert "0 created" in again.stdout and len(people()) == 2


def test_ldif_schema_is_refused(tmp_path: Path) -> None:
    out = invoke("import", "contacts", str(REAL / "schema.ldif"))
    assert out.exit_code == 2
    assert "no address-book entries" in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("contacts.xlsx", None, "workbook"),
        ("contacts.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n", "PDF"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
    ],
)
def test_not_a_contacts_file(tmp_path: Path, name: str, data: bytes | None, said: str) -> None:
    path = tmp_path / name
    if data is None:
        with zipfile.ZipFile(path, "w") as book:
            book.writestr("xl/workbook.xml", "<workbook/>")
    else:
        path.write_bytes(data)
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 2
    assert said in out.stderr and "not a contacts file" in out.stderr
    assert out.stderr.count("\n") == 1
    assert not (tmp_path / f"{path.stem}.rejects.csv").exists()


def test_fixtures_match_their_script() -> None:
    spec = importlib.util.spec_from_file_location("make_real", REAL / "make_real_exports.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, make in module.FILES.items():
        assert (REAL / name).read_bytes() == make(), name
