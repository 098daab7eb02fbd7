"""The server starts, lists its tools and answers a lookup."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.assistant.conftest import structured


def test_find_contacts_through_the_real_server(crm: Any, mcp_call: Any) -> None:
    assert crm("contact", "add", "Hélène Dupont", "--email", "helene@example.com").exit_code == 0

    async def calls(client: Client) -> Any:
        tools = await client.list_tools()
        found = await client.call_tool("find_contacts", {"query": "helene"})
        return [t.name for t in tools.tools], structured(found)

    names, found = mcp_call([], calls)
    assert "find_contacts" in names
    assert [item["name"] for item in found["items"]] == ["Hélène Dupont"]
