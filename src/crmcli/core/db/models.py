"""The schema's single source of truth: SQLModel models for the whole domain.

These classes declare every table, column, key and index, on SQLite and on
PostgreSQL. They are *not* imported on the command paths (SQLModel and
SQLAlchemy cost more start-up time than a whole command may take): the frozen
DDL in `crmcli.core.db.migrations` is generated from them by
`python -m crmcli.core.db.schema_dump`, and tests hold both the migrations and the
runtime column lists in `crmcli.core.db.columns` against these models.

Conventions, chosen once for both backends:
- timestamps are fixed-width ISO 8601 UTC text (`2026-11-22T09:30:00.000000Z`),
  so ordering and comparisons in SQL behave identically everywhere;
- calendar dates are `YYYY-MM-DD` text; a birthday without a year is `--MM-DD`
  (the ISO 8601 / vCard form), never an invented year;
- money is an integer count of minor units plus an ISO 4217 code;
- structured extras (addresses, ids in other systems, custom fields) are JSON text;
- every record has an `owner` (team mode) and a `version` (optimistic locking).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from crmcli.core.db.model_base import AUTOINC, Owned


class Company(Owned, table=True):
    __tablename__ = "company"
    __table_args__ = AUTOINC

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(index=True)
    domain: str | None = Field(default=None, index=True)
    industry: str | None = None
    notes: str | None = None
    archived_at: str | None = None
    # Schema v6: what a company card (Apple, Outlook, a CRM) says of the company itself.
    website: str | None = None
    phone: str | None = None
    email: str | None = None
    addresses: str | None = None  # JSON list, the shape of contact.addresses
    external_ids: str | None = None  # JSON {system: id}
    custom_fields: str | None = None  # JSON {name: value}


# Open records (follow-ups, deals): what the daily view's partial indexes hold (schema v9).
OPEN = "status = 'open'"
# A deal's next step that is none (crmcli.core.pipeline.attention.BLANK_STEP, copied:
# the models import nothing of the domain).
_SPACES = (9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 133, 160, 5760, *range(8192, 8203))
_SPACES += (8232, 8233, 8239, 8287, 12288)
_BLANK_STEP = {
    "sqlite": f"(next_step IS NULL OR trim(next_step, char({', '.join(map(str, _SPACES))})) = '')",
    "postgresql": "(next_step IS NULL OR btrim(next_step, "
    f"{' || '.join(f'chr({c})' for c in _SPACES)}) = '')",
}

CUSTOMERS = "status = 'customer' AND archived_at IS NULL"

# A partial index lists its condition's columns too (schema v9): SQLite (3.40 here)
# reads each row to test them otherwise, and these indexes exist to be read alone.
LIVE = ("cadence_days", "do_not_contact", "archived_at")

# Contacts with a live keep-in-touch cadence: `crm today` scores every due one, so
# this partial index carries what scoring needs (schema v3).
TOUCH_WHERE = "cadence_days IS NOT NULL AND NOT do_not_contact AND archived_at IS NULL"


class Contact(Owned, table=True):
    __tablename__ = "contact"
    __table_args__ = (
        sa.Index(
            "ix_contact_touch",
            "touch_due_at",
            "last_touch_at",
            *LIVE,  # schema v9: a count of the due from the index alone
            sqlite_where=sa.text(TOUCH_WHERE),
            postgresql_where=sa.text(TOUCH_WHERE),
        ),
        # Schema v6: (name_key, company_id), so "same name at the same company" (the
        # import's possible-duplicate check) is answered from the index alone.
        sa.Index("ix_contact_name_key", "name_key", "company_id"),
        # Schema v9: `crm today` reads the warmest due contacts first, by rank then due
        # date, instead of scoring every due one.
        sa.Index(
            "ix_contact_touch_rank",
            "touch_rank",
            "touch_due_at",
            *LIVE,
            sqlite_where=sa.text(TOUCH_WHERE),
            postgresql_where=sa.text(TOUCH_WHERE),
        ),
        # Schema v9: live customers by last touch, never touched first (`crm report`'s
        # quiet customers: the count and the first few from the index).
        sa.Index(
            "ix_contact_customer_touch",
            "last_touch_at",
            "status",
            "archived_at",
            sqlite_where=sa.text(CUSTOMERS),
            postgresql_where=sa.text(CUSTOMERS),
        ),
        AUTOINC,
    )

    id: int | None = Field(default=None, primary_key=True)
    display_name: str
    prefix: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    suffix: str | None = None
    name_key: str
    title: str | None = None
    company_id: int | None = Field(
        default=None, foreign_key="company.id", ondelete="SET NULL", index=True
    )
    lead_source: str | None = None
    status: str = Field(default="lead", sa_column_kwargs={"server_default": "lead"})
    do_not_contact: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    birthday: str | None = None
    notes: str | None = None
    cadence_days: int | None = None
    last_touch_at: str | None = None
    # When the keep-in-touch cadence next falls due (last touch + cadence), kept by
    # the services so `crm today` finds due contacts with one indexed range scan.
    touch_due_at: str | None = Field(default=None, index=True)
    addresses: str | None = None
    external_ids: str | None = None
    custom_fields: str | None = None
    archived_at: str | None = None
    nickname: str | None = None  # schema v6
    # Schema v9: at most the engagement score this contact can have once due, less 2/9 of
    # a point per day overdue (migration m0009 says how). Kept by triggers in the
    # database on every write to the contact's touch dates, interactions and open deals,
    # whoever writes them; nothing in crm writes it.
    touch_rank: int | None = None


class ContactEmail(SQLModel, table=True):
    __tablename__ = "contact_email"
    # (email_norm, contact_id), schema v8: a lookup by address, or by its start (`crm
    # find amel`), reads the index alone, never the table's rows.
    __table_args__ = (
        sa.Index("ix_contact_email_norm_contact", "email_norm", "contact_id"),
        AUTOINC,
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE", index=True)
    email: str
    email_norm: str
    label: str | None = None
    is_primary: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    valid: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ContactPhone(SQLModel, table=True):
    __tablename__ = "contact_phone"
    __table_args__ = AUTOINC

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE", index=True)
    raw: str
    e164: str | None = Field(default=None, index=True)
    extension: str | None = None
    formatted: str | None = None  # international format, computed once at write time
    label: str | None = None
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Schema v6: false when libphonenumber calls the number possible but not valid
    # (e164 still set, so it is matched) or cannot read it at all (e164 NULL, kept as text).
    valid: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})


class ContactUrl(SQLModel, table=True):
    """Web and social profiles; `url_norm` is the matching form (LinkedIn identity)."""

    __tablename__ = "contact_url"
    __table_args__ = AUTOINC

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE", index=True)
    url: str
    url_norm: str = Field(index=True)
    kind: str | None = None
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ContactTag(SQLModel, table=True):
    """A label on a contact; `tag_key` is the folded form, so VIP and vip are one tag."""

    __tablename__ = "contact_tag"
    __table_args__ = (sa.UniqueConstraint("contact_id", "tag_key"), AUTOINC)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE")
    tag_key: str = Field(index=True)
    tag: str


class ContactRelation(SQLModel, table=True):
    """A person a contact is related to (spouse, assistant, manager...), schema v6.

    `name` is kept as the source wrote it; `related_id` points at the contact of that
    name when one is known, so the relation survives the other person being renamed.
    """

    __tablename__ = "contact_relation"
    __table_args__ = AUTOINC

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE", index=True)
    name: str
    kind: str | None = None
    related_id: int | None = Field(
        default=None, foreign_key="contact.id", ondelete="SET NULL", index=True
    )
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ContactDate(SQLModel, table=True):
    """A date worth remembering besides the birthday (anniversary...), schema v6."""

    __tablename__ = "contact_date"
    __table_args__ = AUTOINC

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE", index=True)
    label: str
    date: str  # YYYY-MM-DD, or --MM-DD when the year is unknown
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ContactHandle(SQLModel, table=True):
    """An instant-messaging or social handle (service + handle), schema v6."""

    __tablename__ = "contact_handle"
    __table_args__ = AUTOINC

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE", index=True)
    service: str
    handle: str
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ContactPhoto(SQLModel, table=True):
    """A contact's photo, as base64 text (or the URI a card gave), schema v6.

    Text, not a blob: the change log, undo, JSON export and `crm db copy` carry it
    like any other value, on both engines.
    """

    __tablename__ = "contact_photo"
    __table_args__ = AUTOINC

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE", unique=True)
    media_type: str | None = None
    data: str | None = None
    uri: str | None = None


class SearchTerm(SQLModel, table=True):
    """Inverted index for `crm find`: one row per folded word of a contact.

    A plain table with a B-tree on `term` serves prefix lookups (`term >= 'dup'
    AND term < 'duq'`) identically on SQLite and PostgreSQL; the vocabulary of
    distinct terms feeds the typo-tolerant pass.
    """

    __tablename__ = "search_term"
    # The rows are the key's B-tree (schema v4): each term is stored once.
    __table_args__ = {"sqlite_with_rowid": False}

    term: str = Field(primary_key=True)
    contact_id: int = Field(
        foreign_key="contact.id", ondelete="CASCADE", primary_key=True, index=True
    )
    field: str = Field(primary_key=True)


class Pipeline(Owned, table=True):
    """A sales pipeline (schema v7): its own open stages and its own won and lost ones.

    The first pipeline (lowest id) is the default wherever a command names none.
    """

    __tablename__ = "pipeline"
    __table_args__ = AUTOINC

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


class Stage(Owned, table=True):
    """A pipeline step: win probability (%) and how many days a deal should stay.

    Schema v7: a stage belongs to one pipeline, and its name is unique within it
    (every pipeline has its own Won and Lost); `position` orders it within it.
    """

    __tablename__ = "stage"
    __table_args__ = (sa.UniqueConstraint("pipeline_id", "name"), AUTOINC)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    position: int
    probability: int
    target_days: int | None = None
    kind: str = Field(default="open", sa_column_kwargs={"server_default": "open"})
    pipeline_id: int = Field(foreign_key="pipeline.id")


class Deal(Owned, table=True):
    __tablename__ = "deal"
    __table_args__ = (
        # schema v9: the board's order after (stage_id, status), so its first cards of a
        # stage come from the index without a sort; then the money the pipeline and the
        # forecast sum, so they read the index alone (issue #25)
        sa.Index(
            "ix_deal_stage_status",
            "stage_id",
            "status",
            "stage_entered_at",
            "id",
            "currency",
            "amount_minor",
            "probability",
            "expected_close",
        ),
        # Schema v9: open deals oldest in their stage first (the daily view's deals at
        # risk), and the open ones with no next step (`attention.BLANK_STEP`: NULL, empty
        # or only spaces as Python's str.isspace() means them).
        # Schema v9: a period's new deals with what the report's funnel groups them by,
        # and its closed deals.
        sa.Index(
            "ix_deal_created",
            "created_at",
            "status",
            "stage_id",
            "reach",
            "lead_source",
            "contact_source",
        ),
        sa.Index(
            "ix_deal_closed",
            "closed_at",
            "status",
            "created_at",
            "amount_minor",
            "currency",
            "lead_source",
            "contact_source",
        ),
        sa.Index(
            "ix_deal_open_entered",
            "stage_entered_at",
            "id",
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        ),
        sa.Index(
            "ix_deal_open_no_step",
            "stage_entered_at",
            "id",
            "stage_id",
            "next_step",
            "status",
            sqlite_where=sa.text(f"{OPEN} AND {_BLANK_STEP['sqlite']}"),
            postgresql_where=sa.text(f"{OPEN} AND {_BLANK_STEP['postgresql']}"),
        ),
        AUTOINC,
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str
    contact_id: int | None = Field(
        default=None, foreign_key="contact.id", ondelete="SET NULL", index=True
    )
    company_id: int | None = Field(
        default=None, foreign_key="company.id", ondelete="SET NULL", index=True
    )
    amount_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    currency: str | None = None
    stage_id: int = Field(foreign_key="stage.id")
    probability: int | None = None
    expected_close: str | None = None
    next_step: str | None = None
    status: str = Field(default="open", sa_column_kwargs={"server_default": "open"})
    lost_reason: str | None = None
    contract_end: str | None = None
    lead_source: str | None = None
    stage_entered_at: str
    closed_at: str | None = None
    external_ids: str | None = None  # JSON {system: id}, schema v6: identity on re-import
    custom_fields: str | None = None  # JSON {name: value}, schema v6
    # Schema v9, kept by triggers for `crm report`'s conversion figures (migration m0009):
    # the stage ids its history went to (comma-separated, each once), and the lead
    # source its contact gives (the contact's own, else "referral" when referred).
    reach: str | None = None
    contact_source: str | None = None


class DealStageChange(SQLModel, table=True):
    """One row per stage change of a deal: the raw material of conversion reports."""

    __tablename__ = "deal_stage_change"
    __table_args__ = (
        sa.Index("ix_deal_stage_change_deal_at", "deal_id", "at"),
        # Schema v9: the stays ended in a stage over a period (`crm report`).
        sa.Index("ix_deal_stage_change_stays", "stay_stage_id", "at", "stay_us"),
        AUTOINC,
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", ondelete="CASCADE")
    from_stage_id: int | None = Field(default=None, foreign_key="stage.id", ondelete="SET NULL")
    to_stage_id: int | None = Field(default=None, foreign_key="stage.id", ondelete="SET NULL")
    at: str
    owner: str = Field(default="me")
    # Why the deal moved, as the rep said it (`deal move --reason`, `deal lost --reason`):
    # as ALTER TABLE added it in v5.
    reason: str | None = None
    # Schema v9, kept by triggers for `crm report`: the stage the deal was in until this
    # change (the previous change's, by time then id) and for how many microseconds.
    stay_stage_id: int | None = None
    stay_us: int | None = Field(default=None, sa_type=sa.BigInteger)


class Interaction(Owned, table=True):
    __tablename__ = "interaction"
    __table_args__ = (
        sa.Index("ix_interaction_contact_at", "contact_id", "occurred_at"),
        # Your interactions of one kind over a period: one range of the index (schema v9;
        # (owner, occurred_at, kind) since v3 made `crm report` scan and sort each week).
        sa.Index("ix_interaction_owner_kind_at", "owner", "kind", "occurred_at"),
        AUTOINC,
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE")
    deal_id: int | None = Field(
        default=None, foreign_key="deal.id", ondelete="SET NULL", index=True
    )
    kind: str
    direction: str | None = None
    occurred_at: str = Field(index=True)
    summary: str
    body: str | None = None
    duration_seconds: int | None = None
    outcome: str | None = None
    # Identity in the source (an email's Message-ID, an imported activity's id),
    # so piping or importing the same thing twice does not log it twice.
    external_id: str | None = Field(default=None, index=True)
    thread: str | None = Field(default=None, index=True)  # v9: its email conversation (m0009)


class Followup(Owned, table=True):
    """A promise to get back to someone: a local date, optionally a time.

    `due_at` is the instant used for ordering and reminders (local midnight for
    an all-day follow-up, in the zone `tz` it was made in).
    """

    __tablename__ = "followup"
    __table_args__ = (
        # Schema v9: the open ones in due order (replacing (status, due_at): every query
        # of it asks for open ones), and day by day in the order shown, each with what the
        # daily view tests (so its counts read the index alone).
        sa.Index(
            "ix_followup_open_due",
            "due_at",
            "id",
            "due_date",
            "due_time",
            "status",
            "owner",  # a rep's own on a server, and the report's overdue count
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        ),
        sa.Index(
            "ix_followup_open_day",
            "due_date",
            "due_time",
            "id",
            "due_at",
            "status",
            "owner",
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        ),
        # Schema v9: those done, by when (`crm report`: done on time or late, and whose).
        sa.Index(
            "ix_followup_done",
            "done_at",
            "due_date",
            "owner",
            "status",
            sqlite_where=sa.text("status = 'done'"),
            postgresql_where=sa.text("status = 'done'"),
        ),
        AUTOINC,
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE", index=True)
    deal_id: int | None = Field(
        default=None, foreign_key="deal.id", ondelete="SET NULL", index=True
    )
    kind: str = Field(default="followup", sa_column_kwargs={"server_default": "followup"})
    due_date: str
    due_time: str | None = None
    due_at: str
    tz: str | None = None
    note: str | None = None
    status: str = Field(default="open", sa_column_kwargs={"server_default": "open"})
    done_at: str | None = None
    snooze_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    original_due_date: str | None = None


class Goal(Owned, table=True):
    __tablename__ = "goal"
    __table_args__ = (sa.UniqueConstraint("owner", "kind", "period"), AUTOINC)

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    target: int
    period: str = Field(default="week", sa_column_kwargs={"server_default": "week"})


class ChangeLog(SQLModel, table=True):
    """Before/after images of every change, grouped by batch: the basis of `crm undo`.

    `contact_id` ties an entry to the person it describes, so `crm contact
    forget` can erase that person from the log too.
    """

    __tablename__ = "change_log"
    __table_args__ = AUTOINC

    id: int | None = Field(default=None, primary_key=True)
    batch: str = Field(index=True)
    at: str
    owner: str = Field(default="me")
    command: str
    table_name: str
    row_id: int
    op: str
    before: str | None = None
    after: str | None = None
    contact_id: int | None = Field(default=None, index=True)
    undone_at: str | None = None


class SavedView(SQLModel, table=True):
    """A named filter (schema v7): a `--where` query on one kind of list, per owner."""

    __tablename__ = "saved_view"
    __table_args__ = (sa.UniqueConstraint("owner", "name"), AUTOINC)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    entity: str  # contacts, deals, followups or companies
    query: str
    owner: str = Field(default="me")
    created_at: str
    updated_at: str


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself (schema version, creation time)."""

    __tablename__ = "crm_meta"

    key: str = Field(primary_key=True)
    value: str


# Rules, templates and sync state live in their own module (this one stays under the size a
# module may reach); importing it here registers their tables with the same metadata.
from crmcli.core.db import models_automation, models_bookkeeping  # noqa: E402, F401
