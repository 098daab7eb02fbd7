"""Static loop detection: a rule whose action can fire itself, directly or through others."""

from __future__ import annotations

import pytest

from crmcli.core.errors import Invalid
from crmcli.core.rules.grammar import parse_rule
from crmcli.core.rules.loops import check_loops, edges, find_loop, kinds_by_name
from crmcli.core.rules.model import Rule


def rule(name: str, when: str, *then: str) -> Rule:
    return parse_rule(name, when, list(then))


def loop_message(*rules: Rule) -> str:
    with pytest.raises(Invalid) as caught:
        check_loops(list(rules))
    return caught.value.message


def test_a_tag_rule_that_tags_itself_is_a_self_loop() -> None:
    message = loop_message(rule("vip again", "tag added vip", "tag VIP"))
    assert message == "rules loop: vip again → vip again (tag VIP fires 'tag added vip')"


def test_two_rules_tagging_each_other() -> None:
    message = loop_message(
        rule("a", "tag added hot", "tag warm"),
        rule("unrelated", "deal won", "tag customer"),
        rule("b", "tag added warm", "followup +1d: call", "tag hot"),
    )
    assert message == (
        "rules loop: a → b → a (tag warm fires 'tag added warm'; tag hot fires 'tag added hot')"
    )


def test_three_rules_moving_deals_round() -> None:
    message = loop_message(
        rule("to demo", "deal enters Qualified", "move Demo"),
        rule("to proposal", "deal enters Demo", "move Proposal"),
        rule("back", "deal enters Proposal", "move Qualified"),
    )
    assert message == (
        "rules loop: to demo → to proposal → back → to demo (move Demo fires 'deal enters Demo'; "
        "move Proposal fires 'deal enters Proposal'; move Qualified fires 'deal enters Qualified')"
    )


def test_a_move_fires_leaving_the_stage_the_deal_was_in() -> None:
    # The deal entered Demo, so moving it leaves Demo: that fires "deal leaves Demo".
    message = loop_message(
        rule("push", "deal enters Demo", "move Proposal"),
        rule("pull", "deal leaves Demo", "move Sales/Demo"),
    )
    assert message.startswith(
        "rules loop: push → pull → push (move Proposal fires 'deal leaves Demo'"
    )


def test_moves_that_cannot_fire_again_are_no_loop() -> None:
    rules = [
        rule("advance", "deal enters Demo", "move Proposal"),  # enters Proposal: nobody waits
        rule("after proposal", "deal leaves Proposal", "move Negotiation"),  # left Proposal
        rule("stay", "deal leaves Negotiation", "move Negotiation"),  # moving in is not leaving
        rule("tags", "tag added a", "tag b", "untag a"),
        rule("b", "tag added b", "followup +1d: x", "cadence 30d"),
    ]
    check_loops(rules)
    assert find_loop(rules) is None
    # advance → after proposal only if the deal was in Proposal: it entered Demo. A deal
    # that left Negotiation may be in Proposal, so stay → after proposal; not back.
    assert [(e.source.name, e.target.name) for e in edges(rules)] == [
        ("stay", "after proposal"),
        ("tags", "b"),
    ]


def test_a_later_move_leaves_the_stage_of_the_earlier_one() -> None:
    message = loop_message(rule("hop", "deal leaves Lead", "move Lead", "move Demo"))
    assert message == "rules loop: hop → hop (move Demo fires 'deal leaves Lead')"


def test_a_won_deal_moved_on_leaves_a_won_stage() -> None:
    message = loop_message(
        rule("reopen", "deal won", "move Demo"),
        rule("closer", "deal leaves Won", "move Won"),
    )
    assert message == (
        "rules loop: reopen → closer → reopen "
        "(move Demo fires 'deal leaves Won'; move Won fires 'deal won')"
    )
    check_loops(
        [rule("reopen", "deal won", "move Proposal"), rule("c", "deal leaves Demo", "move Won")]
    )


def test_moving_into_a_won_stage_fires_deal_won() -> None:
    rules = [rule("celebrate", "deal won", "tag customer", "move Won")]
    assert "move Won fires 'deal won'" in loop_message(*rules)
    # with the database's word on stage kinds: "Signed" is a won stage, "Won" here is not
    kinds = {"signed": {"won"}, "won": {"open"}}
    check_loops(rules, stage_kinds=lambda ref: kinds.get(ref.lower(), {"open"}))
    signed = [rule("celebrate", "deal lost", "move Signed"), rule("w", "deal won", "move Lost")]
    with pytest.raises(Invalid, match=r"celebrate → w → celebrate"):
        check_loops(
            signed, stage_kinds=lambda ref: {"signed": {"won"}, "lost": {"lost"}}[ref.lower()]
        )


def test_pipelines_keep_same_named_stages_apart() -> None:
    check_loops([rule("x", "deal enters Sales/Demo", "move Renewals/Demo")])
    with pytest.raises(Invalid):
        check_loops([rule("x", "deal enters Demo", "move Renewals/Demo")])


def test_stage_names_match_case_insensitively() -> None:
    assert "rules loop: r → r" in loop_message(rule("r", "deal enters proposal", "move PROPOSAL"))


def test_kinds_by_name() -> None:
    assert kinds_by_name("Sales/Closed Won") == {"won"}
    assert kinds_by_name("lost") == {"lost"}
    assert kinds_by_name("Proposal") == {"open"}
