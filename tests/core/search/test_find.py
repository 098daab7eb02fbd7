"""`find` straight on the store: company words come from the company, never stale index rows."""

from __future__ import annotations

from crmcli.core.db.store import Store
from crmcli.core.people import companies, contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.search.find import find


def test_a_renamed_company_is_found_by_its_new_name_only(store: Store) -> None:
    """A database indexed before company words left `search_term` still holds such rows;
    renaming the company used to rewrite them, now `find` ignores them."""
    outcome = contacts.add(store, ContactFields(name="Ann Lee", company="Globex"))
    ann = outcome.contact["id"]
    with store.write("an index row as older versions wrote it") as tx:
        tx.execute(
            "INSERT INTO search_term (term, contact_id, field) VALUES ('globex', ?, 'company')",
            (ann,),
        )
    company_id = store.value("SELECT company_id FROM contact WHERE id = ?", (ann,))

    assert [hit.contact_id for hit in find(store, "globex")] == [ann]
    companies.edit(store, int(company_id), name="Initech")

    assert [hit.contact_id for hit in find(store, "initech")] == [ann]
    assert find(store, "globex") == []
    assert find(store, "globx") == []  # nor through the typo pass
