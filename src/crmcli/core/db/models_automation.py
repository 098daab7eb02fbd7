"""The schema of what crm does on its own: rules, message templates, and the sync state.

Part of the schema's single source of truth (see `models`, which imports this module so
that every table is declared whenever the models are): the same conventions, the same
SQLModel metadata, never imported on the command paths.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from crmcli.core.db.model_base import AUTOINC, Owned


class Rule(Owned, table=True):
    """An automation rule (schema v8): a trigger, an optional condition, its actions.

    Stored as the text the rep wrote (`when_text`, `if_text` in the filter language,
    `then_text` a JSON list of action lines) and parsed when loaded, so `crm rule edit`
    shows exactly what was saved. In the database rather than a file so that a team
    on PostgreSQL shares one set.
    """

    __tablename__ = "rule"
    __table_args__ = (sa.UniqueConstraint("name"), AUTOINC)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    position: int = Field(default=0)
    when_text: str  # the trigger, as written: "deal enters Proposal"
    if_text: str | None = None  # the condition, in the filter language
    then_text: str  # the actions: a JSON list of action lines
    enabled: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    description: str | None = None


class RuleEffect(SQLModel, table=True):
    """One action a rule applied (schema v8): why a follow-up, tag, field or move exists.

    Written in the same batch as the action, so undoing the batch removes both; the
    rule's name is copied, so the explanation outlives the rule.
    """

    __tablename__ = "rule_effect"
    __table_args__ = (sa.Index("ix_rule_effect_row", "table_name", "row_id"), AUTOINC)

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int | None = Field(default=None, index=True)
    rule_name: str
    batch: str = Field(index=True)
    at: str
    action_text: str  # the action line as written
    reason: str  # what fired it, in words: "deal 5 'Acme pilot' entered Proposal"
    table_name: str  # the row the action made or changed
    row_id: int
    contact_id: int | None = Field(default=None, index=True)


class RuleFired(SQLModel, table=True):
    """A time rule's firing on one subject and condition (schema v8): never fired twice.

    Not part of any undo batch: a time rule's work that the rep undid is not redone
    by the next `crm rule run`.
    """

    __tablename__ = "rule_fired"
    __table_args__ = (sa.UniqueConstraint("rule_id", "subject", "occasion"), AUTOINC)

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int
    subject: str  # "followup:12", "contact:7"
    occasion: str  # what made it due: the follow-up's due time, the contact's touch-due date
    at: str
    contact_id: int | None = Field(default=None, index=True)


class Template(Owned, table=True):
    """A message template (schema v8): a subject and a body with merge fields."""

    __tablename__ = "template"
    __table_args__ = (sa.UniqueConstraint("name"), AUTOINC)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    subject: str
    body: str
    description: str | None = None


class SyncSource(SQLModel, table=True):
    """A place `crm sync` reads or writes (schema v8): a Maildir folder, an IMAP folder, a
    vdir, a CalDAV/CardDAV collection; its cursor and how its last run went."""

    __tablename__ = "sync_source"
    __table_args__ = (sa.UniqueConstraint("kind", "name"), AUTOINC)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # mail, calendar, contacts
    name: str  # the source as the rep named it, normalised: "maildir:/home/me/Mail/INBOX"
    cursor: str | None = None  # e.g. IMAP "UIDVALIDITY:last UID"
    last_run_at: str | None = None
    last_counts: str | None = None  # JSON: new, updated, deleted, conflicts, skipped
    last_error: str | None = None


class SyncItem(SQLModel, table=True):
    """One item of a sync source as last seen (schema v8): each sync is a diff against
    these, and a sync killed midway resumes from them without a duplicate."""

    __tablename__ = "sync_item"
    __table_args__ = (
        sa.UniqueConstraint("source_id", "item"),
        sa.Index("ix_sync_item_row", "table_name", "row_id"),
        AUTOINC,
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="sync_source.id", ondelete="CASCADE")
    item: str  # its key there: a Maildir base name, "UIDVALIDITY:UID", a vCard UID, an href
    fingerprint: str | None = None  # Message-ID, etag or content hash: what changed
    table_name: str | None = None  # what it became here (None: seen, nothing logged)
    row_id: int | None = None
    seen_at: str
    base: str | None = None  # schema v9: the fields both sides last agreed on (JSON), for merges
