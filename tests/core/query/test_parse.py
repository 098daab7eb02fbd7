"""The filter language's parser: the tree it builds, and where it says it stopped reading."""

from __future__ import annotations

import pytest

from crmcli.core.errors import EXIT_USAGE, Invalid
from crmcli.core.query.parse import And, Node, Not, Or, QueryError, Term, parse


def shape(node: Node) -> object:
    """The tree in short: terms as "field:op value", operators as tuples."""
    if isinstance(node, Term):
        field = f"{node.field}:" if node.field else ""
        op = "" if node.op == ":" else node.op
        high = f"..{node.high}" if node.op == ".." else ""
        return f"{field}{op if op != '..' else ''}{node.value}{high}"
    if isinstance(node, Not):
        return ("NOT", shape(node.node))
    if isinstance(node, And):
        return ("AND", *[shape(n) for n in node.nodes])
    assert isinstance(node, Or)
    return ("OR", *[shape(n) for n in node.nodes])


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("tag:vip", "tag:vip"),
        ("tag:vip status:customer", ("AND", "tag:vip", "status:customer")),
        ("a b OR c", ("OR", ("AND", "a", "b"), "c")),
        ("a OR b c", ("OR", "a", ("AND", "b", "c"))),
        ("a AND b OR c AND d", ("OR", ("AND", "a", "b"), ("AND", "c", "d"))),
        ("(a OR b) c", ("AND", ("OR", "a", "b"), "c")),
        ("-tag:dnc", ("NOT", "tag:dnc")),
        ("NOT a b", ("AND", ("NOT", "a"), "b")),
        ("NOT (a OR b)", ("NOT", ("OR", "a", "b"))),
        ("-(a b)", ("NOT", ("AND", "a", "b"))),
        ('"free text" x', ("AND", "free text", "x")),
        ('name:"Ann \\"Lee\\""', 'name:Ann "Lee"'),
        ("amount:>10k", "amount:>10k"),
        ("amount:>=10k", "amount:>=10k"),
        ("touched:<7d", "touched:<7d"),
        ("amount:10k..50k", "amount:10k..50k"),
        ("amount:..50k", "amount:..50k"),
        ("created:2026-01-01..", "created:2026-01-01.."),
        ("deal.stage:proposal", "deal.stage:proposal"),
        ("or and not", ("AND", "or", "and", "not")),  # lower case: words
        ("12:30", "12:30"),  # no field starts with a digit: a word
        ("  tag:vip  ", "tag:vip"),
        ('city:"Saint-Étienne (42)"', "city:Saint-Étienne (42)"),
    ],
)
def test_tree(query: str, tree: object) -> None:
    assert shape(parse(query)) == tree


def test_terms_know_their_columns() -> None:
    node = parse("tag:vip  amount:>10k")
    assert isinstance(node, And)
    first, second = node.nodes
    assert isinstance(first, Term) and isinstance(second, Term)
    assert (first.column, first.value_column) == (1, 5)
    assert (second.column, second.value_column) == (10, 18)


ERRORS = [
    ("", 1, "the query is empty"),
    ("   ", 1, "the query is empty"),
    ("tag:vip tag:", 13, "expected a value after 'tag:'"),
    ("amount:>", 9, "expected a value after 'amount:>'"),
    ("tag:vip)", 8, "this ')' closes no '('"),
    ("(tag:vip", 9, "expected ')' to close the '(' at column 1"),
    ("(a (b OR c)", 12, "expected ')' to close the '(' at column 1"),
    ("()", 2, "expected a term between '(' and ')'"),
    ("(", 2, "expected a term after '('"),
    ("OR tag:vip", 1, "OR needs a term before it"),
    ("tag:vip OR", 11, "expected a term after 'OR'"),
    ("tag:vip AND", 12, "expected a term after 'AND'"),
    ("tag:vip AND OR x", 13, "expected a term after 'AND'"),
    ("NOT", 4, "expected a term after 'NOT'"),
    ("tag:vip - x", 9, "expected a term right after '-'"),
    ('name:"Ann', 6, "this quote is never closed"),
    ('x "free', 3, "this quote is never closed"),
    ("amount:>..5", 9, "a range low..high takes no '>'"),
    ("amount:..", 8, "a range needs a low end, a high end, or both"),
    ("amount:1..2..3", 12, "one '..' per range"),
    ("a (b", 5, "expected ')' to close the '(' at column 3"),
    # past 12 levels of "(", NOT and "-": at the 13th, never Python's recursion limit
    ("(" * 1000 + "x" + ")" * 1000, 13, "too deeply nested: at most 12 levels"),
    ("NOT " * 1000 + "x", 49, "too deeply nested: at most 12 levels"),
    ("-" * 1000 + "x", 13, "too deeply nested: at most 12 levels"),
    ("(-" * 7 + "x" + ")" * 7, 13, "too deeply nested: at most 12 levels"),
    ("a (b OR (c (d OR NOT (e (f OR -(g (h OR (i (j OR (k (l OR -m", 53, "too deeply"),
    # past 1000 terms: at the 1001st
    (" OR ".join(["t:v"] * 1500), 1000 * 7 + 1, "too many terms: a query takes at most 1000"),
    ("a " * 5000, 2001, "too many terms: a query takes at most 1000"),
]


@pytest.mark.parametrize(("query", "column", "reason"), ERRORS)
def test_error_names_the_column(query: str, column: int, reason: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    error = caught.value
    assert error.column == column
    assert error.reason.startswith(reason)
    assert error.headline == f"cannot read --where at column {column}: {error.reason}"
    lines = error.message.split("\n")
    assert lines[0] == error.headline
    assert lines[1] == "  " + query
    assert lines[2] == "  " + " " * (column - 1) + "^"  # the caret under the column
    assert isinstance(error, Invalid) and error.exit_code == EXIT_USAGE


def test_control_characters_keep_the_caret_in_place() -> None:
    with pytest.raises(QueryError) as caught:
        parse("a\tOR")
    assert caught.value.message.split("\n")[1:] == ["  a OR", "      ^"]


def test_the_label_names_the_query() -> None:
    with pytest.raises(QueryError) as caught:
        parse("(", label="where")
    assert caught.value.headline.startswith("cannot read where at column 2:")


def test_twelve_levels_and_a_thousand_terms_are_read() -> None:
    """The limits themselves are allowed: 12 levels deep, 1000 terms long."""
    node = parse("NOT " * 12 + "x")
    for _ in range(12):
        assert isinstance(node, Not)
        node = node.node
    assert parse("(" * 12 + "x" + ")" * 12) == Term(None, ":", "x", None, 13, 13)
    wide = parse(" OR ".join(["t:v"] * 1000))
    assert isinstance(wide, Or) and len(wide.nodes) == 1000


@pytest.mark.parametrize(
    ("before", "cells"),
    [("name:東京 ", 10), ("name:e\u0301 ", 7), ("😀 ", 3), ("name:ｶﾀ ", 8), ("tag:\u00e9 ", 6)],
)
def test_the_caret_counts_terminal_cells(before: str, cells: int) -> None:
    """Wide characters (CJK, emoji) take two cells, combining marks none: the caret stands
    under the bad term on screen, while the column still counts characters."""
    with pytest.raises(QueryError) as caught:
        parse(before + "(")
    error = caught.value
    assert error.column == len(before) + 2
    assert error.message.split("\n")[2] == "  " + " " * (cells + 1) + "^"
