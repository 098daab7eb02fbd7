"""The read tools through the real server: what they return is what the book holds.

One small book, seeded by the CLI with a pinned clock, read by a server started
without --allow-writes; each test starts the server once and makes many calls.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.assistant.conftest import error_text, structured

pytestmark = pytest.mark.subprocess

NOW = "2026-03-10T09:00:00+01:00"  # a Tuesday
EARLIER = "2026-02-20T08:00:00+01:00"  # when the open deals were made: 18 days ago

READ_TOOLS = {
    "find_contacts",
    "get_contact",
    "today",
    "agenda",
    "list_deals",
    "get_deal",
    "pipeline",
    "forecast",
    "search_notes",
    "report",
    "dedupe_candidates",
    "get_brief",
}


def seed(crm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Five people (two Hélènes, two Jean Martins on one line), five deals, three
    interactions, three open follow-ups (one overdue), one contact due for a touch."""

    def run(*args: str) -> None:
        result = crm(*args)
        assert result.exit_code == 0, (args, result.stderr)

    monkeypatch.setenv("CRM_NOW", EARLIER)
    run(
        "contact", "add", "Hélène Dupont", "--email", "helene@example.com", "--company", "Acme",
        "--title", "Head of Ops", "--phone", "+33 6 12 34 56 78", "--tag", "vip",
        "--every", "30d", "--birthday", "1980-05-14", "--relation", "Paul Dupont:spouse",
        "--date", "anniversary:2010-06-01", "--handle", "skype:hdupont",
        "--note", "Prefers mornings",
    )  # fmt: skip
    run("contact", "add", "Hélène Durand", "--email", "hd@example.org")
    run("contact", "add", "Marc Petit", "--email", "marc@acme.com", "--company", "Acme",
        "--every", "2w")  # fmt: skip
    run("contact", "add", "Jean Martin", "--phone", "+33 1 23 45 67 89")
    run("contact", "add", "Jean Martin", "--phone", "+33 1 23 45 67 89")
    run("deal", "add", "Acme renewal", "--contact", "1", "--amount", "12000", "--currency",
        "EUR", "--stage", "Proposal", "--next", "send revised quote",
        "--close", "2026-03-31")  # fmt: skip
    run("deal", "add", "Acme pilot", "--contact", "3", "--amount", "5000", "--currency", "USD")
    run("deal", "add", "Durand website", "--contact", "2", "--amount", "3000", "--currency",
        "EUR", "--next", "kick-off")  # fmt: skip
    run("deal", "add", "Old deal", "--contact", "1", "--amount", "800", "--currency", "EUR",
        "--next", "call")  # fmt: skip
    monkeypatch.setenv("CRM_NOW", NOW)
    run("deal", "add", "Acme support", "--contact", "3", "--amount", "2000", "--currency", "EUR",
        "--next", "scope it")  # fmt: skip
    run("deal", "won", "Durand website")
    run("deal", "lost", "Old deal", "--reason", "budget")
    run("log", "call", "1", "Talked pricing, wants revised quote by Friday", "--outcome",
        "connected", "--out", "--at", "2026-03-09 15:00", "-d", "20m")  # fmt: skip
    run("log", "email", "1", "Sent the brochure", "--at", "2026-03-02 10:00", "--deal",
        "Acme renewal")  # fmt: skip
    run("log", "email", "3", "Intro to pilot", "--at", "2026-02-01 10:00")
    run("followup", "add", "1", "2026-03-05", "call back about the pilot")
    run("followup", "add", "1", "today 17:00", "confirm the meeting")
    run("followup", "add", "3", "2026-03-13", "pilot check-in", "--deal", "Acme pilot")


@pytest.fixture
def book(crm: Any, db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    seed(crm, monkeypatch)
    return db


def fingerprint(db: Path) -> dict[str, str]:
    """sha256 of the database file and of any journal beside it."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(db.parent.glob(db.name + "*"))
    }


async def every_page(client: Client, tool: str, args: dict[str, Any], limit: int) -> list[Any]:
    """Every page of a list tool, followed through its cursors."""
    pages: list[list[Any]] = []
    cursor = None
    while True:
        page = structured(await client.call_tool(tool, {**args, "limit": limit, "cursor": cursor}))
        assert len(page["items"]) <= limit
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return [item for chunk in pages for item in chunk]


def by_title(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["title"]: d for d in items}


def test_every_read_tool_returns_what_the_book_holds(book: Path, mcp_call: Any) -> None:
    before = fingerprint(book)

    async def calls(client: Client) -> dict[str, Any]:
        out: dict[str, Any] = {"tools": (await client.list_tools()).tools}
        for key, tool, args in [
            ("contact", "get_contact", {"ref": "helene@example.com"}),
            ("by_phone", "get_contact", {"ref": "06 12 34 56 78"}),
            ("ambiguous", "get_contact", {"ref": "hélène"}),
            ("today", "today", {}),
            ("agenda", "agenda", {"days": 7}),
            ("open", "list_deals", {}),
            ("all", "list_deals", {"status": "all"}),
            ("acme", "list_deals", {"company": "Acme"}),
            ("durand_won", "list_deals", {"contact": "hd@example.org", "status": "won"}),
            ("proposal", "list_deals", {"stage": "proposal"}),
            ("lost", "list_deals", {"status": "lost"}),
            ("deal", "get_deal", {"ref": "Acme renewal"}),
            ("deal_ambiguous", "get_deal", {"ref": "acme"}),
            ("pipeline", "pipeline", {}),
            ("forecast", "forecast", {"months": 2}),
            ("search", "search_notes", {"text": "pric"}),
            ("report_pipeline", "report", {"section": "pipeline", "period": "this-month"}),
            ("report", "report", {}),
            ("dedupe", "dedupe_candidates", {}),
        ]:
            out[key] = await client.call_tool(tool, args)
        out["deal_pages"] = await every_page(client, "list_deals", {"status": "all"}, 2)
        out["pilot_pages"] = await every_page(client, "search_notes", {"text": "pilot"}, 1)
        out["agenda_pages"] = await every_page(client, "agenda", {"days": 7}, 2)
        out["find_pages"] = await every_page(client, "find_contacts", {"query": "acme"}, 1)
        return out

    got = mcp_call([], calls)  # a read-only server: no --allow-writes
    assert fingerprint(book) == before  # reads never touch the file

    tools = {t.name: t for t in got["tools"]}
    assert READ_TOOLS <= set(tools)
    for name in READ_TOOLS:
        assert tools[name].annotations.read_only_hint is True, name
        assert len(tools[name].description or "") > 80, name

    # get_contact: the fields, the timeline, the deals, the open follow-ups.
    contact = structured(got["contact"])
    assert structured(got["by_phone"])["id"] == contact["id"] == 1
    assert (contact["name"], contact["company"], contact["title"]) == (
        "Hélène Dupont",
        "Acme",
        "Head of Ops",
    )
    assert contact["emails"] == [{"email": "helene@example.com", "label": None, "primary": True}]
    assert [p["e164"] for p in contact["phones"]] == ["+33612345678"]
    assert (contact["tags"], contact["cadence_days"], contact["status"]) == (["vip"], 30, "lead")
    assert (contact["notes"], contact["birthday"]) == ("Prefers mornings", "1980-05-14")
    assert contact["relations"] == [{"name": "Paul Dupont", "kind": "spouse", "contact_id": None}]
    assert contact["dates"] == [{"label": "anniversary", "date": "2010-06-01"}]
    assert contact["handles"] == [{"service": "skype", "handle": "hdupont"}]
    talks = [e for e in contact["timeline"] if e["type"] == "interaction"]
    assert [
        (e["what"], e["text"], e["direction"], e["outcome"], e["duration_seconds"]) for e in talks
    ] == [
        ("call", "Talked pricing, wants revised quote by Friday", "out", "connected", 1200),
        ("email", "Sent the brochure", None, None, None),
    ]
    assert talks[0]["at"] == "2026-03-09T14:00:00.000000Z"  # 15:00 in Paris, stored in UTC
    assert talks[1]["deal"] == "Acme renewal"
    deals = by_title(contact["deals"])
    assert contact["deals_total"] == 2 and set(deals) == {"Acme renewal", "Old deal"}
    renewal = deals["Acme renewal"]
    assert (renewal["stage"], renewal["status"], renewal["next_step"]) == (
        "Proposal",
        "open",
        "send revised quote",
    )
    assert (renewal["amount_minor"], renewal["currency"], renewal["amount"]) == (
        1_200_000,
        "EUR",
        "12 000 EUR",
    )
    assert (renewal["age_days"], renewal["days_in_stage"], renewal["stale"]) == (18, 18, True)
    assert (deals["Old deal"]["status"], deals["Old deal"]["lost_reason"]) == ("lost", "budget")
    assert contact["open_followups_total"] == 2
    assert [
        (f["id"], f["due_date"], f["due_time"], f["note"], f["overdue"])
        for f in contact["open_followups"]
    ] == [
        (1, "2026-03-05", None, "call back about the pilot", True),
        (2, "2026-03-10", "17:00", "confirm the meeting", False),
    ]

    # An ambiguous REF is an error naming every candidate, never a guess.
    ambiguous = error_text(got["ambiguous"])
    assert "#1 Hélène Dupont" in ambiguous and "#2 Hélène Durand" in ambiguous

    # today: overdue, due today, due for a touch, deals needing attention.
    today = structured(got["today"])
    assert today["now"].startswith("2026-03-10T09:00:00")
    assert [(f["id"], f["late"], f["overdue"]) for f in today["overdue"]["items"]] == [
        (1, "4 days", True)
    ]
    assert [(f["id"], f["due_time"]) for f in today["today"]["items"]] == [(2, "17:00")]
    assert [
        (t["contact_id"], t["contact"], t["cadence_days"]) for t in today["touch"]["items"]
    ] == [(3, "Marc Petit", 14)]
    flagged = by_title(today["deals"]["items"])
    assert today["deals"]["total"] == 2 and set(flagged) == {"Acme renewal", "Acme pilot"}
    assert flagged["Acme pilot"]["no_next_step"] and flagged["Acme renewal"]["stale"]

    # agenda: overdue first, then each day; every day of the window counted.
    agenda = structured(got["agenda"])
    assert [(f["day"], f["id"]) for f in agenda["items"]] == [
        ("overdue", 1),
        ("2026-03-10", 2),
        ("2026-03-13", 3),
    ]
    assert agenda["days"][0] == {"day": "overdue", "count": 1}
    assert [d["day"] for d in agenda["days"][1:]] == [f"2026-03-{n}" for n in range(10, 17)]
    assert [d["count"] for d in agenda["days"][1:]] == [1, 0, 0, 1, 0, 0, 0]
    assert agenda["items"][2]["deal"] == "Acme pilot"

    # list_deals: filters by status, company, contact and stage; pipeline order.
    assert [d["title"] for d in structured(got["open"])["items"]] == [
        "Acme pilot",  # Lead, in it since February
        "Acme support",  # Lead, since today
        "Acme renewal",  # Proposal
    ]
    assert structured(got["all"])["total"] == 5
    assert {d["title"] for d in structured(got["acme"])["items"]} == {
        "Acme pilot",
        "Acme support",
        "Acme renewal",
    }
    won = structured(got["durand_won"])["items"]
    assert [(d["title"], d["status"], d["amount"]) for d in won] == [
        ("Durand website", "won", "3 000 EUR")
    ]
    assert [d["title"] for d in structured(got["proposal"])["items"]] == ["Acme renewal"]
    assert [d["lost_reason"] for d in structured(got["lost"])["items"]] == ["budget"]

    # get_deal: the deal, its stage history, its timeline.
    deal = structured(got["deal"])
    assert (deal["id"], deal["stage"], deal["win_probability"], deal["expected_close"]) == (
        1,
        "Proposal",
        60,
        "2026-03-31",
    )
    assert (deal["amount_minor"], deal["amount"], deal["contact_id"]) == (
        1_200_000,
        "12 000 EUR",
        1,
    )
    assert [(h["from_stage"], h["to_stage"]) for h in deal["history"]] == [(None, "Proposal")]
    assert [(e["what"], e["text"]) for e in deal["timeline"]] == [("email", "Sent the brochure")]
    deal_error = error_text(got["deal_ambiguous"])
    assert "#1 Acme renewal" in deal_error and "#2 Acme pilot" in deal_error

    # pipeline: money per currency, never summed across them.
    stages = {s["stage"]: s for s in structured(got["pipeline"])["stages"]}
    lead = stages["Lead"]
    assert (lead["count"], lead["totals"]) == (2, {"EUR": 200_000, "USD": 500_000})
    assert lead["totals_display"] == "2 000 EUR + 5 000 USD"
    assert {d["title"] for d in lead["deals"]} == {"Acme pilot", "Acme support"}
    proposal = stages["Proposal"]
    assert (proposal["totals"], proposal["weighted"]) == ({"EUR": 1_200_000}, {"EUR": 720_000})
    assert proposal["weighted_display"] == "7 200 EUR"
    assert stages["Demo"]["count"] == 0 and stages["Demo"]["deals"] == []

    # forecast: by close month.
    months = {m["month"]: m for m in structured(got["forecast"])["months"]}
    assert list(months) == ["earlier", "2026-03", "2026-04", "undated"]
    assert (months["2026-03"]["deals"], months["2026-03"]["best_case"]) == (1, {"EUR": 1_200_000})
    assert months["2026-03"]["weighted"] == {"EUR": 720_000}
    assert months["undated"]["deals"] == 2
    assert months["undated"]["best_case"] == {"EUR": 200_000, "USD": 500_000}

    # search_notes: what was said, with the match marked.
    [hit] = structured(got["search"])["items"]
    assert (hit["source"], hit["id"], hit["contact_id"], hit["what"]) == (
        "interaction",
        1,
        1,
        "call",
    )
    assert "[pricing]" in hit["snippet"]

    # report: one section, or the whole of it.
    section = structured(got["report_pipeline"])
    assert section["period"] == {
        "label": "this-month",
        "first": "2026-03-01",
        "last": "2026-03-10",
        "days": 10,
    }
    rows = {r["stage"]: r for r in section["rows"]}
    assert rows["Lead"]["amount"] == {"EUR": 200_000, "USD": 500_000}
    assert rows["Lead"]["amount_display"] == "2 000 EUR + 5 000 USD"
    whole = structured(got["report"])
    assert set(whole) == {"period", "pipeline", "forecast", "conversion", "activity", "health"}
    summary = whole["conversion"]["summary"]
    assert (summary["created"], summary["won"], summary["lost"]) == (5, 1, 1)
    assert summary["won_amount"] == {"EUR": 300_000}
    assert summary["won_amount_display"] == "3 000 EUR"

    # dedupe_candidates: the two Jean Martins on one line.
    [finding] = structured(got["dedupe"])["items"]
    assert (finding["kind"], finding["what"], finding["ids"]) == ("certain", "contact", [4, 5])
    assert finding["names"] == ["Jean Martin", "Jean Martin"]

    # Paging: every item once, in the order of the whole list.
    assert [d["id"] for d in got["deal_pages"]] == [
        d["id"] for d in structured(got["all"])["items"]
    ]
    assert len(got["deal_pages"]) == 5
    pilot = [(h["source"], h["id"]) for h in got["pilot_pages"]]
    assert sorted(pilot) == [("followup", 1), ("followup", 3), ("interaction", 3)]
    assert [(f["day"], f["id"]) for f in got["agenda_pages"]] == [
        (f["day"], f["id"]) for f in agenda["items"]
    ]
    assert sorted(c["id"] for c in got["find_pages"]) == [1, 3]


def test_bad_arguments_are_one_line_tool_errors(book: Path, mcp_call: Any) -> None:
    before = fingerprint(book)
    huge = "x" * 1_000_000
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("get_contact", {"ref": "#99"}, "no contact #99"),
        ("get_contact", {"ref": "  "}, "empty contact reference"),
        ("get_contact", {"ref": huge}, "ref is 1000000 characters; the most is 20000"),
        ("get_deal", {"ref": "#99"}, "no deal #99"),
        ("get_deal", {"ref": "Nothing like it"}, "no deal matches 'Nothing like it'"),
        ("find_contacts", {"query": ""}, "query must not be empty"),
        ("find_contacts", {"query": huge}, "query is 1000000 characters; the most is 20000"),
        ("search_notes", {"text": " "}, "empty search"),
        ("search_notes", {"text": huge}, "text is 1000000 characters; the most is 20000"),
        ("report", {"period": "fortnight"}, "cannot read period 'fortnight'"),
        ("report", {"period": "2026-03-01..2026-01-01"}, "ends before it starts"),
        ("report", {"section": "nope"}, "unknown section 'nope' (one of pipeline, forecast,"),
        ("list_deals", {"limit": 0}, "limit must be between 1 and 100"),
        ("list_deals", {"limit": 101}, "limit must be between 1 and 100"),
        ("list_deals", {"status": "pending"}, "unknown status 'pending' (open, won, lost or all)"),
        ("list_deals", {"stage": "Nope"}, "unknown stage 'Nope'"),
        ("list_deals", {"contact": "#99"}, "no contact #99"),
        ("list_deals", {"company": "Globex"}, "no company"),
        ("list_deals", {"cursor": "not-a-cursor"}, "cursor is not one this server gave out"),
        ("search_notes", {"text": "pilot", "cursor": "bzp4"}, "cursor is not one this server"),
        ("agenda", {"days": 0}, "days must be between 1 and 90"),
        ("agenda", {"days": 91}, "days must be between 1 and 90"),
        ("forecast", {"months": 37}, "months must be between 1 and 36"),
        ("today", {"limit": 500}, "limit must be between 1 and 100"),
    ]

    async def calls(client: Client) -> list[Any]:
        results = [await client.call_tool(tool, args) for tool, args, _ in cases]
        # Wrong types: the SDK checks them against the schema before the tool runs.
        # (A number is an id: `{"ref": 12}` reads as "12"; a list is no REF.)
        results.append(await client.call_tool("get_contact", {"ref": [12]}))
        results.append(await client.call_tool("agenda", {"days": "soon"}))
        return results

    results = mcp_call([], calls)
    for (tool, _, expected), result in zip(cases, results, strict=False):
        text = error_text(result)
        assert expected in text, (tool, text)
        assert "\n" not in text and "Traceback" not in text, text
    wrong_ref, wrong_days = (error_text(r) for r in results[len(cases) :])
    assert "ref: Input should be a valid string" in wrong_ref and "\n" not in wrong_ref
    assert "days: Input should be a valid integer" in wrong_days and "\n" not in wrong_days
    assert fingerprint(book) == before


def test_get_brief_is_the_pre_call_sheet(book: Path, mcp_call: Any) -> None:
    pytest.importorskip(
        "crmcli.core.overview.brief",
        reason="crmcli.core.overview.brief (build_brief, the `crm brief` core) is not written yet",
    )

    async def calls(client: Client) -> tuple[Any, Any]:
        sheet = await client.call_tool("get_brief", {"ref": "helene@example.com"})
        return sheet, await client.call_tool("get_brief", {"ref": "hélène"})

    sheet, ambiguous = mcp_call([], calls)
    text = json.dumps(structured(sheet), ensure_ascii=False)
    for held in (
        "Hélène Dupont",
        "Acme renewal",
        "send revised quote",
        "call back about the pilot",
    ):
        assert held in text, held
    assert "#2 Hélène Durand" in error_text(ambiguous)


def test_contact_and_deals_on_postgresql(
    crm: Any, pg_url: str, mcp_call: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_DB", pg_url)
    seed(crm, monkeypatch)

    async def calls(client: Client) -> tuple[Any, Any, Any]:
        return (
            await client.call_tool("get_contact", {"ref": "Hélène Dupont"}),
            await client.call_tool("list_deals", {"company": "Acme", "limit": 2}),
            await client.call_tool("get_contact", {"ref": "hélène"}),
        )

    contact, deals, ambiguous = mcp_call([], calls, extra_env={"CRM_DB": pg_url})
    contact = structured(contact)
    assert (contact["id"], contact["company"], contact["tags"]) == (1, "Acme", ["vip"])
    assert [e["what"] for e in contact["timeline"] if e["type"] == "interaction"] == [
        "call",
        "email",
    ]
    assert {d["title"]: d["amount_minor"] for d in contact["deals"]} == {
        "Acme renewal": 1_200_000,
        "Old deal": 80_000,
    }
    assert [f["overdue"] for f in contact["open_followups"]] == [True, False]
    first = structured(deals)
    assert [d["title"] for d in first["items"]] == ["Acme pilot", "Acme support"]
    assert first["total"] == 3 and first["next_cursor"] is not None
    assert first["items"][0]["amount"] == "5 000 USD"
    assert "#2 Hélène Durand" in error_text(ambiguous)
