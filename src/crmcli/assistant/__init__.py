"""The assistant's front end: `crm mcp`, a Model Context Protocol server over the core.

It sits beside `crmcli.commands` and `crmcli.tui` and, like them, parses, calls the
core's services and shapes what they return; it has no data path of its own. Only
`crm mcp` imports it, so no other command pays for the MCP SDK (an optional extra).
"""
