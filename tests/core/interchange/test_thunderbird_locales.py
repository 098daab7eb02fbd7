"""Thunderbird's CSV and tab exports written by a Thunderbird in another language.

The files in tests/fixtures/import/real/thunderbird_<lang>.* are written by
make_thunderbird_locales.py as each Thunderbird writes them (its translated column
names and their order, its quoting, line ends and encodings); they import with every
email, phone, name, company and the split birthday, and a second time add nothing.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from crmcli.core.interchange.contacts_csv import detect
from tests.conftest import invoke

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "import" / "real"

# file -> (first person, email 2, company, title, work city, [work, mobile] E.164, nickname,
#          second person, her home phone E.164, custom-field name of the department)
FILES = {
    "thunderbird_de.csv": ("Jürgen Größmann", "jg@example.org", "Müller & Söhne GmbH",
        "Einkaufsleiter", "Berlin", ["+493023125678", "+4915123456789"], "Jogi",
        "Anneliese Weiß", "+493023125679", "Abteilung"),
    "thunderbird_de.txt": ("Jürgen Größmann", "jg@example.org", "Müller & Söhne GmbH",
        "Einkaufsleiter", "Berlin", ["+493023125678", "+4915123456789"], "Jogi",
        "Anneliese Weiß", "+493023125679", "Abteilung"),
    "thunderbird_fr.csv": ("Élodie Lefèvre", "elodie@example.org", "Boulangerie Côté Sud",
        "Acheteuse", "Lyon", ["+33123456789", "+33612345678"], "Lolo",
        "François Dubois", "+33123456780", "Service"),
    "thunderbird_es.csv": ("José Muñoz", "jose@example.org", "Café Niño S.L.",
        "Jefe de compras", "Madrid", ["+34810123456", "+34612345678"], None,
        "Lucía Fernández", "+34810123457", "Departamento"),
    "thunderbird_it.csv": ("Niccolò Rossi", "niccolo@example.org", "Caffè Perù S.r.l.",
        "Responsabile acquisti", "Milano", ["+390212345678", "+393123456789"], None,
        "Chiara Bianchi", "+390212345679", "Reparto"),
    "thunderbird_nl.csv": ("Jeroen van Dijk", "jeroen@example.org", "Bloemenhandel De Tulp B.V.",
        "Inkoper", "Rotterdam", ["+31101234567", "+31612345678"], None,
        "Sanne Bakker", "+31101234568", "Afdeling"),
    "thunderbird_pt_br.csv": ("João Conceição", "joao@example.org", "Padaria Pão de Açúcar Ltda.",
        "Comprador", "São Paulo", ["+551123456789", "+5511961234567"], None,
        "Luíza Gonçalves", "+551123456780", "Setor"),
    "thunderbird_pt_pt.csv": ("Inês Gonçalves", "ines@example.org", "Pastelaria Belém Lda.",
        "Compradora", "Lisboa", ["+351212345678", "+351912345678"], None,
        "João Conceição", "+351212345679", "Departamento"),
    "thunderbird_pl.csv": ("Małgorzata Wiśniewska", "gosia@example.org",
        "Piekarnia Żółć Sp. z o.o.", "Kierownik zakupów", "Kraków",
        ["+48123456789", "+48512345678"], "Gosia", "Paweł Zieliński", "+48123456780",
        "Departament"),
    "thunderbird_ja.csv": ("山田 太郎", "taro@example.org", "株式会社サンプル商事", "購買部長",
        "千代田区", ["+81312345678", "+819012345678"], None, "佐藤 花子", "+81612345678", "部門"),
}  # fmt: skip


def _people() -> dict[str, dict[str, Any]]:
    out = invoke("export", "contacts", "--format", "json")
    assert out.exit_code == 0, out.stderr
    return {str(c["name"]): c for c in json.loads(out.stdout)}


def _import(path: Path) -> str:
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    return out.stdout + out.stderr


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_localized_thunderbird_export_imports_whole_and_once(name: str) -> None:
    main, email2, company, title, city, phones, nick, other, home, dept = FILES[name]
    out = _import(REAL / name)
    assert "(thunderbird): 2 created" in out and "1 company created" in out
    people = _people()
    assert len(people) == 2
    p = people[main]
    emails = [e["email"] for e in p["emails"]]
    assert len(emails) == 2 and emails[1] == email2 and p["emails"][0]["primary"]
    assert [ph["e164"] for ph in p["phones"]] == phones
    assert [ph["label"] for ph in p["phones"]] == ["work", "mobile"]
    assert (p["company"], p["title"], p["nickname"]) == (company, title, nick)
    assert p["birthday"] == "1980-12-31"  # from the year, month and day columns
    assert [(a["label"], a["city"]) for a in p["addresses"]] == [("work", city)]
    assert p["notes"] and "VIP" in p["custom_fields"].values()
    assert dept in p["custom_fields"]  # Department stays a custom field under its name
    second = people[other]
    assert second["birthday"] == "--03-14"  # no year stays no year
    assert [(ph["e164"], ph["label"]) for ph in second["phones"]] == [(home, "home")]
    assert second["addresses"][0]["label"] == "home" and len(second["emails"]) == 1
    again = _import(REAL / name)
    assert "0 created, 0 updated" in again and "already up to date" in again
    assert len(_people()) == 2


def test_french_home_and_work_cities_share_a_name() -> None:
    """French writes "Ville", "Pays/État", "Code postal" for home and then for work."""
    header = (REAL / "thunderbird_fr.csv").read_text("utf-8").splitlines()[0].split(",")
    mapping = detect(header, delimiter=",", date_order="dmy")
    assert mapping.source == "thunderbird"
    fields = [f for h, f in mapping.columns if h in ("Ville", "Code postal", "Pays/État")]
    home = ["city:home", "region:home", "postcode:home"]
    assert fields == [*home, *(f.replace("home", "work") for f in home)]


def test_german_names_display_and_screen_name_alike() -> None:
    """An older German Thunderbird wrote "Anzeigename" for both; the second is the chat name."""
    header = (REAL / "thunderbird_de.csv").read_text("utf-8").splitlines()[0].split(",")
    columns = detect(header, delimiter=",", date_order="dmy").columns
    assert [f for h, f in columns if h == "Anzeigename"] == ["full_name", "handle:aim"]


def test_apelido_is_a_surname_in_portugal_and_a_nickname_in_brazil() -> None:
    def apelido(name: str, encoding: str) -> str | None:
        header = (REAL / name).read_text(encoding).splitlines()[0].split(",")
        columns = detect(header, delimiter=",", date_order="dmy").columns
        return next(f for h, f in columns if h == "Apelido")

    assert apelido("thunderbird_pt_pt.csv", "cp1252") == "last"
    assert apelido("thunderbird_pt_br.csv", "utf-8") == "nickname"


def test_german_outlook_is_still_outlook() -> None:
    """German Outlook shares Vorname, Nachname, Abteilung... with Thunderbird, not enough."""
    out = invoke("import", "contacts", str(REAL / "outlook_de.csv"), "--show-mapping")
    assert out.exit_code == 0, out.stderr
    assert "source: outlook-de" in out.stdout


def test_show_mapping_names_thunderbird_and_its_fields() -> None:
    out = invoke("import", "contacts", str(REAL / "thunderbird_ja.csv"), "--show-mapping")
    assert out.exit_code == 0, out.stderr
    assert "source: thunderbird" in out.stdout and "cp932" in out.stdout
    assert "->  email" in out.stdout and "->  birthday:month" in out.stdout


def _maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tb_maker", REAL / "make_thunderbird_locales.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fixtures_are_what_the_maker_writes() -> None:
    maker = _maker()
    for name in maker.FILES:
        assert (REAL / name).read_bytes() == maker.export(name), name


def test_the_tables_agree_with_the_maker_headers() -> None:
    """Two copies of the translated names (the reader's, the fixtures'), checked together."""
    from crmcli.core.interchange.vendors.thunderbird_locales import HEADERS

    maker = _maker()
    for code, line in maker.HEADERS.items():
        assert HEADERS[code] == line.split(","), code
    assert HEADERS["en"] == maker.EN
