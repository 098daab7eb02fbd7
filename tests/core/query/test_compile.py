"""Compiling a query: values only as parameters, wildcards escaped, every bad value named.

The fragment's SQL is checked for what must never be in it (the user's text); what it
finds is in test_where_table.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli.core.db.store import Store
from crmcli.core.query.compile import compile_where, escape_like
from crmcli.core.query.fields import TABLES, help_line
from crmcli.core.query.parse import QueryError


@pytest.mark.parametrize(
    "value", ["'; DROP TABLE contact; --", "x' OR '1'='1", "%", "_", "\\", "robert'); --"]
)
def test_values_never_reach_the_sql_text(store: Store, value: str) -> None:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    for field in ("name", "title", "email", "tag", "city", "notes"):
        sql, params = compile_where(store, "contacts", f'{field}:"{escaped}"')
        assert value not in sql or value in ("%", "_", "\\")
        assert "DROP" not in sql and "OR '1'" not in sql
        assert sql.count("?") == len(params)


def test_like_wildcards_are_escaped() -> None:
    assert escape_like("50%_off\\") == "50\\%\\_off\\\\"


def test_email_piece_is_bound_escaped(store: Store) -> None:
    sql, params = compile_where(store, "contacts", "email:a_b%")
    assert params == ["%a\\_b\\%%"]
    assert "ESCAPE '\\'" in sql


def test_amounts_never_sum_currencies(store: Store) -> None:
    """One comparison per currency's minor digits: 10k is 10000.00 EUR, 10000 JPY, 10.000 KWD."""
    sql, params = compile_where(store, "deals", "amount:>10k")
    assert params == [10_000, 10_000_000, 1_000_000]  # 0 digits (JPY), 3 (KWD), else 2
    assert "'JPY'" in sql and "'KWD'" in sql and "sum(" not in sql.lower()


BAD_VALUES = [
    ("contacts", "foo:bar", 1, "unknown field 'foo' for contacts (fields: id, name, company,"),
    ("contacts", "tag:vip Deal.Stages:x", 9, "unknown field 'Deal.Stages' for contacts"),
    ("deals", "stage:x probability:>high", 22, "probability: takes a whole number, not 'high'"),
    ("deals", "amount:>ten", 9, "amount: takes an amount such as 10k, 2.5m or 1200.50"),
    ("deals", "amount:5k..lots", 12, "amount: takes an amount"),
    ("contacts", "status:bogus", 8, "unknown status 'bogus' (one of lead, prospect, customer,"),
    ("deals", "status:pending", 8, "unknown status 'pending' (one of open, won, lost)"),
    ("contacts", "name:>ann", 6, "name: is matched as text: it takes no > < or .."),
    ("contacts", "tag:a..b", 5, "tag: is matched as text"),
    ("contacts", "touched:30d", 9, "an age needs > or <: touched:>30d"),
    ("contacts", "created:>2026-13-45", 10, "created: "),
    ("contacts", "created:<someday", 10, "created: cannot read 'someday' as a date"),
    # a day whose local midnight falls outside the calendar: at the operator, or the value
    ("contacts", "created:9999-12-31", 9, "created: '9999-12-31' is out of range: give a day"),
    ("contacts", "created:>0001-01-01", 9, "created: '0001-01-01' is out of range"),
    ("contacts", "created:<=9999-12-31", 9, "created: '9999-12-31' is out of range"),
    ("contacts", "created:0001-01-01..", 9, "created: '0001-01-01' is out of range"),
    ("contacts", "created:2026-01-01..9999-12-31", 21, "created: '9999-12-31' is out of range"),
    ("contacts", "dnc:maybe", 5, "dnc: is yes or no, not 'maybe'"),
    ("contacts", "has:shoesize", 5, "has: takes a field of contacts"),
    ("followups", "amount:>1", 1, "unknown field 'amount' for followups (fields: id, contact,"),
    ("companies", "touched:>1d", 1, "unknown field 'touched' for companies"),
]


@pytest.mark.parametrize(("list_name", "query", "column", "reason"), BAD_VALUES)
def test_bad_value_names_its_column(
    store: Store, list_name: str, query: str, column: int, reason: str
) -> None:
    with pytest.raises(QueryError) as caught:
        compile_where(store, list_name, query)
    assert caught.value.column == column
    assert caught.value.reason.startswith(reason), caught.value.reason


def test_unknown_field_lists_every_field_of_that_list(store: Store) -> None:
    with pytest.raises(QueryError) as caught:
        compile_where(store, "deals", "colour:red")
    for name in TABLES["deals"].names:
        assert name in caught.value.reason
    assert "has" in caught.value.reason


def test_help_lists_the_fields_from_the_one_table() -> None:
    for name, table in TABLES.items():
        line = help_line(name)
        assert all(field in line for field in table.names)


def test_the_readme_section_lists_every_field() -> None:
    """The README's "Filter language" section names every field of every list."""
    text = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    if "## Filter language" not in text:
        pytest.skip("the README's Filter language section is not merged yet")
    section = text[text.index("## Filter language") :]
    for table in TABLES.values():
        for field in table.names:
            assert f"`{field}" in section, (table.name, field)
