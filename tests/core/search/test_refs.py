"""The REF rule straight on the core: what is an id, what is a phone number, and what
`resolve_contact` does with each, on a real SQLite store (region FR)."""

from __future__ import annotations

import pytest

from crmcli.core.db.store import Store
from crmcli.core.errors import Ambiguous, Invalid, NotFound
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.search.numbers import national_number
from crmcli.core.search.refs import is_number, ref_id, resolve_contact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("#12", 12),
        (" #12 ", 12),
        ("# 12", 12),
        ("99999", 99999),  # five digits: still an id
        ("#123456", 123456),  # `#` makes any digits an id
        ("#0123", 123),
        ("123456", None),  # six digits: a number
        ("012", None),  # a leading 0: a number
        ("0", None),
        ("+12", None),
        ("12 34", None),
        ("12a", None),
        ("\u0661\u0662", None),  # other scripts' digits are no id
        ("", None),
    ],
)
def test_what_is_an_id(text: str, expected: int | None) -> None:
    assert ref_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0698765432",
        "06 98 76 54 32",
        "06.98.76.54.32",
        "06-98-76-54-32",
        "+33 6 98 76 54 32",
        "+49 (89) 123-4567",
        "(212) 555-0100",
        "212.555.0100",
        "123456",
        "012",
        "0",
        "+33 6 12 34 56 78 ext. 12",
        "+",  # a number, if a malformed one: refused as such
        "+33 six",
    ],
)
def test_what_is_a_number(text: str) -> None:
    assert is_number(text)


@pytest.mark.parametrize("text", ["12", "#12", "99999", "Anna", "0livia", "a@b.example", "#"])
def test_what_is_no_number(text: str) -> None:
    assert not is_number(text)


def test_country_codes_end_where_libphonenumber_says() -> None:
    """`national_number` splits E.164 digits with a short table of two-digit codes:
    held here against every country code the library knows."""
    import phonenumbers

    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        assert national_number(f"{code}5550100") == "5550100", code


def add(store: Store, name: str, *phones: str, email: str | None = None) -> int:
    fields = ContactFields(name=name, phones=list(phones), emails=[email] if email else None)
    return int(contacts.add(store, fields).contact["id"])


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    return {
        "pierre": add(store, "Pierre Martin", "+33 6 98 76 54 32"),
        "hans": add(store, "Hans Müller", "+49 89 1234567"),
        "sean": add(store, "Sean O'Brien", "+1 212 555 0100", email="sean@initech.example"),
    }


@pytest.mark.parametrize(
    ("ref", "who"),
    [
        ("0698765432", "pierre"),
        ("06 98 76 54 32", "pierre"),
        ("+33698765432", "pierre"),
        ("0033698765432", "pierre"),
        ("+49 89 1234567", "hans"),
        ("089 1234567", "hans"),
        ("49891234567", "hans"),  # international, the + left out
        ("(212) 555-0100", "sean"),
        ("+1 212 555 0100 ext. 7", "sean"),
    ],
)
def test_a_number_names_the_one_contact_with_it(
    store: Store, people: dict[str, int], ref: str, who: str
) -> None:
    assert resolve_contact(store, ref) == people[who]


def test_a_shared_number_is_ambiguous_and_lists_both(store: Store, people: dict[str, int]) -> None:
    paul = add(store, "Paul Martin", "06 98 76 54 32")
    with pytest.raises(Ambiguous) as caught:
        resolve_contact(store, "0698765432")
    assert [c.split()[0] for c in caught.value.candidates] == [
        f"#{people['pierre']}",
        f"#{paul}",
    ]
    assert "\n" not in caught.value.message


def test_an_id_that_is_also_a_number_is_ambiguous(store: Store, people: dict[str, int]) -> None:
    desk = add(store, "Front Desk", str(people["hans"]))  # a short number, kept as written
    with pytest.raises(Ambiguous) as caught:
        resolve_contact(store, str(people["hans"]))
    assert [c.split()[0] for c in caught.value.candidates] == [f"#{people['hans']}", f"#{desk}"]
    assert resolve_contact(store, f"#{people['hans']}") == people["hans"]


def test_a_short_number_nobody_has_as_an_id_names_its_owner(
    store: Store, people: dict[str, int]
) -> None:
    desk = add(store, "Front Desk", "4321")
    assert resolve_contact(store, "4321") == desk


def test_a_big_id_is_an_id_when_no_number_matches(store: Store, people: dict[str, int]) -> None:
    """ "123456" reads as a number; in a database that large it is an id too."""
    with store.write("a contact with a six-digit id") as tx:
        tx.execute(
            "INSERT INTO contact (id, display_name, name_key, owner, created_at, updated_at) "
            "VALUES (123456, 'Zoe Big', 'zoe big', 'me', ?, ?)",
            (tx.stamp, tx.stamp),
        )
    assert resolve_contact(store, "123456") == 123456
    assert resolve_contact(store, "#123456") == 123456


@pytest.mark.parametrize(
    ("ref", "error", "said"),
    [
        ("0698765433", NotFound, "no contact has the number 0698765433"),
        ("123456", NotFound, "no contact has the number 123456"),
        ("4242", NotFound, "no contact #4242"),
        ("#4242", NotFound, "no contact #4242"),
        ("+", Invalid, "cannot read '+' as a phone number"),
        ("+33 six", Invalid, "cannot read '+33 six' as a phone number"),
        ("9" * 25, Invalid, "as a phone number"),
        ("#" + "9" * 25, Invalid, "too large to be a contact id"),
        ("#" + "9" * 5000, Invalid, "too large to be a contact id"),
        ("", Invalid, "empty contact reference"),
    ],
)
def test_refs_that_name_nobody(
    store: Store, people: dict[str, int], ref: str, error: type[Exception], said: str
) -> None:
    with pytest.raises(error) as caught:
        resolve_contact(store, ref)
    assert said in str(caught.value)


def test_a_national_number_is_read_in_the_home_country_first(store: Store) -> None:
    """06 12 34 56 78 is French here (region FR), though +49 6123 45678 has the same
    digits after its country code."""
    german = add(store, "Klaus Wiesbaden", "+49 6123 45678")
    french = add(store, "Hélène Dupré", "+33 6 12 34 56 78")
    assert store.value("SELECT e164 FROM contact_phone WHERE contact_id = ?", (german,)) == (
        "+49612345678"
    )
    assert resolve_contact(store, "06 12 34 56 78") == french
    assert resolve_contact(store, "+49 6123 45678") == german
    assert resolve_contact(store, "0049 6123 45678") == german
