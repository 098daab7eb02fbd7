"""Recognising each tool's export and turning its rows into records, on real-shaped files."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core.errors import Invalid
from crmcli.core.interchange import headers
from crmcli.core.interchange.contacts_csv import Mapping, apply_overrides, detect, to_record
from crmcli.core.interchange.countries import country_code
from crmcli.core.interchange.csvfile import CsvLayout, rows
from crmcli.core.interchange.csvfile import sniff as sniff_csv
from crmcli.core.interchange.deals_csv import DealRow, read_deals
from crmcli.core.interchange.headers import FIELDS, recognised_count
from crmcli.core.interchange.recognise import is_known_header
from crmcli.core.interchange.records import ContactRecord, DealRecord, Reject
from crmcli.core.values.dates import read_date

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "import" / "csv"
Item = ContactRecord | Reject


def sniff(stream: BinaryIO) -> CsvLayout:
    """`csvfile.sniff` as the importer calls it, knowing the columns of known exports."""
    return sniff_csv(stream, known=is_known_header, score=recognised_count)


def _load_maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read(
    data: bytes, *, date_order: str = "mdy", overrides: list[str] | None = None
) -> tuple[CsvLayout, Mapping, list[Item]]:
    stream = io.BytesIO(data)
    layout = sniff(stream)
    mapping = detect(layout.header, delimiter=layout.delimiter, date_order=date_order)
    if overrides:
        mapping = apply_overrides(mapping, overrides)
    items: list[Item] = []
    for line, cells in rows(stream, layout):
        item = to_record(line, cells, mapping, ncols=len(layout.header))
        if item is not None:
            items.append(item)
    return layout, mapping, items


def _fixture(
    name: str, *, date_order: str = "mdy", overrides: list[str] | None = None
) -> tuple[CsvLayout, Mapping, list[Item]]:
    return _read((FIXTURES / name).read_bytes(), date_order=date_order, overrides=overrides)


def _records(items: list[Item]) -> list[ContactRecord]:
    assert all(isinstance(item, ContactRecord) for item in items), items
    return [item for item in items if isinstance(item, ContactRecord)]


def _mapped(mapping: Mapping) -> dict[str, str | None]:
    return dict(mapping.columns)


def _csv(rows_: list[list[str]], delimiter: str = ",") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows_)
    return out.getvalue().encode()


def test_committed_fixtures_are_what_the_script_writes() -> None:
    maker = _load_maker()
    builders: dict[str, Callable[[], bytes]] = maker.FIXTURES
    for name, build in builders.items():
        assert (FIXTURES / name).read_bytes() == build(), f"{name}: run make_fixtures.py"


# -- detection -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "source", "order"),
    [
        ("google.csv", "google", "ymd"),
        ("outlook.csv", "outlook", "mdy"),
        ("Connections.csv", "linkedin", "ymd"),
        ("hubspot.csv", "hubspot", "ymd"),
        ("french.csv", "spreadsheet", "dmy"),
        ("tabs.tsv", "spreadsheet", "mdy"),
        ("ragged.csv", "spreadsheet", "mdy"),
    ],
)
def test_each_export_is_recognised(name: str, source: str, order: str) -> None:
    _, mapping, _ = _fixture(name)
    assert (mapping.source, mapping.date_order) == (source, order)


def test_google_mapping() -> None:
    _, mapping, _ = _fixture("google.csv")
    got = _mapped(mapping)
    assert got["First Name"] == "first"
    assert got["Name Prefix"] == "prefix"
    assert got["Labels"] == "tags"
    assert got["E-mail 1 - Value"] == "email"
    assert got["E-mail 1 - Label"] == "ignore"  # its values label the E-mail 1 column
    assert got["Phone 2 - Value"] == "phone"
    assert got["Address 1 - Country"] == "country"
    assert got["Address 1 - Formatted"] == "address"
    assert got["Organization Name"] == "company"
    assert got["Organization Title"] == "title"
    assert got["Website 1 - Value"] == "url"
    assert got["Nickname"] == "nickname"  # a field since schema v6
    assert got["Phonetic Last Name"] is None
    assert got["Photo"] == "ignore"


def test_old_google_export_is_recognised() -> None:
    header = (
        "Name,Given Name,Additional Name,Family Name,Name Prefix,Birthday,Notes,"
        "Group Membership,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,"
        "Organization 1 - Name,Organization 1 - Title"
    ).split(",")
    row = [
        "Ann Lee", "Ann", "", "Lee", "", "1990-07-01", "", "* My Contacts ::: Golf",
        "* Home", "ann@example.com", "Mobile", "+44 7700 900123", "Lee & Co", "Owner",
    ]  # fmt: skip
    _, mapping, items = _read(_csv([header, row]))
    assert mapping.source == "google"
    assert _mapped(mapping)["Name"] == "full_name"
    assert _mapped(mapping)["Group Membership"] == "tags"
    assert _mapped(mapping)["Organization 1 - Title"] == "title"
    (record,) = _records(items)
    assert (record.full_name, record.first, record.last) == ("Ann Lee", "Ann", "Lee")
    assert record.emails == [("ann@example.com", "home")]
    assert record.phones == [("+44 7700 900123", "mobile")]
    assert record.tags == ["Golf"]
    assert (record.company, record.title, record.birthday) == ("Lee & Co", "Owner", "1990-07-01")


def test_outlook_mapping() -> None:
    _, mapping, _ = _fixture("outlook.csv")
    got = _mapped(mapping)
    assert got["Title"] == "prefix"  # Outlook's Title is "Mr.", not a job title
    assert got["Job Title"] == "title"
    assert got["Business Phone"] == "phone:work"
    assert got["Mobile Phone"] == "phone:mobile"
    assert got["Home Phone"] == "phone:home"
    assert got["E-mail 2 Address"] == "email"
    assert got["Business Country/Region"] == "country:work"
    assert got["Categories"] == "tags"
    assert got["Web Page"] == "url"
    assert got["Department"] is None
    assert got["Sensitivity"] == "ignore"


def test_linkedin_mapping() -> None:
    _, mapping, _ = _fixture("Connections.csv")
    assert mapping.columns == [
        ("First Name", "first"),
        ("Last Name", "last"),
        ("URL", "linkedin"),
        ("Email Address", "email"),
        ("Company", "company"),
        ("Position", "title"),
        ("Connected On", None),
    ]


def test_hubspot_mapping() -> None:
    _, mapping, _ = _fixture("hubspot.csv")
    got = _mapped(mapping)
    assert got["Record ID"] == "external_id:hubspot"
    assert got["Lifecycle Stage"] == "status"
    assert got["Mobile Phone Number"] == "phone:mobile"
    assert got["Country/Region"] == "country"
    assert got["Lead Status"] is None
    assert got["Contact owner"] is None
    assert got["Create Date"] is None


def test_french_spreadsheet_mapping() -> None:
    _, mapping, _ = _fixture("french.csv")
    assert mapping.columns == [
        ("Civilité", "prefix"),
        ("Prénom", "first"),
        ("Nom", "last"),
        ("Société", "company"),
        ("Fonction", "title"),
        ("Courriel", "email"),
        ("Téléphone", "phone"),
        ("Portable", "phone:mobile"),
        ("Date de naissance", "birthday"),
        ("Ville", "city"),
        ("Pays", "country"),
        ("Montant", None),
        ("Commentaires", "notes"),
        ("Étiquettes", "tags"),
    ]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-MAIL", "email"),
        ("e_mail", "email"),
        ("Mail", "email"),
        ("Adresse e-mail", "email"),
        ("COURRIEL", "email"),
        ("Full name", "full_name"),
        ("Nom complet", "full_name"),
        ("prenom", "first"),
        ("First-Name", "first"),
        ("Surname", "last"),
        ("Tel.", "phone"),
        ("Téléphone", "phone"),
        ("Mobile", "phone:mobile"),
        ("Portable", "phone:mobile"),
        ("Organisation", "company"),
        ("Organization", "company"),
        ("Entreprise", "company"),
        ("Société", "company"),
        ("Job title", "title"),
        ("Position", "title"),
        ("Poste", "title"),
        ("Commentaire", "notes"),
        ("Remarques", "notes"),
        ("Labels", "tags"),
        ("Étiquettes", "tags"),
        ("Date of birth", "birthday"),
        ("DATE DE NAISSANCE", "birthday"),
        ("Pays", "country"),
        ("Ville", "city"),
        ("Site web", "url"),
        ("Website", "url"),
        ("LinkedIn", "linkedin"),
        ("Code postal", "postcode"),
        ("Email 2", "email"),
        ("Favourite colour", None),
    ],
)
def test_spreadsheet_synonyms(header: str, field: str | None) -> None:
    mapping = detect(["Nom", "Prénom", header], delimiter=",", date_order="mdy")
    assert mapping.columns[2] == (header, field)


def test_a_lone_name_column_is_the_whole_name() -> None:
    alone = detect(["Nom", "Email"], delimiter=";", date_order="dmy")
    assert alone.columns[0] == ("Nom", "full_name")
    beside = detect(["Name", "First name", "Email"], delimiter=",", date_order="mdy")
    assert beside.columns[0] == ("Name", "last")
    english = detect(["Name", "Email"], delimiter=",", date_order="mdy")
    assert english.columns[0] == ("Name", "full_name")


def test_date_order_follows_the_file_for_spreadsheets() -> None:
    assert detect(["Name", "Email"], delimiter=",", date_order="mdy").date_order == "mdy"
    assert detect(["Name", "Email"], delimiter=",", date_order="dmy").date_order == "dmy"
    assert detect(["Name", "Email"], delimiter=";", date_order="mdy").date_order == "dmy"
    assert detect(["Prénom", "Courriel"], delimiter=",", date_order="mdy").date_order == "dmy"
    with pytest.raises(Invalid, match="date order"):
        detect(["Name"], delimiter=",", date_order="ydm")


# -- records, per fixture ------------------------------------------------------------------


def test_google_records() -> None:
    _, _, items = _fixture("google.csv")
    helene, leila, hanako = _records(items)
    assert helene == ContactRecord(
        line=2,
        prefix="Dr.",
        first="Hélène",
        last="Dupré",
        emails=[
            ("helene.dupre@example.fr", "work"),
            ("h.dupre@example.com", "work"),
            ("helene@example.org", "home"),
        ],
        phones=[("+33 6 12 34 56 78", "mobile"), ("+33 1 23 45 67 89", "work")],
        urls=[("https://www.linkedin.com/in/helene-dupre-example", "profile")],
        company="Atelier Nord",
        title="Directrice technique",
        notes="Rencontrée au salon.",
        tags=["VIP", "Clients"],
        birthday="1985-03-14",
        addresses=[
            {
                "formatted": "12 rue des Lilas\n75011 Paris\nFrance",
                "street": "12 rue des Lilas",
                "city": "Paris",
                "postcode": "75011",
                "country": "France",
                "label": "work",
            }
        ],
        country="FR",
    )
    assert leila == ContactRecord(
        line=5,
        first="ليلى",
        last="حداد",
        emails=[("leila.haddad@example.com", "home")],
        notes="Café à Beyrouth ☕\r\nA rappeler en mars 🙂\r\n\r\nاتصل بها",
        tags=["Amis"],
        birthday="--03-14",
        addresses=[{"country": "Lebanon"}],
        country="LB",
        nickname="Lili",  # a field since schema v6
    )
    assert hanako.line == 9
    assert (hanako.first, hanako.last, hanako.company) == ("花子", "山田", "山田商事")
    assert hanako.tags == []  # "* myContacts" is Google's, not the user's
    assert hanako.country == "JP"
    assert hanako.custom == {"Phonetic First Name": "はなこ", "Phonetic Last Name": "やまだ"}


def test_outlook_records() -> None:
    _, _, items = _fixture("outlook.csv")
    noel, zoe, walter = _records(items)
    assert noel == ContactRecord(
        line=2,
        prefix="M.",
        first="Noël",
        last="Cœur",
        emails=[("noel.coeur@example.fr", None)],
        phones=[("+33 5 56 00 00 01", "work"), ("+33 6 98 76 54 32", "mobile")],
        urls=[("https://example.fr/oenologie", None)],
        company="Œnologie & Fils",
        title="Sommelier",
        notes="Budget 5 000 € – l’équipe “achats” valide. Œuvre de l’œil.",
        tags=["Clients", "VIP"],
        birthday="1985-03-14",
        addresses=[
            {
                "street": "3 quai des Chartrons",
                "city": "Bordeaux",
                "postcode": "33000",
                "country": "France",
                "label": "work",
            }
        ],
        country="FR",
        custom={"Department": "Achats", "Initials": "N.C."},
    )
    # "0/0/00" is Outlook's empty date; "Unspecified" its empty gender.
    assert (zoe.birthday, zoe.birthday_raw, zoe.issues, zoe.custom) == (None, None, [], {})
    assert zoe.emails == [("zoe.marchand@example.com", None), ("zoe@example.org", None)]
    assert zoe.addresses == [{"city": "Lyon", "country": "France", "label": "home"}]
    assert (walter.prefix, walter.middle, walter.last, walter.suffix) == (
        "Mr.",
        "J.",
        "O’Hara",
        "Jr.",
    )
    assert walter.birthday == "1970-12-31"
    assert walter.country == "US"


def test_linkedin_records() -> None:
    _, _, items = _fixture("Connections.csv")
    camille, ravi = _records(items)
    assert camille == ContactRecord(
        line=5,
        first="Camille",
        last="Lefèvre",
        emails=[("camille.lefevre@example.fr", None)],
        urls=[("https://www.linkedin.com/in/camille-lefevre-example", "linkedin")],
        company="Studio Lefèvre, Paris",
        title="Fondatrice",
        custom={"Connected On": "14 Mar 2023"},
    )
    assert ravi.line == 6
    assert ravi.emails == []
    assert ravi.urls == [("https://www.linkedin.com/in/ravi-iyer-example", "linkedin")]


def test_hubspot_records() -> None:
    _, _, items = _fixture("hubspot.csv")
    records = _records(items)
    assert [r.status for r in records] == ["customer", "prospect", "lead", None, "customer"]
    assert [r.external_ids for r in records][:2] == [{"hubspot": "51"}, {"hubspot": "52"}]
    assert [r.country for r in records] == ["BR", "DE", "US", "NG", "GB"]
    olu = records[3]
    assert olu.custom == {"Lifecycle Stage": "Other", "Create Date": "2023-04-20 10:15"}
    assert records[1].phones == [("+49 151 5555 0102", "mobile")]
    assert records[0].custom["Contact owner"] == "Sam Rep"


def test_french_records() -> None:
    _, _, items = _fixture("french.csv")
    elodie, theo, amelie = _records(items)
    assert elodie == ContactRecord(
        line=2,
        prefix="Mme",
        first="Élodie",
        last="Rousseau",
        emails=[("elodie.rousseau@example.fr", None)],
        phones=[("01 23 45 67 89", None), ("06 12 34 56 78", "mobile")],
        company="Boulangerie Rousseau",
        title="Gérante",
        notes="Rappeler lundi; envoyer le devis\r\nPriorité : haute",
        tags=["client", "boulangerie"],
        birthday="1985-12-31",
        addresses=[{"city": "Nantes", "country": "France"}],
        country="FR",
        custom={"Montant": "1\u00a0250,00\u00a0€"},
    )
    assert theo.line == 4  # the quoted comment above spans two lines
    assert (theo.birthday, theo.birthday_raw) == (None, "31/02/1980")
    assert theo.issues == ["Date de naissance: '31/02/1980' is not a real date"]
    assert theo.country == "BE"
    assert amelie.emails == [("amelie.faure@example.fr", None), ("a.faure@example.com", None)]
    assert amelie.birthday == "1990-04-01"  # day-first
    assert amelie.notes == "Cœur d’artichaut “VIP”"
    assert amelie.country == "CH"


def test_tab_separated_records() -> None:
    _, _, items = _fixture("tabs.tsv")
    dana, lee, sam = _records(items)
    assert (dana.full_name, dana.company, dana.notes) == (
        "Dana Whitfield",
        "Whitfield, Inc.",
        "a; b, c",
    )
    assert dana.phones == [("+1 202 555 0143", None)]
    assert lee.notes == 'tab\there, "quoted"'
    assert (sam.line, sam.notes, sam.emails) == (4, "line one\nline two", [])


def test_ragged_rows() -> None:
    _, _, items = _fixture("ragged.csv")
    assert [(type(i).__name__, i.line) for i in items] == [
        ("ContactRecord", 2),
        ("ContactRecord", 3),
        ("Reject", 6),
        ("Reject", 7),
        ("ContactRecord", 8),
    ]
    too_many, no_one = items[2], items[3]
    assert isinstance(too_many, Reject) and isinstance(no_one, Reject)
    assert too_many.reason == "5 cells but the header has 4"
    assert too_many.cells == [
        "Cleo Dunn",
        "cleo@example.com",
        "+44 20 7946 0002",
        "Dunn & Co",
        "unexpected",
    ]
    assert no_one.reason == "no name, email, phone or profile URL"
    ben = items[1]
    assert isinstance(ben, ContactRecord)
    assert (ben.full_name, ben.emails, ben.phones, ben.company) == (
        "Ben Carter",
        [("ben@example.com", None)],
        [],
        None,
    )


def test_header_only_file_has_no_records() -> None:
    _, mapping, items = _fixture("header_only.csv")
    assert items == []
    assert mapping.columns == [("First Name", "first"), ("Last Name", "last"), ("Email", "email")]


# -- to_record details ---------------------------------------------------------------------


def _one(header: list[str], row: list[str], *, source_order: str = "mdy") -> Item:
    mapping = detect(header, delimiter=",", date_order=source_order)
    item = to_record(7, row, mapping, ncols=len(header))
    assert item is not None
    return item


def test_empty_rows_are_none_and_trailing_empty_cells_are_harmless() -> None:
    mapping = detect(["Name", "Email"], delimiter=",", date_order="mdy")
    assert to_record(3, [], mapping, ncols=2) is None
    assert to_record(3, ["", "  "], mapping, ncols=2) is None
    item = to_record(3, ["Ann", "a@example.com", "", " "], mapping, ncols=2)
    assert isinstance(item, ContactRecord)
    assert item.full_name == "Ann"


def test_values_are_trimmed_but_kept_exactly_inside() -> None:
    header = ["Name", "Notes", "Company"]
    item = _one(header, ["  مريم 🙂 王  ", " line 1\n\n  line 2 \t", "\u00a0ACME  Corp\u00a0"])
    assert isinstance(item, ContactRecord)
    assert item.full_name == "مريم 🙂 王"
    assert item.notes == "line 1\n\n  line 2"
    assert item.company == "ACME  Corp"


def test_several_emails_and_phones_in_one_cell() -> None:
    header = ["Name", "Email", "Phone"]
    item = _one(
        header, ["Ann", "a@example.com; b@example.org", "+33 6 12 34 56 78, 01 23 45 67 89"]
    )
    assert isinstance(item, ContactRecord)
    assert item.emails == [("a@example.com", None), ("b@example.org", None)]
    assert item.phones == [("+33 6 12 34 56 78", None), ("01 23 45 67 89", None)]
    # Split only when every piece looks like one: otherwise the cell is kept whole.
    kept = _one(header, ["Ann", "a@example.com, ask Bob", "+33 6 12 34 56 78; ext. sales"])
    assert isinstance(kept, ContactRecord)
    assert kept.emails == [("a@example.com, ask Bob", None)]
    assert kept.phones == [("+33 6 12 34 56 78; ext. sales", None)]


def test_excel_leading_zero_tricks_are_undone() -> None:
    item = _one(["Name", "Phone", "Mobile"], ["Ann", '="0612345678"', "'0698765432"])
    assert isinstance(item, ContactRecord)
    assert item.phones == [("0612345678", None), ("0698765432", "mobile")]


def test_a_profile_url_alone_identifies_a_person() -> None:
    item = _one(["LinkedIn", "Company"], ["https://www.linkedin.com/in/x-example", "Acme"])
    assert isinstance(item, ContactRecord)
    assert item.urls == [("https://www.linkedin.com/in/x-example", "linkedin")]
    reject = _one(["Company", "Notes"], ["Acme", "no one here"])
    assert reject == Reject(7, "no name, email, phone or profile URL", ["Acme", "no one here"])


def test_spreadsheet_status_and_unknown_status() -> None:
    item = _one(["Name", "Status"], ["Ann", "Client"])
    assert isinstance(item, ContactRecord) and item.status == "customer"
    odd = _one(["Name", "Statut"], ["Ann", "À relancer"])
    assert isinstance(odd, ContactRecord)
    assert (odd.status, odd.custom) == (None, {"Statut": "À relancer"})


def test_birthday_conventions_and_issues() -> None:
    header = ["Name", "Birthday"]
    cases = {
        "1985-03-14": ("1985-03-14", None),
        "--03-14": ("--03-14", None),
        "03-14": ("--03-14", None),
        "3/14/1985": ("1985-03-14", None),
        "March 14": ("--03-14", None),
        "1604-03-14": ("--03-14", None),
        "0000-03-14": ("--03-14", None),
        "2/30/1985": (None, "2/30/1985"),
        "soon": (None, "soon"),
    }
    for raw, (birthday, kept) in cases.items():
        item = _one(header, ["Ann", raw])
        assert isinstance(item, ContactRecord)
        assert (item.birthday, item.birthday_raw) == (birthday, kept), raw
        assert bool(item.issues) == (kept is not None)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("1985-03-14", "dmy", "1985-03-14"),
        ("1985-03-14T00:00:00Z", "mdy", "1985-03-14"),
        ("1985-03-14 00:00", "ymd", "1985-03-14"),
        ("1985/3/4", "dmy", "1985-03-04"),
        ("14/03/1985", "dmy", "1985-03-14"),
        ("14.03.1985", "dmy", "1985-03-14"),
        ("03/04/1985", "dmy", "1985-04-03"),
        ("03/04/1985", "mdy", "1985-03-04"),
        ("14/03/1985", "ymd", "1985-03-14"),  # unambiguous, whatever the order
        ("3/14/85", "mdy", "1985-03-14"),
        ("3/14/07", "mdy", "2007-03-14"),
        ("14/03", "dmy", "--03-14"),
        ("3/14", "mdy", "--03-14"),
        ("--03-14", "dmy", "--03-14"),
        ("03-14", "dmy", "--03-14"),
        ("14-03", "dmy", "--03-14"),
        ("14 mars 1985", "mdy", "1985-03-14"),
        ("1er février 1990", "dmy", "1990-02-01"),
        ("14 Mar 2023", "dmy", "2023-03-14"),
        ("March 14, 1985", "dmy", "1985-03-14"),
        ("Thursday, March 14, 1985", "dmy", "1985-03-14"),
        ("March 14", "dmy", "--03-14"),
        ("29 février", "dmy", "--02-29"),
        ("14. März 1985", "dmy", "1985-03-14"),
        ("1604-02-29", "dmy", "--02-29"),
        ("0000-12-25", "dmy", "--12-25"),
    ],
)
def test_read_date(text: str, order: str, expected: str) -> None:
    assert read_date(text, order, 26) == (expected, None)


@pytest.mark.parametrize(
    ("text", "order", "why"),
    [
        ("31/02/1980", "dmy", "is not a real date"),
        ("2/30/1985", "mdy", "is not a real date"),
        ("29/02/1985", "dmy", "is not a real date"),
        ("03/04/1985", "ymd", "could be day-first or month-first"),
        ("13/13/1985", "dmy", "is not a real date"),
        ("sometime in May", "dmy", "is not a date we can read"),
        ("1985", "dmy", "is not a date we can read"),
        ("31120", "dmy", "is not a date we can read"),
    ],
)
def test_read_date_refuses(text: str, order: str, why: str) -> None:
    assert read_date(text, order, 26) == (None, why)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("France", "FR"),
        ("FR", "FR"),
        ("fra", "FR"),
        ("United States", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("États-Unis", "US"),
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("Royaume-Uni", "GB"),
        ("UK", "GB"),
        ("England", "GB"),
        ("Suisse", "CH"),
        ("België", "BE"),
        ("Côte d'Ivoire", "CI"),
        ("日本", "JP"),
        ("  espagne ", "ES"),
        ("Narnia", None),
        ("", None),
    ],
)
def test_country_code(text: str, code: str | None) -> None:
    assert country_code(text) == code


def test_changing_the_date_order_after_use_takes_effect() -> None:
    mapping = detect(["Name", "Birthday"], delimiter=",", date_order="mdy")
    first = to_record(2, ["Ann", "03/04/1985"], mapping, ncols=2)
    assert isinstance(first, ContactRecord) and first.birthday == "1985-03-04"
    mapping.date_order = "dmy"
    again = to_record(3, ["Ann", "03/04/1985"], mapping, ncols=2)
    assert isinstance(again, ContactRecord) and again.birthday == "1985-04-03"


def test_duplicate_and_blank_headers_keep_every_custom_value() -> None:
    header = ["Name", "Code", "Code", ""]
    item = _one(header, ["Ann", "A", "B", "C"])
    assert isinstance(item, ContactRecord)
    assert item.custom == {"Code": "A", "Code (2)": "B", "column 4": "C"}


# -- overrides -----------------------------------------------------------------------------


def test_overrides() -> None:
    _, mapping, items = _fixture(
        "french.csv", overrides=["montant=notes", "Téléphone=phone:work", "Fonction=custom"]
    )
    got = _mapped(mapping)
    assert (got["Montant"], got["Téléphone"], got["Fonction"]) == ("notes", "phone:work", None)
    elodie = _records(items)[0]
    assert (
        elodie.notes
        == "1\u00a0250,00\u00a0€\n\nRappeler lundi; envoyer le devis\r\nPriorité : haute"
    )
    assert elodie.phones[0] == ("01 23 45 67 89", "work")
    assert elodie.custom == {"Fonction": "Gérante"}
    assert elodie.title is None


def test_override_google_label_column_to_custom_drops_the_label() -> None:
    _, mapping, items = _fixture("google.csv", overrides=["E-mail 2 - Label=custom"])
    assert _mapped(mapping)["E-mail 2 - Label"] is None
    helene = _records(items)[0]
    assert helene.emails[-1] == ("helene@example.org", None)
    assert helene.custom["E-mail 2 - Label"] == "Home"


def test_override_to_external_id_and_ignore() -> None:
    header = ["Name", "ID", "Secret"]
    mapping = apply_overrides(
        detect(header, delimiter=",", date_order="mdy"), ["id=external_id:erp", "SECRET=ignore"]
    )
    item = to_record(2, ["Ann", "E-42", "xyz"], mapping, ncols=3)
    assert isinstance(item, ContactRecord)
    assert (item.external_ids, item.custom) == ({"erp": "E-42"}, {})


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("Email=colour", "unknown field 'colour'"),
        ("Email=email:", "unknown field"),
        ("Nope=email", "no column 'Nope'"),
        ("Email", "HEADER=FIELD"),
        ("=email", "HEADER=FIELD"),
    ],
)
def test_bad_overrides_are_invalid(override: str, message: str) -> None:
    mapping = detect(["Name", "Email"], delimiter=",", date_order="mdy")
    with pytest.raises(Invalid, match=message) as err:
        apply_overrides(mapping, [override])
    if "unknown field" in message:
        assert "full_name" in err.value.message and "custom" in err.value.message
    if "no column" in message:
        assert "'Email'" in err.value.message


def test_fields_cover_the_documented_names() -> None:
    for name in (
        "full_name first middle last prefix suffix email email:work phone phone:mobile "
        "phone:work phone:home company title notes tags birthday url linkedin street city "
        "region postcode country lead_source status external_id:hubspot ignore"
    ).split():
        assert name in FIELDS
    assert headers.check_field("Email:Perso") == "email:perso"
    assert headers.check_field("external_id:salesforce") == "external_id:salesforce"
    assert headers.check_field("colour") is None


# -- deals ---------------------------------------------------------------------------------


def test_pipedrive_deals() -> None:
    with (FIXTURES / "pipedrive_deals.csv").open("rb") as f:
        layout, columns, items = read_deals(f, encoding=None, overrides=[], date_order="dmy")
        found = list(items)
    assert layout.header_line == 1
    got = dict(columns)
    assert got["Deal - Title"] == "title"
    assert got["Deal - Value"] == "amount"
    assert got["Deal - Expected close date"] == "expected_close"
    assert got["Person - Email"] == "contact_email"
    assert got["Deal - ID"] == "external_id:pipedrive"
    first, second, no_title, bad_date = found
    assert first == DealRow(
        line=2,
        title="Atelier Nord – refonte",
        contact_name="Hélène Dupré",
        contact_email="helene.dupre@example.fr",
        company="Atelier Nord",
        amount="12500",
        currency="EUR",
        stage="Proposal made",
        expected_close="2024-06-30",
        status="open",
        custom={"Deal - Next activity date": "2024-05-02", "Deal - Owner": "Sam Rep"},
        external_ids={"pipedrive": "101"},
        source="pipedrive",
    )
    assert isinstance(second, DealRecord)
    assert (second.amount, second.status) == ("1\u00a0250\u00a0000,00\u00a0€", "won")
    assert isinstance(no_title, Reject) and (no_title.line, no_title.reason) == (4, "no title")
    assert isinstance(bad_date, DealRecord)
    assert (bad_date.expected_close, bad_date.expected_close_raw) == (None, "2024-02-30")
    assert bad_date.issues == ["Deal - Expected close date: '2024-02-30' is not a real date"]
    assert (bad_date.status, bad_date.lost_reason) == ("lost", "Went with a competitor")


def test_amounts_stay_text_for_money() -> None:
    from crmcli.core.values.money import parse_amount

    with (FIXTURES / "pipedrive_deals.csv").open("rb") as f:
        _, _, items = read_deals(f, encoding=None, overrides=[], date_order="dmy")
        deals = [d for d in items if isinstance(d, DealRecord)]
    assert parse_amount(deals[1].amount or "", deals[1].currency or "EUR") == (125_000_000, "EUR")


def test_french_deals_sheet_reads_day_first() -> None:
    data = (
        "Affaire;Montant;Devise;Étape;Date de clôture;Contact;Société;Statut;Prochaine étape\r\n"
        "Refonte site;12 500,00;EUR;Devis envoyé;05/03/2025;Élodie Rousseau;Rousseau;Gagné;"
        "Facturer\r\n"
        ";100;EUR;;;;;;\r\n"
        "Audit;3 000;EUR;Qualifié;;;;Perdu;;de trop\r\n"
    ).encode("cp1252")
    layout, columns, items = read_deals(
        io.BytesIO(data), encoding=None, overrides=["Prochaine étape=custom"], date_order="mdy"
    )
    found = list(items)
    assert layout.delimiter == ";"
    assert dict(columns)["Prochaine étape"] is None
    deal = found[0]
    assert isinstance(deal, DealRecord)
    assert (deal.title, deal.amount, deal.expected_close, deal.status) == (
        "Refonte site",
        "12 500,00",
        "2025-03-05",
        "won",
    )
    assert (deal.contact_name, deal.company, deal.stage) == (
        "Élodie Rousseau",
        "Rousseau",
        "Devis envoyé",
    )
    assert deal.custom == {"Prochaine étape": "Facturer"}
    assert found[1] == Reject(3, "no title", ["", "100", "EUR", "", "", "", "", "", ""])
    assert isinstance(found[2], Reject) and found[2].reason == "10 cells but the header has 9"


def test_deal_overrides_are_checked() -> None:
    with pytest.raises(Invalid, match="unknown field 'amount_eur'") as err:
        read_deals(
            (FIXTURES / "pipedrive_deals.csv").open("rb"),
            encoding=None,
            overrides=["Deal - Value=amount_eur"],
            date_order="dmy",
        )
    assert "expected_close" in err.value.message


# -- streaming and robustness --------------------------------------------------------------


def _write_people(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Name", "Email", "Birthday", "Country", "Notes"])
        for i in range(count):
            # Every value unique per row, so anything kept per row (a list, an unbounded
            # cache) would show as growth.
            writer.writerow(
                [
                    f"Person Nº{i}",
                    f"p{i}@example.com",
                    f"{1 + i % 12}/{1 + i % 28}/{1900 + i % 120}",
                    "France" if i % 2 else "Deutschland",
                    f"note {i}",
                ]
            )


def _peaks_while_reading(path: Path) -> tuple[int, int]:
    """Peak traced memory of sniff (one 1 MiB chunk at a time), then of streaming the rows."""
    tracemalloc.start()
    try:
        count = 0
        with path.open("rb") as f:
            layout = sniff(f)
            sniffing = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            mapping = detect(layout.header, delimiter=layout.delimiter, date_order="mdy")
            for line, cells in rows(f, layout):
                item = to_record(line, cells, mapping, ncols=len(layout.header))
                count += isinstance(item, ContactRecord)
        streaming = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count > 0
    return sniffing, streaming


@pytest.mark.slow
def test_memory_stays_flat_however_long_the_file(tmp_path: Path) -> None:
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    _write_people(small, 4_000)
    _write_people(large, 40_000)  # 1.6 MB: more than one sniffing chunk
    _, baseline = _peaks_while_reading(small)
    sniffing, streaming = _peaks_while_reading(large)
    assert sniffing < 4 * 1024 * 1024, f"sniff peak {sniffing / 2**20:.1f} MiB"
    assert streaming < 2 * 1024 * 1024, f"streaming peak {streaming / 2**20:.1f} MiB"
    assert streaming - baseline < 256 * 1024, f"grew {(streaming - baseline) / 1024:.0f} KiB"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.binary(max_size=800), order=st.sampled_from(["dmy", "mdy"]))
def test_arbitrary_bytes_give_records_rejects_or_invalid(data: bytes, order: str) -> None:
    with contextlib.suppress(Invalid):
        _read(data, date_order=order)
    with contextlib.suppress(Invalid):
        _, _, items = read_deals(io.BytesIO(data), encoding=None, overrides=[], date_order=order)
        list(items)


_TEXTY = st.sampled_from(
    [",", ";", "\t", '"', "\r\n", "\n", " ::: ", "@", "/", "-", "1", "12", "1985", "Name", "Email",
     "Phone", "Birthday", "Pays", "France", "* Work", "E-mail 1 - Value", "E-mail 1 - Label",
     "Labels", "Record ID", "Lifecycle Stage", "First Name", "0/0/00", "é", "🙂", "ليلى"]
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(parts=st.lists(_TEXTY, max_size=80), encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]))
def test_csv_like_text_gives_records_rejects_or_invalid(parts: list[str], encoding: str) -> None:
    data = "".join(parts).encode(encoding, "replace")
    try:
        _, _, items = _read(data)
    except Invalid:
        return
    for item in items:
        assert isinstance(item, ContactRecord | Reject)
