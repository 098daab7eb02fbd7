"""Resources and prompts of `crm mcp`, through a real server and the SDK's own client.

A resource is exactly what the matching read tool returns; an id that is not a
number or names nothing is resource-not-found. A prompt is one user message: the
job, and the book's facts for it as JSON; a bad REF is a clear protocol error.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client, MCPError

from tests.assistant.conftest import structured

NOW = "2026-03-10T09:00:00Z"  # a Tuesday
INVALID_PARAMS = -32602


def seed(crm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hélène (#1) with a deal, a call and a promise; Hélène Durand (#2), to make "Hélène"
    ambiguous; Marc (#3) with a deal gone stale without a next step and an overdue
    follow-up."""

    def ok(*args: str) -> None:
        result = crm(*args)
        assert result.exit_code == 0, result.stderr

    monkeypatch.setenv("CRM_NOW", "2026-02-01T09:00:00Z")
    ok(
        "contact", "add", "Hélène Dupont", "--email", "helene@example.com",
        "--phone", "+33 6 12 34 56 78", "--company", "Acme", "--title", "CEO", "--tag", "vip",
    )  # fmt: skip
    ok("contact", "add", "Hélène Durand", "--email", "hd@example.org")
    ok("contact", "add", "Marc Petit", "--email", "marc@globex.example", "--company", "Globex")
    ok("deal", "add", "Globex pilot", "--contact", "marc@globex.example", "--amount", "5000")
    ok("followup", "add", "marc@globex.example", "2026-03-02", "send the pilot plan")
    monkeypatch.setenv("CRM_NOW", NOW)
    ok(
        "deal", "add", "Acme renewal", "--contact", "helene@example.com", "--amount", "12000",
        "--currency", "EUR", "--next", "send the revised quote",
    )  # fmt: skip
    ok(
        "log", "call", "helene@example.com",
        "Discussed the renewal. I'll send the revised quote by Friday.",
        "--outcome", "connected", "-d", "15m", "--deal", "Acme renewal",
        "--next", "fri", "--next-note", "send revised quote",
    )  # fmt: skip
    ok("deal", "move", "Acme renewal", "Proposal", "--reason", "quote asked")


def resource_json(result: Any, uri: str) -> Any:
    (content,) = result.contents
    assert str(content.uri) == uri
    assert content.mime_type == "application/json"
    return json.loads(content.text)


def prompt_text(result: Any) -> str:
    (message,) = result.messages
    assert message.role == "user"
    return str(message.content.text)


def embedded(text: str) -> Any:
    """The JSON a prompt embeds, in its one ```json block."""
    start = text.index("```json\n") + len("```json\n")
    return json.loads(text[start : text.rindex("\n```")])


def test_resources_are_what_the_read_tools_give(
    crm: Any, mcp_call: Any, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(crm, monkeypatch)
    deal_id = json.loads(crm("deal", "show", "Acme renewal", "--json").stdout)["id"]

    async def calls(client: Client) -> Any:
        pairs = {}
        for uri, tool, args in [
            ("crm://contact/1", "get_contact", {"ref": "1"}),
            (f"crm://deal/{deal_id}", "get_deal", {"ref": str(deal_id)}),
            ("crm://pipeline", "pipeline", {}),
            ("crm://today", "today", {}),
        ]:
            read = resource_json(await client.read_resource(uri), uri)
            pairs[uri] = (read, structured(await client.call_tool(tool, args)))
        return pairs

    pairs = mcp_call([], calls, extra_env={"CRM_DB": backend})
    for uri, (read, tool) in pairs.items():
        assert read == tool, uri

    contact, _ = pairs["crm://contact/1"]
    assert contact["name"] == "Hélène Dupont"
    assert contact["company"] == "Acme" and contact["title"] == "CEO"
    assert [e["email"] for e in contact["emails"]] == ["helene@example.com"]
    assert [p["e164"] for p in contact["phones"]] == ["+33612345678"]
    assert contact["tags"] == ["vip"]
    call = next(e for e in contact["timeline"] if e["type"] == "interaction")
    assert call["text"].startswith("Discussed the renewal") and call["outcome"] == "connected"
    assert [
        (d["title"], d["stage"], d["amount_minor"], d["currency"]) for d in contact["deals"]
    ] == [("Acme renewal", "Proposal", 1_200_000, "EUR")]
    assert [(f["note"], f["due_date"], f["overdue"]) for f in contact["open_followups"]] == [
        ("send revised quote", "2026-03-13", False)
    ]

    deal, _ = pairs[f"crm://deal/{deal_id}"]
    assert (deal["contact"], deal["company"], deal["stage"]) == (
        "Hélène Dupont",
        "Acme",
        "Proposal",
    )
    assert (deal["amount_minor"], deal["currency"]) == (1_200_000, "EUR")
    assert [(h["from_stage"], h["to_stage"], h["reason"]) for h in deal["history"]] == [
        (None, "Lead", None),
        ("Lead", "Proposal", "quote asked"),
    ]

    board, _ = pairs["crm://pipeline"]
    proposal = next(s for s in board["stages"] if s["stage"] == "Proposal")
    assert proposal["count"] == 1 and [d["title"] for d in proposal["deals"]] == ["Acme renewal"]
    day, _ = pairs["crm://today"]
    assert [f["note"] for f in day["overdue"]["items"]] == ["send the pilot plan"]


def test_an_unknown_or_malformed_id_is_resource_not_found(crm: Any, mcp_call: Any) -> None:
    assert crm("contact", "add", "Ann Lee").exit_code == 0

    async def calls(client: Client) -> Any:
        errors = {}
        for uri in [
            "crm://contact/999",
            "crm://deal/999",
            "crm://contact/0",
            "crm://contact/abc",
            "crm://deal/12abc",
            "crm://contact/-3",
            "crm://contact/٣",  # an Arabic-Indic three: a digit, but not an id
            "crm://contact/99999999999999999999999",
            "crm://nothing/1",
        ]:
            with pytest.raises(MCPError) as caught:
                await client.read_resource(uri)
            errors[uri] = (caught.value.code, caught.value.message)
        after = await client.read_resource("crm://contact/1")  # the server is still fine
        return errors, resource_json(after, "crm://contact/1")

    errors, ann = mcp_call([], calls)
    assert {code for code, _ in errors.values()} == {INVALID_PARAMS}
    messages = {uri: message for uri, (_, message) in errors.items()}
    assert messages["crm://contact/999"] == "no contact #999"
    assert messages["crm://deal/999"] == "no deal #999"
    assert messages["crm://contact/0"] == "no contact #0"
    for uri in ("crm://contact/abc", "crm://deal/12abc", "crm://contact/-3", "crm://contact/٣"):
        assert "is not a number" in messages[uri], uri
    assert messages["crm://contact/99999999999999999999999"].startswith("no contact #")
    assert "Unknown resource" in messages["crm://nothing/1"]
    assert ann["name"] == "Ann Lee"


def test_a_resource_reads_what_the_shell_just_wrote(crm: Any, mcp_call: Any) -> None:
    assert crm("contact", "add", "Ann Lee").exit_code == 0

    async def calls(client: Client) -> Any:
        before = await client.read_resource("crm://contact/1")
        logged = crm("log", "note", "1", "Met at the trade fair")  # the shell, server running
        assert logged.exit_code == 0, logged.stderr
        after = await client.read_resource("crm://contact/1", cache_mode="bypass")
        return resource_json(before, "crm://contact/1"), resource_json(after, "crm://contact/1")

    before, after = mcp_call([], calls)
    assert before["timeline"] == []
    assert [e["text"] for e in after["timeline"]] == ["Met at the trade fair"]


def test_prompts_embed_the_facts_for_the_job(
    crm: Any, mcp_call: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(crm, monkeypatch)
    assert crm("contact", "edit", "Marc Petit", "--dnc").exit_code == 0
    assert crm("contact", "add", "Zoé Martin").exit_code == 0  # no email address

    async def calls(client: Client) -> Any:
        got = {}
        for key, name, args in [
            ("call", "prepare_call", {"ref": "helene@example.com"}),
            ("brief", None, {"ref": "helene@example.com"}),
            ("email", "draft_followup_email", {"ref": "1", "about": "the revised quote"}),
            ("email-plain", "draft_followup_email", {"ref": "Hélène Dupont"}),
            ("email-dnc", "draft_followup_email", {"ref": "Marc"}),
            ("email-none", "draft_followup_email", {"ref": "Zoé"}),
            ("review", "weekly_pipeline_review", {}),
        ]:
            if name is None:
                got[key] = structured(await client.call_tool("get_brief", args))
            else:
                got[key] = prompt_text(await client.get_prompt(name, args))
        return got

    got = mcp_call([], calls)

    call = got["call"]
    assert call.startswith(
        "Today is Tuesday 10 March 2026. I am about to call Hélène Dupont (#1, CEO at Acme)."
    )
    brief = embedded(call)
    assert brief["contact"]["name"] == "Hélène Dupont"  # the get_brief tool's sheet
    assert brief["contact"]["id"] == got["brief"]["contact"]["id"] == 1
    assert [i["summary"] for i in brief["last_interactions"]] == [
        i["summary"] for i in got["brief"]["last_interactions"]
    ]
    assert [d["title"] for d in brief["deals"]] == ["Acme renewal"]
    assert [f["note"] for f in brief["followups"]] == ["send revised quote"]
    assert "I'll send the revised quote by Friday." in [p["text"] for p in brief["promises"]]
    assert "null" not in call  # empty fields are left out of what the model reads

    email = got["email"]
    assert "Draft a short follow-up email from me to Hélène Dupont (#1, CEO at Acme)" in email
    assert "It is about: the revised quote." in email
    assert "I will send it myself" in email
    sheet = embedded(email)
    assert [e["email"] for e in sheet["emails"]] == ["helene@example.com"]
    assert any(e["text"].startswith("Discussed the renewal") for e in sheet["timeline"])
    assert [f["note"] for f in sheet["open_followups"]] == ["send revised quote"]
    assert "Follow up on our last interaction" in got["email-plain"]
    assert "asked not to be contacted" not in email
    assert "They asked not to be contacted" in got["email-dnc"]
    assert "no email address" in got["email-none"] and "no email address" not in email

    review = got["review"]
    facts = embedded(review)
    assert set(facts) == {"board", "overdue_followups", "last_7_days"}
    proposal = next(s for s in facts["board"]["stages"] if s["stage"] == "Proposal")
    assert [d["title"] for d in proposal["deals"]] == ["Acme renewal"]
    assert [f["note"] for f in facts["overdue_followups"]["items"]] == ["send the pilot plan"]
    health = facts["last_7_days"]["health"]
    assert [d["title"] for d in health["stale"]["deals"]] == ["Globex pilot"]
    assert [d["title"] for d in health["no_next_step"]["deals"]] == ["Globex pilot"]
    assert facts["last_7_days"]["period"]["days"] == 7


def test_a_bad_prompt_argument_is_a_clear_error(crm: Any, mcp_call: Any) -> None:
    for name in ("Hélène Dupont", "Hélène Durand"):
        assert crm("contact", "add", name).exit_code == 0

    async def calls(client: Client) -> Any:
        errors = []
        for name, args in [
            ("prepare_call", {"ref": "Hélène"}),
            ("draft_followup_email", {"ref": "Nobody at all"}),
            ("prepare_call", {}),
            ("prepare_call", {"ref": "   "}),
            ("draft_followup_email", {"ref": "1", "tone": "warm"}),
            ("draft_followup_email", {"ref": "1", "about": "x" * 20_001}),
        ]:
            with pytest.raises(MCPError) as caught:
                await client.get_prompt(name, args)
            errors.append((caught.value.code, caught.value.message))
        listed = await client.list_prompts()  # still answering
        return errors, [p.name for p in listed.prompts]

    errors, names = mcp_call([], calls)
    assert {code for code, _ in errors} == {INVALID_PARAMS}
    ambiguous, unknown, missing, blank, extra, huge = (message for _, message in errors)
    assert "#1 Hélène Dupont" in ambiguous and "#2 Hélène Durand" in ambiguous
    assert "Nobody at all" in unknown
    assert missing.startswith("prepare_call needs ref: The contact")
    assert blank.startswith("prepare_call needs ref")
    assert extra == "draft_followup_email takes no argument tone (it takes: ref, about)"
    assert huge == "about is 20001 characters; the most is 20000"
    assert "\n" not in "".join(message for _, message in errors)
    assert "prepare_call" in names
