"""Red team on issue #24's first part (commit 1b92028): the filter language, relations
between people, several pipelines. Each test asserts the correct behaviour; those that
fail name a defect written up in /tmp/s10/requests/redteam24.md."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import invoke

CRM = str(Path(sys.executable).with_name("crm"))


def ok(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, (args, out.stderr)
    return out.stdout


def crm_process(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed `crm`, as a user's shell runs it (CRM_DB etc. from the fixtures)."""
    return subprocess.run(
        [CRM, *args], capture_output=True, text=True, env=dict(os.environ), timeout=120
    )


def ids(*args: str) -> list[int]:
    return sorted(row["id"] for row in json.loads(ok(*args, "--json")))


def relations(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT contact_id, kind, related_id FROM contact_relation ORDER BY id"
        ).fetchall()


def book() -> None:
    ok("contact", "add", "Ann Lee", "-e", "ann@acme.example", "-t", "vip")
    ok("contact", "add", "Bob Boss", "-e", "bob@acme.example", "-t", "vip")
    ok("contact", "add", "Cat Moss", "-e", "cat@acme.example", "-t", "dnc")


def assert_clean_where_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert "RecursionError" not in result.stderr
    assert result.stderr.startswith("crm: cannot read --where at column "), result.stderr


# -- the filter language -----------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda n: "(" * n + "tag:vip" + ")" * n, id="parentheses"),
        pytest.param(lambda n: "NOT " * n + "tag:vip", id="NOT"),
        pytest.param(lambda n: "-" * n + "tag:vip", id="dashes"),
    ],
)
def test_a_query_nested_1000_deep_is_one_clean_error_not_a_recursion_error(shape) -> None:  # type: ignore[no-untyped-def]
    book()
    result = crm_process("contact", "list", "--where", shape(1000))
    assert_clean_where_error(result)


def test_a_long_query_of_many_terms_is_answered_or_refused_never_a_database_error(
    db: Path,
) -> None:
    """1,500 ORed terms (16 kB): SQLite's expression depth limit (1000) gave exit 3
    "database error: Expression tree is too large" while PostgreSQL answers."""
    book()
    query = " OR ".join(["tag:vip"] * 1500)
    result = crm_process("contact", "list", "--where", query, "--json")
    assert "database error" not in result.stderr
    if result.returncode == 0:
        assert sorted(r["id"] for r in json.loads(result.stdout)) == ids(
            "contact", "list", "--where", "tag:vip"
        )
    else:
        assert_clean_where_error(result)


def test_a_ten_thousand_character_query_of_short_words_is_not_a_database_error() -> None:
    book()
    result = crm_process("contact", "list", "--where", "tag:v " * 1666)
    assert result.returncode in (1, 2), result.stderr  # nothing matches, or refused
    assert "database error" not in result.stderr
    if result.returncode == 2:
        assert_clean_where_error(result)


@pytest.mark.parametrize(
    "query", ["created:9999-12-31", "created:>0001-01-01", "created:0001-01-01.."]
)
def test_a_day_out_of_range_is_an_error_at_its_column(query: str) -> None:
    book()
    result = invoke("contact", "list", "--where", query)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("crm: cannot read --where at column 9: "), result.stderr
    assert lines[1:] == [f"  {query}", "  " + " " * 8 + "^"]


def width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


@pytest.mark.parametrize("before", ["name:東京 ", "name:e\u0301 ", "😀 "])
def test_the_caret_stands_under_the_error_after_wide_or_combining_characters(
    before: str,
) -> None:
    book()
    query = before + "foo:1"
    result = invoke("contact", "list", "--where", query)
    assert result.exit_code == 2
    shown, caret = result.stderr.splitlines()[1:3]
    assert shown == "  " + query
    # On screen the caret is under the 'f' of foo: as many cells as the text before it.
    assert caret == " " * width("  " + before) + "^"


# -- relations -----------------------------------------------------------------------------


def test_merging_two_people_both_related_to_a_third_keeps_the_relation_once(db: Path) -> None:
    ok("contact", "add", "Ann Lee", "-e", "ann@acme.example")
    ok("contact", "add", "Bob Boss", "-e", "bob@acme.example")
    ok("contact", "add", "Bob Boss", "-e", "bob2@acme.example")
    ok("contact", "relate", "1", "colleague", "2")
    ok("contact", "relate", "1", "colleague", "3")
    ok("contact", "merge", "2", "3", "--yes")
    assert relations(db) == [(1, "colleague", 2)]
    shown = ok("contact", "show", "1")
    assert shown.count("Bob Boss (colleague") == 1, shown


def test_merging_two_related_people_leaves_no_relation_to_oneself_and_undo_restores_it(
    db: Path,
) -> None:
    ok("contact", "add", "Bob Boss", "-e", "bob@acme.example")
    ok("contact", "add", "Bob Boss", "-e", "bob2@acme.example")
    ok("contact", "relate", "1", "reports to", "2")
    before = relations(db)
    ok("contact", "merge", "1", "2", "--yes")
    # Bob is not his own manager, not even by name.
    assert relations(db) == []
    assert "manager" not in ok("contact", "show", "1")
    ok("undo")
    assert relations(db) == before == [(1, "manager", 2)]


# -- several pipelines ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["2", "#2"])
def test_a_pipeline_name_that_reads_as_an_id_is_refused(db: Path, name: str) -> None:
    """`--pipeline 2` and `pipeline rm 2` take an id first: a pipeline named "2" would be
    shadowed by pipeline #2 (`pipeline rm 2` removed the other one)."""
    ok("pipeline", "add", "Renewals")
    added = invoke("pipeline", "add", name)
    assert added.exit_code == 2, added.stdout
    renamed = invoke("pipeline", "rename", "Renewals", name)
    assert renamed.exit_code == 2, renamed.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM pipeline ORDER BY id").fetchall() == [
            ("Sales",),
            ("Renewals",),
        ]


def test_import_of_a_stage_found_only_in_another_pipeline_says_so(tmp_path: Path) -> None:
    ok("contact", "add", "Ann Lee", "-e", "ann@acme.example")
    ok("pipeline", "add", "Renewals", "--stages", "Quote,Demo,Sign")
    sheet = tmp_path / "deals.csv"
    sheet.write_text("title,contact,stage,amount\nR1,Ann Lee,Quote,100\n", encoding="utf-8")
    result = invoke("import", "deals", str(sheet))
    assert result.exit_code != 0
    line = result.stderr.splitlines()[0]
    listed = line.split("(stages: ", 1)[1].split(")", 1)[0].split(", ")
    # The stages offered are the ones the import can use (the first pipeline's), once each;
    # Quote is not offered while the same line calls it unknown.
    assert listed == ["Lead", "Qualified", "Demo", "Proposal", "Negotiation", "Won", "Lost"]
    assert "Renewals" in line


def test_removing_a_pipeline_keeps_the_stage_history_of_deals_that_left_it(db: Path) -> None:
    """A deal that started in Sales and moved to Renewals: `pipeline rm Sales` (allowed,
    it holds no deal) erased the deal's history links to Sales' stages (ON DELETE SET NULL,
    not in the change log), and `crm undo` did not bring them back."""
    ok("contact", "add", "Ann Lee", "-e", "ann@acme.example")
    ok("pipeline", "add", "Renewals", "--stages", "Quote,Sign")
    ok("deal", "add", "Acme", "-c", "ann", "--stage", "Demo")
    ok("deal", "move", "Acme", "Quote", "--pipeline", "Renewals")

    def history() -> list[tuple[object, ...]]:
        with sqlite3.connect(db) as conn:
            return conn.execute(
                "SELECT from_stage_id, to_stage_id FROM deal_stage_change ORDER BY id"
            ).fetchall()

    before = history()
    assert before[-1][0] is not None  # moved from Sales' Demo
    removed = invoke("pipeline", "rm", "Sales")
    if removed.exit_code == 0:
        ok("undo")
    assert history() == before


def test_the_report_over_every_pipeline_says_which_pipeline_each_stage_is_in() -> None:
    """`crm report --pipeline all` listed Sales' and Renewals' stages in one table, two
    "Demo" rows with nothing telling them apart (text and JSON)."""
    ok("contact", "add", "Ann Lee", "-e", "ann@acme.example")
    ok("pipeline", "add", "Renewals")
    ok("deal", "add", "A", "-c", "ann", "--amount", "1000 EUR", "--stage", "Demo")
    ok("deal", "add", "B", "-c", "ann", "--amount", "2000 EUR", "--stage", "Demo",
       "--pipeline", "Renewals")  # fmt: skip
    stages = json.loads(ok("report", "--pipeline", "all", "--json"))["pipeline"]
    demos = [s for s in stages if s["stage"] == "Demo"]
    assert sorted((s.get("pipeline"), s["deals"]) for s in demos) == [
        ("Renewals", 1),
        ("Sales", 1),
    ]
    text = ok("report", "--pipeline", "all")
    assert "Renewals" in text and "Sales" in text, text
