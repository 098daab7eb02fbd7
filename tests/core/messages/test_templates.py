"""Templates: kept by name, merge fields checked when saved, one undo batch per change."""

from __future__ import annotations

import pytest

from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.messages import templates
from crmcli.core.undo import undo

from .conftest import Book


def rows(book: Book) -> list[tuple[object, ...]]:
    return book.store.tuples("SELECT name, subject, body, description FROM template ORDER BY id")


def test_add_get_list_edit_remove_each_undoable(book: Book) -> None:
    store = book.store
    made = templates.add(
        store, " merci ", "Merci {first_name}", "Bonjour {first_name},\n\n{me.name}\n"
    )
    assert (made["name"], made["subject"], made["body"]) == (
        "merci",
        "Merci {first_name}",
        "Bonjour {first_name},\n\n{me.name}",
    )
    assert made["owner"] == "me" and made["version"] == 1
    templates.add(store, "Relance", "Relance: {deal.title}", "Re-bonjour", "after a quote")
    assert [t["name"] for t in templates.list_templates(store)] == ["merci", "Relance"]
    assert templates.get(store, "RELANCE")["name"] == "Relance"  # case aside
    edited, changed = templates.edit(store, "merci", subject="Merci beaucoup {first_name}")
    assert changed and edited["version"] == 2
    assert templates.edit(store, "merci", subject="Merci beaucoup {first_name}")[1] is False
    undo(store, "me")  # the edit
    assert templates.get(store, "merci")["subject"] == "Merci {first_name}"
    templates.remove(store, "merci")
    assert templates.find(store, "merci") is None
    undo(store, "me")  # the removal
    assert templates.get(store, "merci")["body"] == "Bonjour {first_name},\n\n{me.name}"


@pytest.mark.parametrize(
    ("name", "subject", "body", "error", "match"),
    [
        ("", "s", "b", Invalid, "must not be empty"),
        ("x" * 81, "s", "b", Invalid, "at most 80"),
        ("bad\x07name", "s", "b", Invalid, "printable"),
        ("-x", "s", "b", Invalid, "cannot start with '-'"),
        ("t", "", "b", Invalid, "needs a subject"),
        ("t", "s", "  \n ", Invalid, "needs a body"),
        ("t", "Hi {frist_name}", "b", Invalid, r"unknown merge field \{frist_name\}"),
        ("t", "s", "Hello {compagny}", Invalid, r"the body: unknown merge field \{compagny\}"),
        ("t", "s", "a lone { brace", Invalid, "lone"),
        ("t", "s", "nul \x00 inside", Invalid, "control characters"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(
    book: Book, name: str, subject: str, body: str, error: type[Exception], match: str
) -> None:
    before = rows(book)
    with pytest.raises(error, match=match):
        templates.add(book.store, name, subject, body)
    assert rows(book) == before


def test_a_name_in_use_is_refused_case_and_accents_aside(book: Book) -> None:
    templates.add(book.store, "Relancé", "s", "b")
    for other in ("Relancé", "relance", "RELANCE"):
        with pytest.raises(Refused, match="already a template named 'Relancé'"):
            templates.add(book.store, other, "s2", "b2")
    templates.add(book.store, "other", "s", "b")
    with pytest.raises(Refused):
        templates.edit(book.store, "other", new_name="relance")
    assert len(rows(book)) == 2


def test_not_found_lists_the_templates(book: Book) -> None:
    with pytest.raises(NotFound, match="no templates yet"):
        templates.get(book.store, "nope")
    templates.add(book.store, "merci", "s", "b")
    with pytest.raises(NotFound, match=r"templates: merci"):
        templates.remove(book.store, "nope")


def test_editor_form_round_trips() -> None:
    template: templates.Template = {
        "id": 1,
        "name": "merci",
        "subject": "Merci {first_name} — {{offre}}",
        "body": "Bonjour {first_name},\n\n  indented line\n\n{me.name}",
        "description": "after a first call",
        "owner": "me",
        "version": 1,
        "created_at": "",
        "updated_at": "",
    }
    parsed = templates.parse(templates.dump(template))
    assert parsed == {
        "subject": template["subject"],
        "description": template["description"],
        "body": template["body"],
    }
    folded = templates.parse("Subject: a long\n  subject line\n\nbody\r\n")
    assert folded["subject"] == "a long subject line" and folded["body"] == "body"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Hello there\n\nbody", "line 1: expected 'Subject: ...'"),
        ("Subject: s\nFrom: me\n\nbody", "line 2: expected"),
        ("Subject: s\nSubject: t\n\nbody", "line 2: a second Subject line"),
        ("Description: d\n\nbody", "no 'Subject:' line"),
        ("Subject: s", "no body"),
        ("Subject: s\n", "needs a body"),
        ("Subject: s\n\n\n", "needs a body"),
        (templates.skeleton(), "needs a subject"),
    ],
)
def test_editor_form_errors_name_the_problem(text: str, match: str) -> None:
    with pytest.raises(Invalid, match=match):
        templates.parse(text)
