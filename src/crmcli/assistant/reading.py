"""Read tools: lookups, a contact's whole story, the day's work, the pipeline, reports.

Each is the same core call the matching shell command makes, shaped as JSON; list
tools take `limit` (at most 100) and a `cursor` for the next page. Shapes are stable:
every key is always there (null when empty), ids are included, dates and times are
ISO 8601 (instants in UTC, as stored), and money is minor units with its currency
beside a display string, never summed across currencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from crmcli.assistant.filtering import WHERE_HELP, fields_help, view_help, where_arg
from crmcli.assistant.session import AS_TEXT, Session, limit_arg, page, text_arg, tool_errors
from crmcli.assistant.sheets import (
    Window,
    bounded_int,
    contact_sheet,
    deal_json,
    deal_sheet,
    followup_json,
    money_map,
    section_json,
    touch_json,
    with_display,
)
from crmcli.core import clock

if TYPE_CHECKING:
    pass

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
SEARCH_CAP = 500  # hits ranked for search_notes; it pages through these
AGENDA_DAYS = (1, 90)
FORECAST_MONTHS = (1, 36)

CONTACT_REF = (
    "The contact: an id (12 or #12), an email, a phone number in any format, an exact "
    "name (accents and case ignored) or a name prefix only one contact has. Never a "
    "guess: an ambiguous REF is an error listing the candidates (use find_contacts "
    "first when unsure)."
)
DEAL_REF = "The deal: an id (12 or #12), its exact title, or a title prefix only one deal has."
Limit = Annotated[int | None, Field(description="At most this many per page (1-100, default 20).")]
Cursor = Annotated[
    str | None,
    Field(
        description="next_cursor from the previous page, to get the next one; omit for the first."
    ),
]


def register(server: MCPServer, session: Session) -> None:
    @server.tool(
        annotations=READ_ONLY,
        description=(
            "Look contacts up the way `crm find` does: by name (accent- and case-insensitive, "
            "typo-tolerant), company, email, tag, @domain, or a phone number or a few of its "
            "digits. Best match first, each with what matched. Use it before any write to "
            "get the contact's id."
        ),
    )
    def find_contacts(
        query: Annotated[str, AS_TEXT, Field(description="Words, an email, @domain or digits.")],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        from crmcli.core.search.find import describe, find

        words = text_arg("query", query, required=True)
        assert words is not None
        with session.reading() as store:
            hits = find(store, words, limit=500)
            return page(hits, limit, cursor, render=lambda window: describe(store, window))

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "Everything about one contact, as `crm contact show` has it: names, company, "
            "title, emails, phones, URLs, tags, status, lead source, keep-in-touch cadence "
            "(cadence_days) and last touch, notes, birthday, addresses, custom fields, "
            "relations, dates and chat handles; then `timeline` (their last 20 events, newest "
            "first: interactions with their kind as `what`, summary as `text`, direction, "
            "outcome and duration; follow-ups; deal stage moves), `deals` (each with stage, "
            "status, amount, days in stage, age and next step) and `open_followups` (due "
            "date and time, note, overdue flag); deals_total and open_followups_total count "
            "them all when more than 50. Use it to answer anything about a person, or "
            "before acting on them."
        ),
    )
    def get_contact(ref: Annotated[str, AS_TEXT, Field(description=CONTACT_REF)]) -> dict[str, Any]:
        from crmcli.core.search.refs import resolve_contact

        text_arg("ref", ref)  # bounded; an empty one gets the shell's message below
        with session.reading() as store:
            return contact_sheet(store, resolve_contact(store, ref))

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "The rep's day, as `crm today` shows it: `overdue` follow-ups (most late "
            "first, with how late), follow-ups due `today` and not yet late, contacts "
            "`touch` (due for a touch: their keep-in-touch cadence ran out; warmest "
            "relationship first) and `deals` needing attention (stale in their stage, or "
            "with no next step). Each section has its `total` and its first `limit` "
            "items. Use it for 'what should I do today?'."
        ),
    )
    def today(
        limit: Annotated[
            int | None, Field(description="Items listed per section (1-100, default 20).")
        ] = None,
    ) -> dict[str, Any]:
        from crmcli.core.overview.agenda import today as build

        size = limit_arg(limit)
        now = clock.local_now()
        with session.reading() as store:
            view = build(store, now, limit=size)
            local_today = now.date().isoformat()
            return {
                "now": now.isoformat(timespec="seconds"),
                "overdue": section_json(
                    view.overdue.total,
                    (followup_json(r, now, local_today) for r in view.overdue.rows),
                ),
                "today": section_json(
                    view.due_today.total,
                    (followup_json(r, now, local_today) for r in view.due_today.rows),
                ),
                "touch": section_json(view.touch.total, (touch_json(r) for r in view.touch.rows)),
                "deals": section_json(view.deals.total, (deal_json(r) for r in view.deals.rows)),
            }

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "Open follow-ups of the coming days, as `crm agenda` shows them: overdue ones "
            'first (day "overdue"), then each day from today, each follow-up with its '
            "`day`, time (null: all day), contact, deal and note. `days` lists every day "
            "of the window with its count, empty days included. Use it for 'what is "
            "coming this week?'."
        ),
    )
    def agenda(
        days: Annotated[
            int | None, Field(description="How many days ahead, today included (1-90, default 7).")
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        from crmcli.core.overview.agenda import days_ahead

        ahead = bounded_int("days", days, AGENDA_DAYS, 7)
        limit_arg(limit)
        now = clock.local_now()
        with session.reading() as store:
            groups = days_ahead(store, now, ahead)
        local_today = now.date().isoformat()
        items = [
            {"day": day, **followup_json(row, now, local_today)}
            for day, section in groups
            for row in section.rows
        ]
        return {
            **page(items, limit, cursor),
            "days": [{"day": day, "count": section.total} for day, section in groups],
        }

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "Deals, as `crm deal list` lists them: in pipeline order, oldest in its stage "
            "first; open ones unless `status` says otherwise. Filter by stage, by contact "
            "or by company. Each deal has its stage, status, amount (amount_minor in the "
            "currency's minor units, currency, and `amount` for display), win probability, "
            "expected close, next step, days in stage, age in days, and the stale / "
            "no_next_step flags. `where` filters with the shell's filter language "
            "(stage:proposal amount:>10k close:<+30d tag:vip)."
        ),
    )
    def list_deals(
        stage: Annotated[
            str | None, Field(description="A stage name (or unique prefix), e.g. Proposal.")
        ] = None,
        status: Annotated[
            str | None, Field(description="open (default), won, lost or all.")
        ] = None,
        contact: Annotated[
            str | None,
            Field(description="Only this contact's deals: a contact REF (id, email, exact name)."),
        ] = None,
        company: Annotated[
            str | None,
            Field(description="Only this company's deals: its id, domain, name or unique prefix."),
        ] = None,
        where: Annotated[str | None, Field(description=WHERE_HELP + fields_help("deals"))] = None,
        view: Annotated[str | None, Field(description=view_help("deals"))] = None,
        pipeline: Annotated[
            str | None,
            Field(description="Only this pipeline's deals: its name or id (default: every one)."),
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        from crmcli.core.people.companies import resolve as resolve_company
        from crmcli.core.pipeline import listing
        from crmcli.core.pipeline.pipelines import resolve as resolve_pipeline
        from crmcli.core.pipeline.stages import resolve as resolve_stage
        from crmcli.core.search.refs import resolve_contact

        limit_arg(limit)
        for name, value in (
            ("stage", stage),
            ("status", status),
            ("contact", contact),
            ("company", company),
            ("pipeline", pipeline),
        ):
            text_arg(name, value)
        wanted = (status or "open").strip().lower()
        with session.reading() as store:
            pipeline_id = (
                int(resolve_pipeline(store, pipeline)["id"]) if pipeline is not None else None
            )
            stage_id = (
                int(resolve_stage(store, stage, pipeline_id)["id"]) if stage is not None else None
            )
            compiled = where_arg(store, "deals", where, view)
            if pipeline_id is not None:
                inside = (
                    "d.stage_id IN (SELECT id FROM stage WHERE pipeline_id = ?)",
                    [pipeline_id],
                )
                compiled = (
                    inside
                    if compiled is None
                    else (f"({compiled[0]}) AND ({inside[0]})", [*compiled[1], *inside[1]])
                )
            filters: dict[str, Any] = {
                "stage_id": stage_id,
                "status": None if wanted == "all" else wanted,
                "contact_id": resolve_contact(store, contact) if contact is not None else None,
                "company_id": resolve_company(store, company) if company is not None else None,
                "where": compiled,
            }
            now = clock.now()
            found = page(
                Window(
                    listing.count(store, **filters),
                    lambda start, size: listing.deals(
                        store, now, limit=size, offset=start, **filters
                    ),
                ),
                limit,
                cursor,
            )
        found["items"] = [deal_json(r, detailed=True) for r in found["items"]]
        return found

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "Contacts, as `crm contact list --where` lists them: live ones, by name, each "
            "with id, name, company, title, status, first email and phone, and tags. Use "
            "it for a segment ('my VIPs not touched in a month': tag:vip touched:>30d); "
            "use find_contacts to look one person up by name."
        ),
    )
    def list_contacts(
        where: Annotated[
            str | None,
            Field(description=WHERE_HELP + fields_help("contacts") + " Omit for all."),
        ] = None,
        view: Annotated[str | None, Field(description=view_help("contacts"))] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        from crmcli.core.query.lists import contacts_slice, count_contacts

        size = limit_arg(limit)
        with session.reading() as store:
            query = where_arg(store, "contacts", where, view)
            found = page(
                Window(
                    count_contacts(store, query),
                    lambda start, count: contacts_slice(store, query, start, count),
                ),
                size,
                cursor,
            )
        keys = ("id", "name", "company", "title", "status", "email", "phone", "tags")
        found["items"] = [{key: item.get(key) for key in keys} for item in found["items"]]
        return found

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "One deal whole, as `crm deal show` has it: contact, company, amount, stage and "
            "status, win probability, expected close, next step, flags, lost reason, "
            "contract end, lead source; `history` (every stage move, when and why) and "
            "`timeline` (its last 20 interactions and follow-ups, newest first)."
        ),
    )
    def get_deal(ref: Annotated[str, AS_TEXT, Field(description=DEAL_REF)]) -> dict[str, Any]:
        from crmcli.core.pipeline.deals import resolve_deal

        text_arg("ref", ref)
        with session.reading() as store:
            return deal_sheet(store, resolve_deal(store, ref))

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "The pipeline board, as `crm pipeline` shows it: each open stage in order with "
            "its win probability, target days, deal count, `totals` and `weighted` "
            "(probability-weighted) amounts per currency (minor units, never summed across "
            "currencies, with a display string), and its deals, oldest in the stage first "
            "(`more` says how many are not listed). Use it for a pipeline review."
        ),
    )
    def pipeline(
        limit: Annotated[
            int | None, Field(description="Deals listed per stage (1-100, default 20).")
        ] = None,
        pipeline: Annotated[
            str | None,
            Field(
                description="Which pipeline: its name or id (default: the first); 'all' for "
                "every pipeline (sums stay per currency)."
            ),
        ] = None,
    ) -> dict[str, Any]:
        from crmcli.core.pipeline.board import board
        from crmcli.core.pipeline.pipelines import scope

        size = limit_arg(limit)
        which = text_arg("pipeline", pipeline)
        with session.reading() as store:
            columns = board(store, clock.now(), per_stage=size, pipeline_id=scope(store, which))
        return {
            "stages": [
                {
                    "pipeline": c.pipeline,
                    "stage_id": c.stage["id"],
                    "stage": c.stage["name"],
                    "probability": c.stage["probability"],
                    "target_days": c.stage["target_days"],
                    "count": c.count,
                    **money_map("totals", c.totals),
                    **money_map("weighted", c.weighted),
                    "deals": [deal_json(d) for d in c.cards],
                    "more": c.more,
                }
                for c in columns
            ]
        }

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "The forecast, as `crm forecast` shows it: open deals by expected close month "
            '(YYYY-MM; "earlier" for those that should already have closed, "undated" '
            "for those with no close date), each month with its deal count, `weighted` "
            "(amount x win probability), `best_case` (every deal) and `commit` (deals at "
            "or above the commit probability) per currency, in minor units with a "
            "display string."
        ),
    )
    def forecast(
        months: Annotated[
            int | None,
            Field(description="How many months ahead, this one included (1-36, default 3)."),
        ] = None,
        pipeline: Annotated[
            str | None,
            Field(
                description="Which pipeline: its name or id (default: the first); 'all' for "
                "every pipeline (sums stay per currency)."
            ),
        ] = None,
    ) -> dict[str, Any]:
        from crmcli.core.pipeline.board import forecast as build
        from crmcli.core.pipeline.pipelines import scope

        ahead = bounded_int("months", months, FORECAST_MONTHS, 3)
        commit_at = int(session.config.get("commit_probability"))
        which = text_arg("pipeline", pipeline)
        with session.reading() as store:
            buckets = build(
                store,
                clock.local_now().date(),
                months=ahead,
                commit_at=commit_at,
                pipeline_id=scope(store, which),
            )
        return {
            "commit_probability": commit_at,
            "months": [
                {
                    "month": b.label,
                    "deals": b.deals,
                    **money_map("weighted", b.weighted),
                    **money_map("best_case", b.best),
                    **money_map("commit", b.commit),
                }
                for b in buckets
            ],
        }

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "Full-text search over what was said and written, as `crm search` does: "
            "interaction summaries and bodies (calls, emails, meetings, notes), follow-up "
            "notes and contact notes. Words are prefix-matched, accents and case ignored "
            '("pric" finds "pricing"); every word must match. Best first, each hit with '
            "its source, contact, time and a snippet with the matches in [brackets]. Use "
            "it for 'what did I promise about X?'."
        ),
    )
    def search_notes(
        text: Annotated[str, Field(description="The words to look for.")],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        from crmcli.core.search.fulltext import search

        text_arg("text", text)  # bounded; an empty one gets the shell's message
        limit_arg(limit)
        with session.reading() as store:
            rows = search(store, text, limit=SEARCH_CAP)
        hits = [
            {
                "source": r["source"],
                "id": r["id"],
                "contact_id": r["contact_id"],
                "contact": r["contact"],
                "at": r["at"],
                "what": r["what"],
                "snippet": r["snippet"],
                "rank": round(float(r["rank"]), 3) + 0.0,  # never -0.0
            }
            for r in rows
        ]
        return page(hits, limit, cursor)

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "The management report, as `crm report --json` gives it: `pipeline` (open deals "
            "per stage), `forecast`, `conversion` (win rate, cycle, funnel, days per stage, "
            "lead sources), `activity` (interactions per week against goals, follow-ups "
            "kept on time) and `health` (stale deals, deals without a next step, touches "
            "due, quiet customers). Money is {currency: minor units} with a `*_display` "
            "string beside it. Give `section` for one table only: pipeline, forecast, "
            "funnel, stages, sources, activity, followups, stale, no-next-step, touch or "
            "retention."
        ),
    )
    def report(
        section: Annotated[
            str | None,
            Field(description="One section's table only (see the names above); omit for all."),
        ] = None,
        period: Annotated[
            str | None,
            Field(
                description="The period conversion and activity cover (default 90d): 90d, "
                "12w, 6m, 1y, this-week, this-month, this-quarter, this-year, last-week, "
                "last-month, last-quarter, last-year, ytd, or FROM..TO (ISO dates, both "
                "included)."
            ),
        ] = None,
    ) -> dict[str, Any]:
        from crmcli.core.overview.periods import parse_period
        from crmcli.core.overview.reports import build
        from crmcli.core.overview.sections import check_section, section_rows

        text_arg("section", section)
        text_arg("period", period)
        with tool_errors():
            if section is not None:
                check_section(section)
        with session.reading() as store:
            now = clock.now()
            span = parse_period("90d" if period is None else period, clock.local_now().date())
            data = build(
                store,
                span,
                now,
                commit_at=int(session.config.get("commit_probability")),
                limit=10,
            )
        if section is None:
            whole: dict[str, Any] = with_display(data)
            return whole
        return {
            "period": with_display(data["period"]),
            "section": section,
            "rows": [with_display(r) for r in section_rows(data, section)],
        }

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "Likely duplicate contacts and companies, as `crm dedupe` finds them: "
            '"certain" ones first (same email with compatible names, same name and '
            'phone, same profile URL), then "possible" ones (very similar names at one '
            'company, the same name and nothing else), then "shared" lines or '
            "mailboxes (several people on one number: not duplicates). Each with the ids, "
            "names and why. Merging is done in the shell: `crm contact merge KEEP OTHER`."
        ),
    )
    def dedupe_candidates(limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
        from crmcli.core.people.dedupe import find

        limit_arg(limit)
        with session.reading() as store:
            findings = find(store)
        items = [
            {
                "kind": f.kind,
                "what": f.what,
                "ids": f.ids,
                "names": f.names,
                "why": f.why,
                "extra": f.extra,
            }
            for f in findings
        ]
        return page(items, limit, cursor)

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "The pre-call sheet, as `crm brief` prints it: who they are, company and role, "
            "their last interactions with outcomes, open deals with stage, age and next "
            "step, open and overdue follow-ups, promises made in recent notes, cadence "
            "status and engagement score. Use it just before a call or a meeting."
        ),
    )
    def get_brief(ref: Annotated[str, AS_TEXT, Field(description=CONTACT_REF)]) -> dict[str, Any]:
        from crmcli.core.overview.brief import build_brief
        from crmcli.core.search.refs import resolve_contact

        text_arg("ref", ref)
        with session.reading() as store:
            sheet: dict[str, Any] = build_brief(store, resolve_contact(store, ref))
        return sheet
