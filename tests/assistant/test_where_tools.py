"""The filter language in the assistant: list_contacts(where) and list_deals(where)."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.assistant.conftest import error_text, structured


def test_list_tools_take_where(crm: Any, mcp_call: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-03-02T09:00:00Z")
    for args in (
        ["Hélène Dupré", "--tag", "VIP", "-e", "helene@acme.fr", "-c", "ACME"],
        ["Bob Smith", "--tag", "dnc"],
        ["Zoë Ångström", "--tag", "vip", "--status", "customer"],
    ):
        assert crm("contact", "add", *args).exit_code == 0
    assert crm("deal", "add", "Big", "--contact", "1", "--amount", "12k").exit_code == 0
    assert crm("deal", "add", "Small", "--contact", "2", "--amount", "900").exit_code == 0

    async def calls(client: Client) -> Any:
        return [
            await client.call_tool("list_contacts", {"where": "tag:vip"}),
            await client.call_tool("list_contacts", {"where": "tag:vip", "limit": 1}),
            await client.call_tool("list_contacts", {}),
            await client.call_tool("list_contacts", {"where": "tag:vip (status:lead OR"}),
            await client.call_tool("list_contacts", {"where": "shoesize:42"}),
            await client.call_tool("list_deals", {"where": "amount:>10k"}),
            await client.call_tool("list_deals", {"where": "tag:dnc", "status": "all"}),
            await client.call_tool("list_deals", {"where": "amount:>lots"}),
        ]

    (vips, first, everyone, broken, unknown, big, dnc, bad) = mcp_call([], calls)
    found = structured(vips)
    assert [i["name"] for i in found["items"]] == ["Hélène Dupré", "Zoë Ångström"]
    assert found["total"] == 2 and found["next_cursor"] is None
    assert set(found["items"][0]) == {
        "id", "name", "company", "title", "status", "email", "phone", "tags"
    }  # fmt: skip
    assert found["items"][0]["tags"] == ["VIP"] and found["items"][0]["company"] == "ACME"
    paged = structured(first)
    assert [i["name"] for i in paged["items"]] == ["Hélène Dupré"] and paged["next_cursor"]
    assert structured(everyone)["total"] == 3
    # One line naming the column (the SDK puts "Error executing tool ...: " before it).
    assert error_text(broken).endswith(
        ": cannot read where at column 24: expected a term after 'OR'"
    )
    assert "\n" not in error_text(broken)
    assert (
        ": cannot read where at column 1: unknown field 'shoesize' for contacts (fields: id, name,"
        in error_text(unknown)
    )
    assert [d["title"] for d in structured(big)["items"]] == ["Big"]
    assert [d["title"] for d in structured(dnc)["items"]] == ["Small"]
    assert ": cannot read where at column 9: amount: takes an amount" in error_text(bad)


def test_list_tools_take_a_saved_view(crm: Any, mcp_call: Any) -> None:
    for args in (["Hélène Dupré", "--tag", "VIP"], ["Bob Smith"], ["Zoë Ångström", "--tag", "vip"]):
        assert crm("contact", "add", *args).exit_code == 0
    assert crm("deal", "add", "Big", "--contact", "1", "--amount", "12k").exit_code == 0
    assert crm("deal", "add", "Small", "--contact", "2", "--amount", "900").exit_code == 0
    assert crm("view", "save", "vip", "tag:vip").exit_code == 0
    assert crm("view", "save", "big", "amount:>10k", "--list", "deals").exit_code == 0

    async def calls(client: Client) -> Any:
        return [
            await client.call_tool("list_contacts", {"view": "VIP"}),
            await client.call_tool("list_contacts", {"view": "vip", "where": "name:zoe"}),
            await client.call_tool("list_deals", {"view": "big"}),
            await client.call_tool("list_contacts", {"view": "big"}),
            await client.call_tool("list_contacts", {"view": "nope"}),
        ]

    vips, zoe, big, other, unknown = mcp_call([], calls)
    assert [i["name"] for i in structured(vips)["items"]] == ["Hélène Dupré", "Zoë Ångström"]
    assert [i["name"] for i in structured(zoe)["items"]] == ["Zoë Ångström"]
    assert [d["title"] for d in structured(big)["items"]] == ["Big"]
    assert error_text(other).endswith(
        ": view 'big' filters deals, not contacts (views of contacts: vip)"
    )
    assert error_text(unknown).endswith(": no view named 'nope' (views: big, vip)")
