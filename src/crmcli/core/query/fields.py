"""The fields each list can be filtered on: name, kind, SQL, help — written down once.

`--help`, the README's field lists and the compiler all read these tables. Each field's
SQL refers only to its list's own alias (contacts `c`, companies `co`, deals `d`,
follow-ups `f`, interactions `i`) and to its own subqueries (aliases `q...`), so the
fragment fits every query that reads that table: the list, the export, the assistant.

Kinds (what a value means, see compile.py):
- text:    words from their start, accents/case/punctuation ignored (`title:dir` finds
           "Directrice"); the column is folded in SQL.
- folded:  the same, on a column stored folded already (name_key, tag_key): no SQL fold.
- company: `folded`, the value read as a company name (legal form dropped: "Acme SAS").
- key:     one exact value, case ignored (status, tag, kind); `choices` when closed.
- like:    a piece of an address or domain, as typed (`email:@acme.com`).
- number:  a whole number; `>`, `>=`, `<`, `<=`, `low..high`.
- amount:  money in the record's own currency: 10k, 2.5m, 1200.50; compared per currency.
- date:    a calendar day (YYYY-MM-DD columns): a date, a date word, or an age (`30d`).
- stamp:   an instant (timestamps): the same values, days taken in local time.
- bool:    yes or no.
- place:   a part of a postal address (city, country), words from their start.

Importing this module costs nothing: no imports but dataclasses (the commands read it
for their --help).
"""

from __future__ import annotations

from dataclasses import dataclass

ENTITIES = ("contacts", "companies", "deals", "followups", "interactions")


@dataclass(frozen=True)
class Field:
    """One filterable field. `exists`, when set, is a membership template (`c.id IN
    (SELECT ...)`) whose `{cond}` the compiler fills with the condition on `column`: a
    field with many values per record. IN, not a correlated EXISTS, so the engine can
    start from the subquery's index (a tag's 11,000 contacts of 100,000, found in 40 ms
    where walking every contact to test each took 900)."""

    name: str
    kind: str
    column: str
    help: str
    exists: str | None = None
    choices: tuple[str, ...] = ()
    currency: str | None = None  # amount: the column holding the record's currency
    part: str | None = None  # place: the address key (city, country)
    case: str = "lower"  # key: how the value is compared: lower, upper, fold or exact


@dataclass(frozen=True)
class Entity:
    """A list's fields, and those free text (a bare word, a "phrase") looks in."""

    name: str
    alias: str
    fields: tuple[Field, ...]
    free_text: tuple[str, ...]

    def field(self, name: str) -> Field | None:
        for candidate in self.fields:
            if candidate.name == name.lower():
                return candidate
        return None

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


def _stamps(alias: str, what: str) -> tuple[Field, ...]:
    return (
        Field("created", "stamp", f"{alias}.created_at", f"when the {what} was added"),
        Field("updated", "stamp", f"{alias}.updated_at", f"when the {what} last changed"),
        Field("owner", "key", f"{alias}.owner", "whose it is (team mode)", case="exact"),
    )


def _person(link: str) -> tuple[Field, ...]:
    """Fields on the contact a record belongs to (`link` is its contact_id column)."""
    return (
        Field(
            "contact",
            "folded",
            f"(SELECT q.name_key FROM contact q WHERE q.id = {link})",
            "the contact's name, words from their start",
        ),
        Field(
            "company",
            "company",
            "(SELECT qc.name_key FROM contact q JOIN company qc ON qc.id = q.company_id "
            f"WHERE q.id = {link})",
            "the contact's company",
        ),
        Field(
            "tag",
            "key",
            "q.tag_key",
            "a tag of the contact (whole tag, case and accents ignored)",
            exists=f"({link} IS NOT NULL AND {link} IN "
            f"(SELECT q.contact_id FROM contact_tag q WHERE {{cond}}))",
            case="fold",
        ),
    )


_DEAL_OF_CONTACT = (
    "c.id IN (SELECT q.contact_id FROM deal q JOIN stage qs ON qs.id = q.stage_id "
    "WHERE q.contact_id IS NOT NULL AND {cond})"
)
STATUSES = ("lead", "prospect", "customer", "inactive")  # people.fields.ContactStatus
DEAL_STATUSES = ("open", "won", "lost")

CONTACTS = Entity(
    "contacts",
    "c",
    (
        Field("id", "number", "c.id", "the contact's id"),
        Field("name", "folded", "c.name_key", "any word of the name, from its start"),
        Field(
            "company",
            "company",
            "(SELECT q.name_key FROM company q WHERE q.id = c.company_id)",
            "the company's name, words from their start",
        ),
        Field("title", "text", "c.title", "job title"),
        Field(
            "email",
            "like",
            "q.email_norm",
            "part of any address (email:@acme.com)",
            exists="c.id IN (SELECT q.contact_id FROM contact_email q WHERE {cond})",
        ),
        Field(
            "tag",
            "key",
            "q.tag_key",
            "a tag (whole tag, case and accents ignored)",
            exists="c.id IN (SELECT q.contact_id FROM contact_tag q WHERE {cond})",
            case="fold",
        ),
        Field("status", "key", "c.status", "lifecycle status", choices=STATUSES),
        Field("source", "text", "c.lead_source", "lead source (linkedin, referral...)"),
        Field("city", "place", "c.addresses", "the city of any address", part="city"),
        Field("country", "place", "c.addresses", "the country of any address", part="country"),
        Field("notes", "text", "c.notes", "words in the notes"),
        Field("touched", "stamp", "c.last_touch_at", "the last touch (interaction logged)"),
        Field("cadence", "number", "c.cadence_days", "keep-in-touch cadence, in days"),
        Field("dnc", "bool", "c.do_not_contact", "do not contact: yes or no"),
        Field(
            "deal.stage",
            "text",
            "qs.name",
            "the stage of any of their deals",
            exists=_DEAL_OF_CONTACT,
        ),
        Field(
            "deal.status",
            "key",
            "q.status",
            "the status of any of their deals",
            exists=_DEAL_OF_CONTACT,
            choices=DEAL_STATUSES,
        ),
        Field(
            "deal.amount",
            "amount",
            "q.amount_minor",
            "the amount of any of their deals, in its currency",
            exists=_DEAL_OF_CONTACT,
            currency="q.currency",
        ),
        *_stamps("c", "contact"),
    ),
    ("name", "company", "email", "title", "notes", "tag"),
)

COMPANIES = Entity(
    "companies",
    "co",
    (
        Field("id", "number", "co.id", "the company's id"),
        Field("name", "company", "co.name_key", "any word of the name, from its start"),
        Field("domain", "like", "co.domain", "part of its web domain"),
        Field("industry", "text", "co.industry", "industry"),
        Field("notes", "text", "co.notes", "words in the notes"),
        Field("city", "place", "co.addresses", "the city of any address", part="city"),
        Field("country", "place", "co.addresses", "the country of any address", part="country"),
        Field(
            "people",
            "number",
            "(SELECT count(*) FROM contact q WHERE q.company_id = co.id AND q.archived_at IS NULL)",
            "how many (live) contacts work there",
        ),
        Field(
            "tag",
            "key",
            "qt.tag_key",
            "a tag of any of its people",
            exists="co.id IN (SELECT q.company_id FROM contact q JOIN contact_tag qt "
            "ON qt.contact_id = q.id WHERE q.company_id IS NOT NULL AND {cond})",
            case="fold",
        ),
        *_stamps("co", "company"),
    ),
    ("name", "domain", "industry", "notes"),
)

DEALS = Entity(
    "deals",
    "d",
    (
        Field("id", "number", "d.id", "the deal's id"),
        Field("title", "text", "d.title", "words of the title"),
        Field(
            "stage",
            "text",
            "(SELECT qs.name FROM stage qs WHERE qs.id = d.stage_id)",
            "the stage's name, words from their start",
        ),
        Field(
            "pipeline",
            "text",
            "(SELECT qp.name FROM stage qs JOIN pipeline qp ON qp.id = qs.pipeline_id "
            "WHERE qs.id = d.stage_id)",
            "the pipeline's name (schema v7)",
        ),
        Field("status", "key", "d.status", "open, won or lost", choices=DEAL_STATUSES),
        Field(
            "amount",
            "amount",
            "d.amount_minor",
            "the amount, in its currency",
            currency="d.currency",
        ),
        Field("currency", "key", "d.currency", "ISO 4217 code (EUR, USD)", case="upper"),
        *_person("d.contact_id")[:1],
        Field(
            "company",
            "company",
            "(SELECT q.name_key FROM company q WHERE q.id = d.company_id)",
            "the deal's company",
        ),
        *_person("d.contact_id")[2:],
        Field("source", "text", "d.lead_source", "lead source"),
        Field("next", "text", "d.next_step", "words of the next step"),
        Field(
            "probability",
            "number",
            "coalesce(d.probability, (SELECT qs.probability FROM stage qs "
            "WHERE qs.id = d.stage_id))",
            "win probability in % (the deal's own, else its stage's)",
        ),
        Field("close", "date", "d.expected_close", "expected close date"),
        Field("entered", "stamp", "d.stage_entered_at", "when it entered its stage"),
        Field("closed", "stamp", "d.closed_at", "when it was won or lost"),
        *_stamps("d", "deal"),
    ),
    ("title", "contact", "company", "next"),
)

FOLLOWUPS = Entity(
    "followups",
    "f",
    (
        Field("id", "number", "f.id", "the follow-up's id"),
        *_person("f.contact_id"),
        Field("deal", "text", "(SELECT q.title FROM deal q WHERE q.id = f.deal_id)", "deal title"),
        Field("note", "text", "f.note", "words of the note"),
        Field("kind", "key", "f.kind", "its kind (followup...)"),
        Field("status", "key", "f.status", "open or done", choices=("open", "done")),
        Field("due", "date", "f.due_date", "the day it is due"),
        Field("done", "stamp", "f.done_at", "when it was done"),
        Field("snoozed", "number", "f.snooze_count", "how many times it was snoozed"),
        *_stamps("f", "follow-up"),
    ),
    ("note", "contact", "deal"),
)

INTERACTIONS = Entity(
    "interactions",
    "i",
    (
        Field("id", "number", "i.id", "the interaction's id"),
        *_person("i.contact_id"),
        Field("deal", "text", "(SELECT q.title FROM deal q WHERE q.id = i.deal_id)", "deal title"),
        Field(
            "kind",
            "key",
            "i.kind",
            "call, email, meeting, note or message",
            choices=("call", "email", "meeting", "note", "message"),
        ),
        Field("direction", "key", "i.direction", "in or out", choices=("in", "out")),
        Field("summary", "text", "i.summary", "words of the summary"),
        Field("body", "text", "i.body", "words of the body"),
        Field("outcome", "text", "i.outcome", "outcome (connected, voicemail...)"),
        Field("at", "stamp", "i.occurred_at", "when it happened"),
        Field("created", "stamp", "i.created_at", "when it was logged"),
        Field("owner", "key", "i.owner", "whose it is (team mode)", case="exact"),
    ),
    ("summary", "body", "contact"),
)

TABLES = {e.name: e for e in (CONTACTS, COMPANIES, DEALS, FOLLOWUPS, INTERACTIONS)}


def entity(name: str) -> Entity:
    return TABLES[name]


def help_line(name: str) -> str:
    """The --where help of one list: the syntax in brief and its field names."""
    return (
        'Filter: FIELD:VALUE terms, ANDed; OR, NOT or -, ( ), "quoted text", '
        "> >= < <= and low..high; bare words look in "
        f"{', '.join(TABLES[name].free_text)}. Fields: {', '.join(TABLES[name].names)}, has. "
        "E.g. 'tag:vip touched:>30d -tag:dnc'."
    )
