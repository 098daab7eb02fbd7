"""Saved views: kept as text, compiled when used, one undo batch each, yours alone.

On the seeded book of conftest.py (SQLite and PostgreSQL). The book is shared by the
module's tests, so each test removes the views it saves.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.people import directory
from crmcli.core.query import views
from crmcli.core.query.parse import QueryError
from crmcli.core.undo import undo

from .conftest import Book


@pytest.fixture
def store(book: Book) -> Iterator[Store]:
    """The book's store, with no view left behind by a test (undone changes included)."""
    yield book.store
    with book.store.write("test cleanup") as tx:
        tx.execute("DELETE FROM saved_view")


def names(store: Store, where: tuple[str, list[object]] | None) -> list[str]:
    """The names `crm contact list` lists with `where`, sorted as text."""
    return sorted(str(r["name"]) for r in directory.list_contacts(store, where=where))


def rows(store: Store) -> list[tuple[object, ...]]:
    return store.tuples("SELECT id, name, entity, query, owner FROM saved_view ORDER BY id")


def test_a_saved_view_is_listed_found_and_filters(store: Store) -> None:
    view, replaced = views.save(store, "  Clients   VIP ", " tag:vip status:customer ")
    assert not replaced
    assert (view["name"], view["list"], view["query"]) == (
        "Clients VIP",
        "contacts",
        "tag:vip status:customer",
    )
    assert rows(store) == [(view["id"], "Clients VIP", "contacts", "tag:vip status:customer", "me")]
    assert views.get(store, "clients vip")["id"] == view["id"]  # case and spaces ignored
    assert views.find(store, "CLIENTS VÎP") is not None  # accents too
    assert [v["name"] for v in views.list_views(store)] == ["Clients VIP"]
    assert names(store, views.where(store, "contacts", view="clients vip")) == ["Hélène Dupré"]


def test_views_are_listed_by_name_and_by_list(store: Store) -> None:
    views.save(store, "zeta", "tag:gold")
    views.save(store, "Alpha", "amount:>10k", "deals")
    views.save(store, "mid", "due:<today", "followups")
    assert [v["name"] for v in views.list_views(store)] == ["Alpha", "mid", "zeta"]
    assert [v["name"] for v in views.list_views(store, "deals")] == ["Alpha"]


def test_a_view_keeps_its_text_and_reads_dates_the_day_it_is_used(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    views.save(store, "recent", "touched:<7d")
    assert names(store, views.where(store, "contacts", view="recent")) == [
        "Hélène Dupré",
        "Mr Ali Khan",
    ]
    monkeypatch.setenv("CRM_NOW", "2026-04-02T09:00:00Z")  # a month on: nobody was touched
    assert names(store, views.where(store, "contacts", view="recent")) == []


def test_view_and_where_together_are_anded(store: Store) -> None:
    views.save(store, "vip", "tag:vip")
    both = views.where(store, "contacts", view="vip", query="status:prospect OR company:acme")
    assert names(store, both) == ["Hélène Dupré", "Zoë Ångström"]
    narrower = views.where(store, "contacts", view="vip", query="-company:robotics")
    assert names(store, narrower) == ["Hélène Dupré"]
    assert views.where(store, "contacts") is None


def test_a_query_that_cannot_be_read_is_never_saved(store: Store) -> None:
    with pytest.raises(QueryError) as caught:
        views.save(store, "broken", "tag:vip (status:lead")
    assert caught.value.column == 21
    assert caught.value.headline == (
        "cannot read the query at column 21: expected ')' to close the '(' at column 9"
    )
    with pytest.raises(QueryError, match="unknown field 'amount' for contacts"):
        views.save(store, "broken", "amount:>10k")  # a deals field on the contacts list
    with pytest.raises(Invalid, match="needs a query"):
        views.save(store, "broken", "   ")
    assert rows(store) == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "letter or a digit"), (" ?! ", "letter or a digit"), ("x" * 61, "at most 60"),
     ("-vip", "cannot start with '-'")],
)  # fmt: skip
def test_bad_names_are_refused(store: Store, name: str, reason: str) -> None:
    with pytest.raises(Invalid, match=reason):
        views.save(store, name, "tag:vip")
    assert rows(store) == []


def test_an_unknown_list_is_refused(store: Store) -> None:
    with pytest.raises(Invalid, match="unknown list 'people'"):
        views.save(store, "x", "tag:vip", "people")
    with pytest.raises(Invalid, match="unknown list 'interactions'"):
        views.save(store, "x", "kind:call", "interactions")


def test_a_name_in_use_is_replaced_only_when_asked_and_undo_restores_it(store: Store) -> None:
    first, _ = views.save(store, "hot", "tag:vip")
    with pytest.raises(Refused, match="already have a view named 'hot'"):
        views.save(store, "HOT", "tag:gold")
    assert rows(store) == [(first["id"], "hot", "contacts", "tag:vip", "me")]
    second, replaced = views.save(store, "HOT", "amount:>10k", "deals", replace=True)
    assert replaced and second["id"] == first["id"]
    assert rows(store) == [(first["id"], "HOT", "deals", "amount:>10k", "me")]
    assert second["created_at"] == first["created_at"]
    batch = undo(store, "me")
    assert batch.command == "view save HOT" and batch.changes == 1
    assert rows(store) == [(first["id"], "hot", "contacts", "tag:vip", "me")]


def test_save_and_remove_are_one_undo_batch_each(store: Store) -> None:
    view, _ = views.save(store, "gold", "tag:gold")
    removed = views.remove(store, "Gold")
    assert removed["id"] == view["id"] and rows(store) == []
    assert undo(store, "me").command == "view rm gold"
    assert rows(store) == [(view["id"], "gold", "contacts", "tag:gold", "me")]
    assert undo(store, "me").command == "view save gold"
    assert rows(store) == []


def test_an_unknown_view_is_not_found_and_names_yours(store: Store) -> None:
    with pytest.raises(NotFound, match=r"no view named 'nope' \(no views yet"):
        views.where(store, "contacts", view="nope")
    views.save(store, "vip", "tag:vip")
    views.save(store, "big", "amount:>10k", "deals")
    with pytest.raises(NotFound, match=r"no view named 'nope' \(views: big, vip\)"):
        views.remove(store, "nope")


def test_a_view_of_another_list_is_refused(store: Store) -> None:
    views.save(store, "big", "amount:>10k", "deals")
    views.save(store, "vip", "tag:vip")
    with pytest.raises(Invalid) as caught:
        views.where(store, "contacts", view="big")
    assert caught.value.message == (
        "view 'big' filters deals, not contacts (views of contacts: vip)"
    )
    with pytest.raises(Invalid, match=r"not followups \(views of followups: none\)"):
        views.where(store, "followups", view="vip")


def test_a_view_of_deals_filters_deals(store: Store) -> None:
    from crmcli.core import clock
    from crmcli.core.pipeline import deals

    views.save(store, "big", "amount:>10k", "deals")
    where = views.where(store, "deals", view="big")
    found = deals.list_deals(store, clock.now(), status=None, where=where)
    # 10k in each deal's own currency: 1.5m JPY is over 10,000 JPY.
    assert sorted(d["title"] for d in found) == ["ACME renewal", "Khan expansion", "Robotics fleet"]


def test_views_are_their_owners_own(store: Store) -> None:
    """Another rep on the same database has views of their own names, and never sees yours."""
    views.save(store, "hot", "tag:vip")
    config = Config({"user": "ann", "default_region": "FR"}, store.config.path)
    other = open_store(store.location.target, config, write=True)
    try:
        assert views.list_views(other) == []
        views.save(other, "hot", "tag:gold")  # the same name, theirs
        where = views.where(other, "contacts", view="hot")
        found = directory.list_contacts(other, where=where, owner="all")  # a server: all owners'
        assert sorted(r["name"] for r in found) == ["Mr Ali Khan", "Zoë Ångström"]
        theirs = int(other.value("SELECT min(id) FROM change_log WHERE owner = 'ann'"))
        with pytest.raises(Refused, match=r"change #\d+ was made by ann"):
            undo(store, "me", theirs)
    finally:
        other.close()
    assert [v["query"] for v in views.list_views(store)] == ["tag:vip"]
    assert views.remove(store, "hot")["query"] == "tag:vip"
    assert [r[4] for r in rows(store)] == ["ann"]
