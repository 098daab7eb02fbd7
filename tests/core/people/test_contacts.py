"""Contacts and companies through the core services, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.errors import Ambiguous, Invalid, NotFound
from crmcli.core.people import companies, contacts, directory, index, merging
from crmcli.core.people.contacts import ContactFields
from crmcli.core.search.find import describe, find
from crmcli.core.search.refs import resolve_contact


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(
        str(tmp_path / "crm.db"),
        Config({"default_region": "FR", "user": "me"}, tmp_path / "c.toml"),
        write=True,
    )
    yield s
    s.close()


def add(store: Store, name: str, **kw: object) -> int:
    return int(contacts.add(store, ContactFields(name=name, **kw)).contact["id"])  # type: ignore[arg-type]


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    return {
        "helene": add(
            store,
            "Hélène Dupré",
            emails=["helene.dupre@acme.fr"],
            phones=["+33 6 12 34 56 78"],
            company="Acme",
            tags=["vip"],
        ),
        "marc": add(store, "Marc Dupree", emails=["marc@globex.com"], company="Globex"),
        "helen": add(store, "Helen Mirren", emails=["helen@films.co.uk"]),
        "jurgen": add(store, "Jürgen Müller", phones=["+49 151 12345678"], tags=["partner"]),
    }


def names(store: Store, query: str) -> list[str]:
    return [r["name"] for r in describe(store, find(store, query))]


def test_find_is_accent_and_case_insensitive(store: Store, people: dict[str, int]) -> None:
    assert names(store, "helene dupre")[0] == "Hélène Dupré"
    assert names(store, "HÉLÈNE")[0] == "Hélène Dupré"
    assert names(store, "jurgen muller") == ["Jürgen Müller"]


def test_find_partial_words(store: Store, people: dict[str, int]) -> None:
    assert names(store, "helen dup") == ["Hélène Dupré"]
    assert set(names(store, "helen")) == {"Hélène Dupré", "Helen Mirren"}
    assert names(store, "helen")[0] == "Helen Mirren"  # whole word before prefix


def test_find_tolerates_typos_without_hiding_exact_matches(
    store: Store, people: dict[str, int]
) -> None:
    assert names(store, "dupree")[0] == "Marc Dupree"
    assert names(store, "mirrne") == ["Helen Mirren"]
    assert names(store, "hellene dupre") == ["Hélène Dupré"]


def test_find_phone_in_any_format(store: Store, people: dict[str, int]) -> None:
    for query in (
        "0612345678",
        "06 12 34 56 78",
        "+33612345678",
        "+33 (0)6 12 34 56 78",
        "33612345678",
    ):
        assert names(store, query) == ["Hélène Dupré"], query
    assert names(store, "6 12 34") == ["Hélène Dupré"]  # part of a number
    assert set(names(store, "12 34 56")) == {"Hélène Dupré", "Jürgen Müller"}
    assert names(store, "07 99 99 99 99") == []
    assert names(store, "+49 151 12345678") == ["Jürgen Müller"]


def test_find_email_company_and_tag(store: Store, people: dict[str, int]) -> None:
    assert names(store, "helene.dupre@acme.fr") == ["Hélène Dupré"]
    assert names(store, "acme") == ["Hélène Dupré"]
    assert names(store, "globex") == ["Marc Dupree"]
    assert names(store, "partner") == ["Jürgen Müller"]
    assert describe(store, find(store, "jürgen"))[0]["matched"] == "name:jurgen"
    assert describe(store, find(store, "müll"))[0]["matched"] == "name:muller"


def test_the_index_holds_only_what_no_other_index_answers(store: Store) -> None:
    """Whole addresses, E.164 numbers, company names and one-word tags are found through
    their own tables; an address's digits-only words are not indexed at all (nobody
    looks a person up by the 1987 in ann.lee.1987@...): every term costs an import a row."""
    terms = dict(
        index.search_terms(
            "Ann Lee",
            ["ann.lee.1987@x.org"],
            [("06 12 34 56 78", "+33612345678")],
            ["VIP", "Key account"],
        )
    )
    assert terms == {"ann": "name", "lee": "name", "key": "tag", "account": "tag", "x.org": "email"}
    # A number that could not be read is indexed by its digits as written.
    assert index.search_terms("Bo", [], [("12-34", None)], []) == [
        ("bo", "name"),
        ("1234", "phone"),
    ]
    add(
        store,
        "Ann Lee",
        emails=["ann.lee.1987@x.org"],
        phones=["06 12 34 56 78"],
        company="Blue Ocean SAS",
        tags=["VIP", "Key account"],
    )
    assert names(store, "ann.lee") == ["Ann Lee"]  # the whole address, by its start
    assert names(store, "vip") == names(store, "vi lee") == ["Ann Lee"]  # a one-word tag
    assert names(store, "vipp") == ["Ann Lee"]  # a typo of it
    assert names(store, "accou") == ["Ann Lee"]  # a word of a longer tag
    assert names(store, "ann.lee.1987@x.org") == ["Ann Lee"]
    assert names(store, "0612345678") == ["Ann Lee"]
    assert names(store, "34 56") == ["Ann Lee"]  # a fragment of the number
    assert names(store, "ocean") == ["Ann Lee"]  # a company word, not the first
    assert names(store, "oce lee") == ["Ann Lee"]  # a prefix of it, with a name
    assert names(store, "oceen") == ["Ann Lee"]  # a typo of it
    assert names(store, "1987") == []


def test_find_skips_archived_contacts(store: Store, people: dict[str, int]) -> None:
    contacts.archive(store, people["marc"])
    assert "Marc Dupree" not in names(store, "dupree")


def test_find_rejects_empty_query(store: Store) -> None:
    with pytest.raises(Invalid):
        find(store, "   ")


def test_ref_resolution(store: Store, people: dict[str, int]) -> None:
    assert resolve_contact(store, str(people["marc"])) == people["marc"]
    assert resolve_contact(store, f"#{people['marc']}") == people["marc"]
    assert resolve_contact(store, "MARC@GLOBEX.COM") == people["marc"]
    assert resolve_contact(store, "helene dupre") == people["helene"]
    assert resolve_contact(store, "Jür") == people["jurgen"]
    with pytest.raises(Ambiguous, match="Hélène Dupré"):
        resolve_contact(store, "hel")
    with pytest.raises(NotFound, match=r"close matches: .*Marc Dupree"):
        resolve_contact(store, "marc dupreee")  # fuzzy candidates are offered, never acted on
    with pytest.raises(NotFound):
        resolve_contact(store, "999")


def test_same_name_is_ambiguous_until_id_or_email(store: Store) -> None:
    a = add(store, "Anna Smith", emails=["anna@a.com"])
    b = add(store, "Anna Smith", emails=["anna@b.com"])
    with pytest.raises(Ambiguous, match=f"#{a}.*#{b}"):
        resolve_contact(store, "anna smith")
    assert resolve_contact(store, "anna@b.com") == b


def test_add_stores_every_part(store: Store) -> None:
    out = contacts.add(
        store,
        ContactFields(
            name="Dr. Hélène Dupré",
            emails=["h@acme.fr", "helene@home.fr"],
            phones=["06 12 34 56 78", "switchboard"],
            company="Acme SAS",
            title="CFO",
            tags=["VIP", "vip", "Champion"],
            source="referral",
            status="customer",
            notes="Line one\nLine two",
            birthday="--03-14",
            urls=["https://www.linkedin.com/in/hdupre/"],
        ),
    )
    c = out.contact
    assert (c["prefix"], c["first_name"], c["last_name"]) == ("Dr.", "Hélène", "Dupré")
    assert [e["email"] for e in c["emails"]] == ["h@acme.fr", "helene@home.fr"]
    assert c["emails"][0]["is_primary"]
    assert [p["e164"] for p in c["phones"]] == ["+33612345678", None]
    assert out.warnings and "switchboard" in out.warnings[0]
    assert c["company"] == "Acme SAS" and out.created_company == "Acme SAS"
    assert c["tags"] == ["Champion", "VIP"]
    assert c["notes"] == "Line one\nLine two"
    assert c["birthday"] == "--03-14"
    assert c["urls"][0]["kind"] == "linkedin"


@pytest.mark.parametrize(
    "fields",
    [
        ContactFields(name=""),
        ContactFields(name="   "),
        ContactFields(name="🙂"),
        ContactFields(name="Ann", emails=["not-an-email"]),
        ContactFields(name="Ann", status="friend"),
        ContactFields(name="Ann", birthday="1980-02-31"),
        ContactFields(name="Ann", tags=["  "]),
        ContactFields(name="Ann", phones=[""]),
    ],
)
def test_bad_input_writes_nothing(store: Store, fields: ContactFields) -> None:
    before = store.value("SELECT count(*) FROM change_log")
    with pytest.raises(Invalid):
        contacts.add(store, fields)
    assert store.value("SELECT count(*) FROM contact") == 0
    assert store.value("SELECT count(*) FROM change_log") == before


def test_company_is_reused_by_exact_name_and_a_close_one_is_reported(store: Store) -> None:
    add(store, "Ann Lee", company="ACME sas")
    same = contacts.add(
        store, ContactFields(name="Bob Ray", company="  acme   SAS ")
    )  # case, spaces
    assert same.created_company is None and same.close_company is None
    assert store.value("SELECT count(*) FROM company") == 1
    near = contacts.add(store, ContactFields(name="Cy Doe", company="Acme"))  # close, not same
    assert near.created_company == "Acme"
    assert near.close_company is not None and near.close_company.name == "ACME sas"
    assert store.value("SELECT count(*) FROM company") == 2


def test_renamed_or_merged_company_finds_its_people_by_the_new_name(
    store: Store, people: dict[str, int]
) -> None:
    """A company's words are read from company.name_key, never stored as search terms:
    renaming or merging a company needs no reindexing of its people."""
    helene, marc = (directory.get(store, people[p])["display_name"] for p in ("helene", "marc"))
    terms_before = store.tuples("SELECT * FROM search_term ORDER BY 1, 2, 3")
    acme = companies.resolve(store, "acme")
    companies.edit(store, acme, name="Initech")
    assert names(store, "initech") == [helene]
    matched = [h["matched"] for h in describe(store, find(store, "acme"))]
    assert matched == ["email:acme.fr"]  # her address still says acme; the company no more
    merging.merge_companies(store, acme, companies.resolve(store, "globex"))
    assert sorted(names(store, "initech")) == sorted([helene, marc])
    matched = [h["matched"] for h in describe(store, find(store, "globex"))]
    assert matched == ["email:globex.com"]
    assert store.tuples("SELECT * FROM search_term ORDER BY 1, 2, 3") == terms_before


def test_edit_lists_and_scalars(store: Store, people: dict[str, int]) -> None:
    cid = people["helene"]
    contacts.edit(
        store,
        cid,
        ContactFields(
            add_tags=["Champion"], rm_tags=["VIP"], add_emails=["h2@acme.fr"], title="CFO"
        ),
    )
    c = directory.get(store, cid)
    assert c["tags"] == ["Champion"] and c["title"] == "CFO"
    assert [e["email"] for e in c["emails"]] == ["helene.dupre@acme.fr", "h2@acme.fr"]
    contacts.edit(store, cid, ContactFields(rm_emails=["HELENE.DUPRE@acme.fr"]))
    c = directory.get(store, cid)
    assert [e["email"] for e in c["emails"]] == ["h2@acme.fr"] and c["emails"][0]["is_primary"]
    contacts.edit(store, cid, ContactFields(name="Hélène Martin", company=""))
    assert names(store, "martin") == ["Hélène Martin"]
    assert (
        store.value(  # the index follows the company change
            "SELECT count(*) FROM search_term WHERE contact_id = ? AND field = 'company'", (cid,)
        )
        == 0
    )
    assert directory.get(store, cid)["version"] > 1


def test_edit_refuses_unknown_tag_and_nothing_to_change(
    store: Store, people: dict[str, int]
) -> None:
    with pytest.raises(Invalid, match="no tag"):
        contacts.edit(store, people["helene"], ContactFields(rm_tags=["nope"]))
    with pytest.raises(Invalid, match="nothing to change"):
        contacts.edit(store, people["helene"], ContactFields())
    assert directory.get(store, people["helene"])["tags"] == ["vip"]


def test_delete_removes_everything_but_keeps_it_in_the_change_log(
    store: Store, people: dict[str, int]
) -> None:
    cid = people["helene"]
    contacts.delete(store, cid)
    for table in ("contact_email", "contact_phone", "contact_tag", "search_term"):
        assert store.value(f"SELECT count(*) FROM {table} WHERE contact_id = ?", (cid,)) == 0
    deleted = store.tuples(
        "SELECT table_name FROM change_log WHERE op = 'delete' AND contact_id = ?", (cid,)
    )
    assert {t for (t,) in deleted} >= {"contact", "contact_email", "contact_phone", "contact_tag"}


def test_list_filters(store: Store, people: dict[str, int]) -> None:
    assert [r["name"] for r in directory.list_contacts(store, tag="VIP")] == ["Hélène Dupré"]
    acme = companies.resolve(store, "acme")
    assert [r["name"] for r in directory.list_contacts(store, company_id=acme)] == ["Hélène Dupré"]
    assert len(directory.list_contacts(store, limit=2)) == 2
    contacts.archive(store, people["marc"])
    assert "Marc Dupree" not in [r["name"] for r in directory.list_contacts(store)]
    assert [r["name"] for r in directory.list_contacts(store, archived=True)] == ["Marc Dupree"]


@pytest.mark.parametrize(
    ("name", "first", "last", "middle"),
    [
        ("Ann Marie Lee", "Ann", "Marie Lee", None),  # the guess said middle "Marie"
        ("Jean Pierre Paul Dupont", "Jean", None, "Pierre Paul"),
        ("María José García López", "María José", "García López", None),
        ("Dr. Ann B. Lee", "Ann", "Lee", "B."),
    ],
)
def test_given_first_and_last_names_decide_the_middle_name(
    store: Store, name: str, first: str, last: str | None, middle: str | None
) -> None:
    contact_id = add(store, name, first=first, **({"last": last} if last else {}))
    got = directory.get(store, contact_id)
    assert (got["first_name"], got["middle_name"]) == (first, middle)
    if last:
        assert got["last_name"] == last


def test_a_relation_typed_before_the_person_existed_links_when_they_are_added(
    store: Store,
) -> None:
    ann = add(store, "Ann Example", relations=["Bob Example:spouse"])
    assert directory.get(store, ann)["relations"][0]["related_id"] is None
    bob = add(store, "Bob Example")
    assert directory.get(store, ann)["relations"][0]["related_id"] == bob
    # A namesake arriving later leaves the link as it is.
    add(store, "Bob Example")
    assert directory.get(store, ann)["relations"][0]["related_id"] == bob
    # With two of that name already, a third one links nothing: who is meant is unknown.
    add(store, "Dee Example")
    add(store, "Dee Example")
    cid = add(store, "Cy Example", relations=["Dee Example:assistant"])
    add(store, "Dee Example")
    assert directory.get(store, cid)["relations"][0]["related_id"] is None
