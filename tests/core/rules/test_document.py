"""The TOML document of `crm rule edit`: written for a person, read back naming bad lines."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.rules.document import dump, load, toml_string
from crmcli.core.rules.grammar import parse_rule
from crmcli.core.rules.model import Rule


def rules() -> list[Rule]:
    return [
        parse_rule(
            "chase proposals",
            "deal enters Proposal",
            ["followup +3d: chase the proposal for {deal.title}", "next step: send the quote"],
            "amount:>=5000",
            description="Relance «devis» — 3 jours",
            position=1,
        ),
        parse_rule(
            'quotes "and" back\\slashes',
            "tag added client fidèle",
            [
                'followup tomorrow 9am: Appeler Hélène "vite"\\ puis\nvoir\tle 日本 dossier 🙂',
                "untag prospect",
            ],
            enabled=False,
            position=2,
        ),
        parse_rule("missed", "cadence missed by 7 days", ["cadence 30d"], position=3),
    ]


def test_dump_then_load_gives_the_same_rules() -> None:
    text = dump(rules())
    assert load(text) == rules()
    assert tomllib.loads(text)["rule"][1]["name"] == 'quotes "and" back\\slashes'
    assert "Hélène" in text and "日本" in text  # kept as they are, not \u-escaped


def test_the_document_recalls_the_grammar_and_reads_as_toml() -> None:
    text = dump(rules())
    assert text.startswith("# crm rules: one [[rule]] table per rule")
    assert "deal enters STAGE" in text and "followup WHEN: NOTE" in text
    assert '[[rule]]\nname = "chase proposals"\ndescription =' in text
    assert 'then = [\n  "followup +3d: chase the proposal for {deal.title}",\n' in text
    assert 'then = ["cadence 30d"]\nenabled = true\n' in text
    assert "enabled = false" in text


def test_no_rules_is_a_commented_example_that_loads_as_none() -> None:
    text = dump([])
    assert "# [[rule]]" in text
    assert load(text) == []
    assert load("") == []


def test_positions_follow_the_document_and_a_single_string_is_one_action() -> None:
    text = '[[rule]]\nname = "b"\nwhen = "deal won"\nthen = "tag won"\n\n' + (
        '[[rule]]\nname = "a"\nwhen = "deal lost"\nthen = ["tag lost"]\nenabled = false\n'
    )
    loaded = load(text)
    assert [(r.name, r.position, r.enabled) for r in loaded] == [("b", 1, True), ("a", 2, False)]
    assert loaded[0].actions[0].tag == "won"


@given(
    st.lists(
        st.text(
            st.characters(blacklist_categories=("Cs",), blacklist_characters="{}"), min_size=1
        ).filter(lambda s: s.strip()),
        min_size=1,
        max_size=3,
    )
)
def test_any_note_survives_the_round_trip(notes: list[str]) -> None:
    """Every character a note may hold (quotes, backslashes, newlines, tabs, emoji)."""
    wanted: list[Rule] = []
    for note in notes:
        try:
            wanted.append(
                parse_rule(
                    f"r{len(wanted) + 1}",
                    "contact created",
                    [f"followup +1d: {note}"],
                    position=len(wanted) + 1,
                )
            )
        except Invalid:
            continue  # a note with a control character is refused, not written
    assert load(dump(wanted)) == wanted


def test_toml_string_escapes() -> None:
    assert toml_string('a "b" \\ c\nd\te\x7f') == '"a \\"b\\" \\\\ c\\nd\\te\\u007F"'
    for text in ["", "é ✓ 🙂", "\x01\x1f", "'''", '"""', "\\u0041"]:
        assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text


def _error(text: str, store: Store | None = None) -> str:
    with pytest.raises(Invalid) as caught:
        load(text, store)
    message = caught.value.message
    assert "\n" not in message
    return message


GOOD = """\
# my rules

[[rule]]
name = "first"
when = "deal won"
then = ["tag customer"]

[[rule]]
name = "second"
description = "two actions"
when = "call logged with outcome no-answer"
then = [
  "followup tomorrow 9am: call again",
  "tag unreachable",
]
enabled = true
"""


def test_the_good_document_loads() -> None:
    assert [r.name for r in load(GOOD)] == ["first", "second"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('when = "deal won"', 'when = "deal won', "line 5, column 17: "),  # unterminated string
        ('name = "first"', "name first", "line 4, column 6: Expected '=' after a key"),
        ('when = "deal won"', 'whenn = "deal won"', "line 5: rule 'first': unknown key 'whenn'"),
        (
            'when = "deal won"',
            'when = "deal won"\nemail = "x"',
            "line 6: rule 'first': unknown key 'email' (a rule takes name, description, when, if",
        ),
        ('name = "first"\n', "", 'line 3: rule #1 has no `name` (name = "…")'),
        ('then = ["tag customer"]\n', "", "line 3: rule 'first' has no `then` (then = [\"…\"])"),
        (
            'name = "second"',
            'name = "First"',
            "line 9: two rules are named 'First' (the other is at line 4)",
        ),
        (
            'when = "deal won"',
            'when = "deal wins"',
            "line 5: rule 'first': cannot read 'deal wins' as a trigger",
        ),
        (
            '"tag unreachable"',
            '"tag unreachable", "launch"',
            "line 14: rule 'second': cannot read 'launch' as an action",
        ),
        (
            '"followup tomorrow 9am: call again"',
            '"followup someday: call again"',
            "line 13: rule 'second': followup: cannot read 'someday' as a date",
        ),
        ('then = ["tag customer"]', 'then = ["move Won"]', None),  # fine: a deal trigger
        (
            'then = ["tag customer"]',
            'then = ["tag customer", "next step: x"]\nif = 3',
            "line 7: rule 'first': `if` must be a string in quotes",
        ),
        (
            "enabled = true",
            'enabled = "yes"',
            "line 16: rule 'second': `enabled` must be true or false",
        ),
        (
            'then = ["tag customer"]',
            "then = []",
            "line 6: rule 'first' needs at least one action in `then`",
        ),
        (
            'then = ["tag customer"]',
            "then = [1]",
            "line 6: rule 'first': `then` must be a list of strings",
        ),
        ('name = "first"', 'name = ""', "line 4: rule #1: a rule needs a name"),
        ('name = "first"', "name = 7", "line 4: rule #1: `name` must be a string in quotes"),
        (
            "# my rules",
            'title = "x"',
            "line 1: unknown key 'title': the document holds only [[rule]] tables",
        ),
        (
            "# my rules",
            '[rule]\nname = "x"',
            "line 4, column 7: Cannot overwrite a value (not valid TOML)",
        ),
        (
            '"tag unreachable",',
            '"tag unreachable",\n  "move Won",',
            "line 15: rule 'second': 'move Won' needs a deal, "
            "and 'call logged with outcome no-answer' is about a contact",
        ),
    ],
)
def test_every_problem_names_its_line(old: str, new: str, message: str | None) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    if message is None:
        load(text)
        return
    assert message in _error(text)


def test_a_syntax_error_at_the_very_end() -> None:
    assert _error(GOOD + "[[rule]]\nname =") == (
        "line 18: Invalid value at the end (not valid TOML)"
    )


def test_a_plain_rule_table_is_refused() -> None:
    assert _error('[rule]\nname = "x"\nwhen = "deal won"\nthen = ["tag x"]\n') == (
        "line 1: write each rule as a [[rule]] table (two brackets)"
    )


def test_an_action_line_is_found_when_written_as_a_literal_string() -> None:
    text = GOOD.replace('"tag unreachable"', "'tag \\unreachable'").replace(
        "tag unreachable", "tag \\unreachable"
    )
    assert load(text)[1].actions[1].tag == "\\unreachable"
    text = GOOD.replace('"tag unreachable"', "'lift \\off'")
    assert _error(text).startswith("line 14: rule 'second': cannot read 'lift \\\\off'")


# -- with the database: stages, conditions, loops, each on its line --------------------


def test_the_store_checks_name_their_lines(store: Store) -> None:
    good = GOOD.replace('"tag customer"', '"tag customer", "move Lost"')
    assert len(load(good, store)) == 2
    assert _error(GOOD.replace("deal won", "deal enters Propsal"), store) == (
        "line 5: rule 'first': unknown stage 'Propsal' in 'deal enters Propsal' "
        "(stages: Lead, Qualified, Demo, Proposal, Negotiation, Won, Lost)"
    )
    assert _error(good.replace('"move Lost"', '"move Renewals/Lost"'), store).startswith(
        "line 6: rule 'first': unknown pipeline 'Renewals' in 'move Renewals/Lost' (pipelines: "
    )
    bad_if = GOOD.replace('when = "deal won"', 'when = "deal won"\nif = "amout:>5"')
    assert _error(bad_if, store) == (
        "line 6: cannot read the condition of rule 'first' at column 1: unknown field 'amout' "
        "for deals (fields: id, title, stage, pipeline, status, amount, currency, contact, "
        "company, tag, source, next, probability, close, entered, closed, created, updated, "
        "owner, has)"
    )
    spaced = GOOD.replace('when = "deal won"', 'when = "deal won"\nif = "amount >= 5000"')
    assert _error(spaced, store).startswith(
        "line 6: cannot read the condition of rule 'first' at column 8: '>=' reads as words "
        "to look for; to compare a field write FIELD:>=VALUE"
    )
    looping = (
        GOOD.replace('"tag unreachable"', '"tag unreachable"').replace(
            'when = "deal won"', 'when = "tag added unreachable"'
        )
        + '\n[[rule]]\nname = "third"\nwhen = "tag added customer"\nthen = ["tag customer"]\n'
    )
    assert _error(looping, store) == (
        "line 21: rules loop: third → third (tag customer fires 'tag added customer')"
    )


def test_ids_are_not_part_of_the_document() -> None:
    saved = [replace(r, id=i) for i, r in enumerate(rules(), 10)]
    assert load(dump(saved)) == [replace(r, id=None) for r in saved]
