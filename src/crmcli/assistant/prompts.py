"""Prompts for the common jobs: prepare a call, review the pipeline, draft a follow-up.

A client shows these in a menu; the rep picks one, fills its arguments, and the
server answers with one user message: what to do, and the facts from the book to do
it with (as JSON). The facts are read when the prompt is asked for, so they are as
fresh as the database. A REF is resolved exactly as the shell resolves it; one that
names no one, or several, is a protocol error whose message lists the candidates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from mcp import MCPError
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.prompts import Prompt
from mcp.server.mcpserver.prompts.base import Message
from mcp.types import INVALID_PARAMS, CallToolResult, InputRequiredResult
from pydantic import Field

from crmcli.assistant import sheets
from crmcli.assistant.session import Session, text_arg
from crmcli.core import clock
from crmcli.core.db.store import Store

Ref = Annotated[
    str,
    Field(
        description="The contact: their id (12 or #12), email, phone number, exact name, "
        "or a name prefix only they have."
    ),
]
REVIEW_DEALS = 3  # deals per stage on the review's board, the oldest; health names the rest


def register(server: MCPServer, session: Session) -> None:
    def prompt(
        name: str, title: str, description: str
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def add(fn: Callable[..., Any]) -> Callable[..., Any]:
            server.add_prompt(
                CheckedPrompt.from_function(fn, name=name, title=title, description=description)
            )
            return fn

        return add

    @prompt(
        name="prepare_call",
        title="Prepare for a call",
        description=(
            "A pre-call brief on one contact, to read while the phone rings: who they "
            "are, what happened last, open deals and promises, and what to ask."
        ),
    )
    def prepare_call(ref: Ref) -> str:
        with _reading(session) as store:
            contact_id = _contact(store, ref)
            facts = _brief(store, contact_id)
        return (
            f"Today is {_today()}. I am about to call {_who(facts)}. Prepare me for the "
            "call from what my CRM knows about them (the JSON below). Keep it to one "
            "screen, in short bullet points:\n"
            "1. Who they are: role, company, status, tags.\n"
            "2. What happened last: the latest interactions and their outcomes.\n"
            "3. Open deals: stage, amount, how long in the stage, the next step.\n"
            "4. What I promised: open and overdue follow-ups, promises in recent notes.\n"
            "5. What to ask or propose on this call: three questions at most.\n"
            "If they asked not to be contacted (do_not_contact), say so first. Use only "
            "these facts; where something is not known, say so rather than guess. Money: "
            "read amount_display (amount is in the currency's minor units). Times ending "
            "in Z are UTC.\n\n" + _block(facts)
        )

    @prompt(
        name="weekly_pipeline_review",
        title="Weekly pipeline review",
        description=(
            "Review the pipeline for the week: the board, last week's wins and losses, "
            "stale deals and deals without a next step, deals due to close, overdue "
            "follow-ups and customers gone quiet, with a short list of next steps."
        ),
    )
    async def weekly_pipeline_review() -> str:
        facts = {
            "board": await _tool(server, "pipeline", {"limit": REVIEW_DEALS}),
            "overdue_followups": (await _tool(server, "today", {}))["overdue"],
            "last_7_days": await _tool(server, "report", {"period": "7d"}),
        }
        return (
            f"Today is {_today()}. Review my sales pipeline with me for the week, from my "
            "CRM's figures below (JSON: the board, overdue follow-ups, and the report over "
            "the last 7 days with its health section; money is in the currency's minor "
            "units with a display string beside it; never add currencies together):\n"
            "1. The board: where deals pile up or run thin, counts and weighted amounts.\n"
            "2. The last 7 days: deals won, lost and created.\n"
            "3. Stale deals (longer in their stage than its target) and deals with no "
            "next step: for each, a concrete next step.\n"
            "4. Deals expected to close soon or already past their close date: is the "
            "date still real?\n"
            "5. Overdue follow-ups: which to do now, which to reschedule.\n"
            "6. Customers gone quiet: who to get back in touch with.\n"
            "End with a prioritised to-do list for this week, seven items at most, each "
            "naming the deal or contact with its #id. Propose; change nothing in the CRM "
            "unless I ask.\n\n" + _block(facts)
        )

    @prompt(
        name="draft_followup_email",
        title="Draft a follow-up email",
        description=(
            "A short follow-up email to one contact, in your voice, from your last "
            "interactions and open promises. You send it yourself."
        ),
    )
    def draft_followup_email(
        ref: Ref,
        about: Annotated[
            str | None,
            Field(
                description='What the email is about (optional), e.g. "the revised '
                'quote" or "thank them for the demo". Without it, the last interaction '
                "and the open follow-ups decide."
            ),
        ] = None,
    ) -> str:
        topic = _text("about", about)
        with _reading(session) as store:
            contact_id = _contact(store, ref)
            facts = sheets.contact_sheet(store, contact_id)
        subject = (
            f"It is about: {topic}."
            if topic
            else "Follow up on our last interaction and on what I promised them."
        )
        warning = ""
        if facts["do_not_contact"]:
            warning = (
                "They asked not to be contacted (do_not_contact is true): tell me so "
                "before drafting anything.\n"
            )
        elif not facts["emails"]:
            warning = "The CRM has no email address for them: say so, then draft it.\n"
        return (
            f"Today is {_today()}. Draft a short follow-up email from me to {_who(facts)}. "
            f"{subject}\n{warning}"
            "Write it in my voice: first person, plain and friendly, in the language our "
            "past exchanges are in. A subject line and a body of 120 words at most; refer "
            "to what we actually discussed and end with one concrete next step. Do not "
            "invent prices, dates or facts that are not below. I will send it myself: "
            "give me the draft only (once sent, it can be logged as an email "
            "interaction).\n\nWhat my CRM knows about them (JSON; times ending in Z are "
            "UTC):\n\n" + _block(facts)
        )


class CheckedPrompt(Prompt):
    """A prompt whose missing or unknown arguments are a clear protocol error.

    The SDK reports a missing argument as an internal error (and logs a traceback);
    a client shows the rep only "Internal server error". Checked here first, the
    message names the argument and says what it takes.
    """

    async def render(
        self, arguments: dict[str, Any] | None, context: Context[Any, Any]
    ) -> list[Message] | InputRequiredResult:
        given = {k: v for k, v in (arguments or {}).items() if v is not None}
        known = {a.name: a for a in self.arguments or ()}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise MCPError(
                INVALID_PARAMS,
                f"{self.name} takes no argument {', '.join(unknown)} "
                f"(it takes: {', '.join(known) or 'none'})",
            )
        for name, argument in known.items():
            if argument.required and not str(given.get(name, "")).strip():
                raise MCPError(INVALID_PARAMS, f"{self.name} needs {name}: {argument.description}")
        return await super().render(given, context)


@contextmanager
def _reading(session: Session) -> Iterator[Store]:
    """`session.reading()` for a prompt: a refusal (no such contact, an ambiguous REF with
    its candidates) is a protocol error carrying crm's line, which a client shows as is."""
    try:
        with session.reading() as store:
            yield store
    except ToolError as exc:
        raise MCPError(INVALID_PARAMS, str(exc)) from None


async def _tool(server: MCPServer, name: str, arguments: dict[str, Any]) -> Any:
    """A read tool's answer, for a prompt to embed: what the model would get asking it."""
    try:
        result = await server.call_tool(name, arguments)
    except ToolError as exc:
        raise MCPError(INVALID_PARAMS, str(exc.__cause__ or exc)) from None
    assert isinstance(result, CallToolResult), result  # read tools ask the client nothing
    return result.structured_content


def _text(name: str, value: str | None, *, required: bool = False) -> str | None:
    try:
        return text_arg(name, value, required=required)
    except ToolError as exc:
        raise MCPError(INVALID_PARAMS, str(exc)) from None


def _contact(store: Store, ref: str) -> int:
    from crmcli.core.search.refs import resolve_contact

    text = _text("ref", ref, required=True)
    assert text is not None
    return resolve_contact(store, text)


def _brief(store: Store, contact_id: int) -> dict[str, Any]:
    """The pre-call sheet `crm brief` shows, as data."""
    from crmcli.core.overview.brief import build_brief

    return dict(build_brief(store, contact_id))


def _who(facts: dict[str, Any]) -> str:
    """`Hélène Dupont (#12, CEO at Acme)`: who a prompt is about."""
    person = facts.get("contact", facts)  # a brief nests the person; a contact story is one
    role = " at ".join(str(v) for v in (person.get("title"), person.get("company")) if v)
    return f"{person.get('name')} (#{person.get('id')}{', ' + role if role else ''})"


def _today() -> str:
    return clock.local_now().strftime("%A %d %B %Y")


def _block(facts: Any) -> str:
    """The facts as compact JSON, empty fields left out: a model reads it as well, and
    a brief with every null key spelled out costs twice the tokens."""
    text = json.dumps(_lean(facts), ensure_ascii=False, separators=(",", ":"), default=str)
    return f"```json\n{text}\n```"


def _lean(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _lean(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list | tuple):
        return [_lean(v) for v in value]
    return value
