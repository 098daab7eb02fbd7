"""Write tools: log, promise, create, update, move and close, and undo.

Every one goes through `Session.write`: refused unless the server runs with
--allow-writes, `dry_run` shows what would change, and each call is one batch
marked `(via mcp)` that `crm undo` can take back. A REF is resolved exactly as the
shell resolves it: never a fuzzy guess; an ambiguous one returns the candidates.

Arguments are read inside the write's work (after the read-only check, before the
core's transaction opens), so a refusal to write always comes first and a bad
argument never leaves anything behind. Date phrases are the shell's own
(`values.when.parse_with_config`), and what they resolved to is echoed back, for a
dry run too, so the model can say "logged for Fri 4 Dec 15:00" and be right.
`forget` and bulk deletes are not offered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from crmcli.assistant.arguments import (
    CONTACT_REF,
    DEAL_REF,
    DRY_RUN,
    FUTURE_WHEN,
    PAST_WHEN,
    amount_arg,
    clearable_arg,
    contact_result,
    deal_arg,
    deal_result,
    due_echo,
    id_arg,
    iso_stamp,
    listed_arg,
    local_stamp,
    optional_deal,
    owner_of,
    past_warning,
    ref_arg,
    seconds_arg,
    texts_arg,
)
from crmcli.assistant.session import AS_TEXT, ORIGIN, Session, limit_arg, text_arg
from crmcli.core.activity.interactions import Kind
from crmcli.core.people.fields import ContactStatus

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.values.when import When

Work = Callable[["Store", dict[str, Any]], dict[str, Any]]


# Hints for clients that ask before a tool runs: `list_changes` only reads; the tools that
# only add (a contact, an interaction, a follow-up, a deal) overwrite nothing. The others
# keep the protocol's default (may change what is there).
READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
ADDITIVE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)


def register(server: MCPServer, session: Session) -> None:
    """The write tools, and `list_changes` (a read: what `undo` can take back)."""

    def run(tool: str, dry_run: bool, work: Work) -> dict[str, Any]:
        """`work` as one `(via mcp)` write; what it resolved (`echo`) joins the result,
        a dry run's included."""
        echo: dict[str, Any] = {}
        result = session.write(tool, dry_run, lambda store: work(store, echo))
        return {**result, **echo}

    def when_arg(name: str, text: str | None, direction: Literal["future", "past"]) -> When:
        from crmcli.core.values.when import parse_with_config

        phrase = text_arg(name, text, required=True)
        assert phrase is not None
        return parse_with_config(phrase, session.config, direction)

    # -- contacts ------------------------------------------------------------------------

    @server.tool(
        description=(
            "Add a new contact (a person). Look them up with find_contacts first: this "
            "always creates a new one, and says in `warnings` when another contact already "
            "has the email or phone. A company named here is created if it does not exist "
            "(`created_company`; `close_company` names an existing one it may have meant)."
        ),
        annotations=ADDITIVE,
    )
    def create_contact(
        name: Annotated[str, Field(description='Full name, e.g. "Hélène Dupont".')],
        email: Annotated[str | None, Field(description="Email address.")] = None,
        phone: Annotated[
            str | None, Field(description="Phone number in any format (+33 6 12 34 56 78).")
        ] = None,
        company: Annotated[str | None, AS_TEXT, Field(description="Company name.")] = None,
        title: Annotated[str | None, Field(description="Job title.")] = None,
        tags: Annotated[list[str] | None, Field(description='Tags, e.g. ["vip"].')] = None,
        notes: Annotated[str | None, Field(description="Free-text notes.")] = None,
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core.people import contacts

            given = contacts.ContactFields(
                name=text_arg("name", name, required=True),
                emails=listed_arg("email", email),
                phones=listed_arg("phone", phone),
                company=text_arg("company", company),
                title=text_arg("title", title),
                tags=texts_arg("tags", tags),
                notes=text_arg("notes", notes),
            )
            return contact_result(contacts.add(store, given))

        return run("create_contact", dry_run, work)

    @server.tool(
        description=(
            "Change an existing contact: set the name, company, job title, notes or "
            "lifecycle status, and add or remove an email, a phone or tags. Only what is "
            'given changes; other emails, phones and tags stay. `company` "" leaves '
            "them with no company; `notes` replaces the notes (read them with get_contact "
            "first to add to them)."
        ),
    )
    def update_contact(
        ref: Annotated[str, AS_TEXT, Field(description=CONTACT_REF)],
        name: Annotated[str | None, Field(description="New full name.")] = None,
        company: Annotated[
            str | None, Field(description='Company name (created if new); "" for none.')
        ] = None,
        title: Annotated[str | None, Field(description='Job title; "" to clear.')] = None,
        notes: Annotated[str | None, Field(description='Notes, replaced; "" to clear.')] = None,
        status: Annotated[
            ContactStatus | None,
            Field(description="Lifecycle status: lead, prospect, customer or inactive."),
        ] = None,
        add_email: Annotated[str | None, Field(description="An email to add.")] = None,
        remove_email: Annotated[str | None, Field(description="An email to remove.")] = None,
        add_phone: Annotated[str | None, Field(description="A phone number to add.")] = None,
        remove_phone: Annotated[
            str | None, Field(description="A phone number to remove (any format).")
        ] = None,
        add_tags: Annotated[list[str] | None, Field(description="Tags to add.")] = None,
        remove_tags: Annotated[list[str] | None, Field(description="Tags to remove.")] = None,
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core.people import contacts
            from crmcli.core.search.refs import resolve_contact

            given = contacts.ContactFields(
                name=text_arg("name", name, required=name is not None),
                company=clearable_arg("company", company),
                title=clearable_arg("title", title),
                notes=clearable_arg("notes", notes),
                status=None if status is None else status.value,
                add_emails=listed_arg("add_email", add_email) or [],
                rm_emails=listed_arg("remove_email", remove_email) or [],
                add_phones=listed_arg("add_phone", add_phone) or [],
                rm_phones=listed_arg("remove_phone", remove_phone) or [],
                add_tags=texts_arg("add_tags", add_tags) or [],
                rm_tags=texts_arg("remove_tags", remove_tags) or [],
            )
            if given == contacts.ContactFields():
                raise ToolError("nothing to change: give at least one field to set")
            contact_id = resolve_contact(store, ref_arg("ref", ref))
            return contact_result(contacts.edit(store, contact_id, given))

        return run("update_contact", dry_run, work)

    # -- interactions and follow-ups -------------------------------------------------------

    @server.tool(
        description=(
            "Record something that happened with a contact: a call, an email, a meeting, a "
            "note or a message, when it happened (default now), and optionally promise a "
            "follow-up in the same step (`next`). The first line of `summary` is the "
            "summary, the rest its body. Echoes the resolved times (`when`, `next`)."
        ),
        annotations=ADDITIVE,
    )
    def log_interaction(
        ref: Annotated[str, AS_TEXT, Field(description=CONTACT_REF)],
        kind: Annotated[Kind, Field(description="call, email, meeting, note or message.")],
        summary: Annotated[
            str, Field(description="What happened: one line, or a line and then details.")
        ],
        when: Annotated[str | None, Field(description=PAST_WHEN)] = None,
        duration: Annotated[
            int | str | None,
            Field(description="How long: minutes as a number (25), or 15m, 1h, 1h30, 90s."),
        ] = None,
        outcome: Annotated[
            str | None,
            Field(
                description="connected, voicemail, no-answer, busy, wrong-number, "
                "left-message, completed, rescheduled, cancelled, no-show, replied or bounced."
            ),
        ] = None,
        direction: Annotated[
            Literal["in", "out"] | None,
            Field(description="in: they reached the rep; out: the rep reached them."),
        ] = None,
        deal: Annotated[
            str | None, AS_TEXT, Field(description=f"The deal it was about. {DEAL_REF}")
        ] = None,
        next: Annotated[
            str | None, Field(description=f"Also promise a follow-up then. {FUTURE_WHEN}")
        ] = None,
        next_note: Annotated[
            str | None, Field(description="What the follow-up is for (needs `next`).")
        ] = None,
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core import clock
            from crmcli.core.activity import interactions
            from crmcli.core.search.refs import resolve_contact

            text, body = interactions.split_text(text_arg("summary", summary, required=True) or "")
            happened = (
                interactions.happened_at(when_arg("when", when, "past"))
                if when is not None
                else clock.local_now()
            )
            echo.update(when=iso_stamp(happened), when_text=when, when_local=local_stamp(happened))
            seconds = seconds_arg(duration)
            checked = text_arg("outcome", outcome)
            result_outcome = interactions.check_outcome(checked) if checked else None
            note = text_arg("next_note", next_note)
            if note is not None and next is None:
                raise ToolError("next_note needs next: when the follow-up is due")
            follow = when_arg("next", next, "future") if next is not None else None
            if follow is not None:
                echo.update(due_echo("next", follow, next))
            contact_id = resolve_contact(store, ref_arg("ref", ref))
            deal_id = optional_deal(store, deal)
            logged = interactions.log(
                store,
                contact_id,
                kind,
                text,
                at=happened if when is not None else None,
                body=body,
                duration_seconds=seconds,
                outcome=result_outcome,
                direction=None if direction is None else interactions.Direction(direction),
                deal_id=deal_id,
                next_when=follow,
                next_note=note,
            )
            return {
                "interaction": dict(logged.interaction),
                "followup": None if logged.followup is None else dict(logged.followup),
                "warnings": past_warning(logged.followup, next),
            }

        return run("log_interaction", dry_run, work)

    @server.tool(
        description=(
            "Promise to get back to a contact: a follow-up due at a time or on a day. It "
            "shows in today() and the agenda until completed. Echoes the resolved `due`."
        ),
        annotations=ADDITIVE,
    )
    def add_followup(
        ref: Annotated[str, AS_TEXT, Field(description=CONTACT_REF)],
        when: Annotated[str, Field(description=FUTURE_WHEN)],
        note: Annotated[str, Field(description='What to do, e.g. "send the revised quote".')],
        deal: Annotated[
            str | None, AS_TEXT, Field(description=f"The deal it is about. {DEAL_REF}")
        ] = None,
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core.activity import followups
            from crmcli.core.search.refs import resolve_contact

            due = when_arg("when", when, "future")
            echo.update(due_echo("due", due, when))
            text = text_arg("note", note, required=True)
            contact_id = resolve_contact(store, ref_arg("ref", ref))
            deal_id = optional_deal(store, deal)
            row = followups.add(store, contact_id, due, text, deal_id=deal_id)
            return {"followup": dict(row), "warnings": past_warning(row, when)}

        return run("add_followup", dry_run, work)

    @server.tool(
        description=(
            "Mark a follow-up done (the promise is kept). `id` is the follow-up's number "
            "from today(), agenda() or get_contact. A follow-up already done is refused."
        ),
    )
    def complete_followup(
        id: Annotated[int, Field(description="The follow-up's id.")],
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core.activity import followups

            return {"followup": dict(followups.done(store, id_arg("id", id)))}

        return run("complete_followup", dry_run, work)

    @server.tool(
        description=(
            "Move an open follow-up to a later time (snooze it); its first due date is "
            "kept. Echoes the resolved `due`."
        ),
    )
    def snooze_followup(
        id: Annotated[int, Field(description="The follow-up's id.")],
        when: Annotated[str, Field(description=FUTURE_WHEN)],
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core.activity import followups

            followup_id = id_arg("id", id)
            due = when_arg("when", when, "future")
            echo.update(due_echo("due", due, when))
            row = followups.snooze(store, followup_id, due)
            return {"followup": dict(row), "warnings": past_warning(row, when)}

        return run("snooze_followup", dry_run, work)

    # -- deals -----------------------------------------------------------------------------

    @server.tool(
        description=(
            "Open a new deal (something being sold) for a contact or a company, in an open "
            "pipeline stage (the first by default). Amounts are in currency units, not "
            "cents. Echoes the resolved expected close date."
        ),
        annotations=ADDITIVE,
    )
    def create_deal(
        title: Annotated[str, Field(description='What is being sold, e.g. "Annual licence".')],
        contact: Annotated[
            str | None,
            Field(description=f"Who it is with (this or company is required). {CONTACT_REF}"),
        ] = None,
        company: Annotated[
            str | None,
            Field(description="The company: id, domain, exact name or unique name prefix."),
        ] = None,
        amount: Annotated[
            str | float | None,
            Field(description='Value in currency units: 12000, "12k", "12 000,50".'),
        ] = None,
        currency: Annotated[
            str | None, Field(description="ISO 4217 code (EUR, USD); default the rep's own.")
        ] = None,
        stage: Annotated[
            str | None, Field(description="Starting open stage, by name (see pipeline()).")
        ] = None,
        close: Annotated[
            str | None,
            Field(description="Expected close date: eom, jan 15, next fri, 2026-12-31."),
        ] = None,
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core.people import companies
            from crmcli.core.pipeline import deals
            from crmcli.core.search.refs import resolve_contact

            closing = when_arg("close", close, "future").date if close is not None else None
            if closing is not None:
                echo.update(close=closing.isoformat(), close_text=close)
            if contact is None and company is None:
                raise ToolError("a deal needs a contact or a company")
            given = deals.DealFields(
                title=text_arg("title", title, required=True),
                amount=amount_arg(amount),
                currency=text_arg("currency", currency),
                stage=text_arg("stage", stage),
                close=closing,
            )
            if contact is not None:
                given.contact_id = resolve_contact(store, ref_arg("contact", contact))
            if company is not None:
                given.company_id = companies.resolve(store, ref_arg("company", company))
            return {"deal": deal_result(deals.add(store, given))}

        return run("create_deal", dry_run, work)

    @server.tool(
        description=(
            "Move an open deal to another pipeline stage (names: see pipeline()). A won "
            "or lost stage closes it: prefer win_deal / lose_deal for that."
        ),
    )
    def move_deal(
        ref: Annotated[str, AS_TEXT, Field(description=DEAL_REF)],
        stage: Annotated[str, Field(description="Target stage: name or unique name prefix.")],
        reason: Annotated[
            str | None, Field(description="Why it moved (kept in its stage history).")
        ] = None,
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core.pipeline import deals

            target = text_arg("stage", stage, required=True) or ""
            why = text_arg("reason", reason)
            deal, notes = deals.move(store, deal_arg(store, ref), target, reason=why)
            return {"deal": deal_result(deal), "notes": notes}

        return run("move_deal", dry_run, work)

    @server.tool(
        description=(
            "Close an open deal as won. Its contact, if a lead or prospect, becomes a "
            "customer (said in `notes`)."
        ),
    )
    def win_deal(
        ref: Annotated[str, AS_TEXT, Field(description=DEAL_REF)],
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core.pipeline import deals

            deal, notes = deals.won(store, deal_arg(store, ref))
            return {"deal": deal_result(deal), "notes": notes}

        return run("win_deal", dry_run, work)

    @server.tool(description="Close an open deal as lost, with the reason (required).")
    def lose_deal(
        ref: Annotated[str, AS_TEXT, Field(description=DEAL_REF)],
        reason: Annotated[str, Field(description='Why it was lost, e.g. "went with a rival".')],
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core.pipeline import deals

            why = text_arg("reason", reason, required=True) or ""
            deal, notes = deals.lost(store, deal_arg(store, ref), why)
            return {"deal": deal_result(deal), "notes": notes}

        return run("lose_deal", dry_run, work)

    # -- what was changed, and taking it back -------------------------------------------------

    @server.tool(
        description=(
            "The rep's recent changes that can still be undone, newest first, as "
            "`crm undo --list` shows them: id, when (ISO 8601 UTC), command, how many rows, "
            "and `via_mcp` (made through this assistant). Only `via_mcp` ones can be taken "
            "back with undo. Changes nothing."
        ),
        annotations=READ_ONLY,
    )
    def list_changes(
        limit: Annotated[
            int | None, Field(description="At most this many (1-100, default 20).")
        ] = None,
    ) -> dict[str, Any]:
        from crmcli.core import undo

        size = limit_arg(limit)
        with session.reading() as store:
            batches = undo.recent(store, owner_of(session), limit=size)
        return {
            "items": [
                {
                    "id": b.id,
                    "at": b.at,
                    "command": b.command,
                    "changes": b.changes,
                    "via_mcp": undo.made_via(b.command, ORIGIN),
                }
                for b in batches
            ]
        }

    @server.tool(
        description=(
            "Take back a change made through this assistant: the most recent one, or the "
            "one with this id (from list_changes). Restores exactly what was there before. "
            "Changes the rep made in the shell are refused (the rep undoes those with `crm "
            "undo`), and so is one a later change built on. An undo is not itself undone: "
            "calling undo twice goes two changes back."
        ),
    )
    def undo(
        batch: Annotated[
            int | None,
            Field(description="A change id from list_changes; default the latest via mcp."),
        ] = None,
        dry_run: Annotated[bool, Field(description=DRY_RUN)] = False,
    ) -> dict[str, Any]:
        def work(store: Store, echo: dict[str, Any]) -> dict[str, Any]:
            from crmcli.core import undo

            wanted = None if batch is None else id_arg("batch", batch)
            done = undo.undo_own(store, owner_of(session), ORIGIN, wanted)
            return {
                "undone": {
                    "id": done.id,
                    "at": done.at,
                    "command": done.command,
                    "changes": done.changes,
                }
            }

        return run("undo", dry_run, work)


# -- arguments ---------------------------------------------------------------------------------
