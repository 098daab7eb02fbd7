"""The pre-call sheet: who they are, what happened, what is open, what the rep promised.

`build_brief` is read by `crm brief`, the assistant's `get_brief` tool and its
`prepare_call` prompt: one JSON-safe dict (text, ISO dates and stamps, integers;
money as minor units, currency and a display string). Reads only, each query on
the contact's own indexes (the contact's row and lists, `ix_interaction_contact_at`,
`ix_deal_contact_id`, `ix_followup_contact_id`), so a brief costs the same on a
hundred contacts or a hundred thousand.

Promises are found by a small rule (`promises_in`), not a language model: a
sentence of the rep's own notes that commits the rep to something, in English or
French. See `promises_in` for what counts and what does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crmcli.core import clock
from crmcli.core.db.store import Store

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp
    from crmcli.core.people.rows import ContactDetail
    from crmcli.core.pipeline.rows import Deal

LAST_INTERACTIONS = 5
DEALS_SHOWN = 20  # open deals, in pipeline order; a contact rarely has more than a few
FOLLOWUPS_SHOWN = 20  # open follow-ups, soonest (most overdue) first
PROMISE_DAYS = 90  # how far back notes are read for promises
PROMISES_SHOWN = 10  # newest first
PROMISE_NOTES = 200  # interactions read for promises at most, newest first
PROMISE_CHARS = 4000  # of each note's text: a pasted e-mail thread says no more after that
PROMISE_TEXT = 200  # a promise's sentence is cut (with …) past this


def build_brief(store: Store, contact_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything a rep reads before calling contact `contact_id` (NotFound if there is none).

    Keys: `contact` (id, name, company, title, emails, phones, tags, status,
    do_not_contact, archived), `last_interactions` (newest 5), `deals` (open ones, the
    first 20 in pipeline order), `followups` (open ones, the 20 due first, `overdue`
    marked), `totals` (how many open deals and follow-ups there are in all), `promises`
    (from the last 90 days of notes, newest 10), `cadence`, `score` (0-100,
    `crmcli.core.activity.scoring`), `relations`, and `as_of` (the instant it
    describes). Empty sections are empty lists, never missing keys.
    """
    from crmcli.core.people import directory

    now = now or clock.now()
    contact = directory.get(store, contact_id)
    deals = _deals(store, contact_id, now)
    followups = _followups(store, contact_id, now)
    return {
        "as_of": clock.stamp(now),
        "contact": _contact(contact),
        "last_interactions": _last_interactions(store, contact_id),
        "deals": deals,
        "followups": followups,
        "totals": {
            "deals": _total(store, "deal", contact_id, deals, DEALS_SHOWN),
            "followups": _total(store, "followup", contact_id, followups, FOLLOWUPS_SHOWN),
        },
        "promises": promises(store, contact_id, now),
        "cadence": cadence(contact, now),
        "score": _score(store, contact_id, now),
        "relations": [
            {"name": r["name"], "kind": r["kind"], "contact_id": r["related_id"]}
            for r in contact["relations"]
        ],
    }


def _contact(contact: ContactDetail) -> dict[str, Any]:
    return {
        "id": contact["id"],
        "name": contact["display_name"],
        "company": contact["company"],
        "company_id": contact["company_id"],
        "title": contact["title"],
        "emails": [
            {"email": e["email"], "label": e["label"], "primary": bool(e["is_primary"])}
            for e in contact["emails"]
        ],
        "phones": [
            {"number": p.get("display", p["raw"]), "e164": p["e164"], "label": p["label"]}
            for p in contact["phones"]
        ],
        "tags": contact["tags"],
        "status": contact["status"],
        "do_not_contact": contact["do_not_contact"],
        "archived": contact["archived_at"] is not None,
    }


def _last_interactions(store: Store, contact_id: int) -> list[dict[str, Any]]:
    """The newest interactions, as `crm contact show`'s timeline orders them (index scan)."""
    return store.rows(
        "SELECT i.id, i.kind, i.occurred_at AS at, i.summary, i.outcome, i.direction, "
        "i.duration_seconds, i.deal_id, d.title AS deal FROM interaction i "
        "LEFT JOIN deal d ON d.id = i.deal_id WHERE i.contact_id = ? "
        "ORDER BY i.occurred_at DESC, i.id DESC LIMIT ?",
        (contact_id, LAST_INTERACTIONS),
    )


def _deals(store: Store, contact_id: int, now: datetime) -> list[dict[str, Any]]:
    """The contact's open deals in pipeline order, with age and time in stage against target."""
    from crmcli.core.pipeline.attention import DEAL_SELECT, annotate
    from crmcli.core.values.money import format_amount

    sql = DEAL_SELECT.replace(" FROM deal d ", ", d.created_at FROM deal d ", 1)
    rows = store.rows(
        f"{sql} WHERE d.contact_id = ? AND d.status = 'open' "
        "ORDER BY s.position, d.stage_entered_at, d.id LIMIT ?",
        (contact_id, DEALS_SHOWN),
    )
    out = []
    for row in rows:
        deal: Deal = annotate(row, now)
        minor, currency = deal["amount_minor"], deal["currency"]
        out.append(
            {
                "id": deal["id"],
                "title": deal["title"],
                "stage": deal["stage"],
                "amount": minor,
                "currency": currency,
                "amount_display": (
                    format_amount(int(minor), currency or "") if minor is not None else None
                ),
                "probability": (
                    deal["probability"]
                    if deal["probability"] is not None
                    else deal["stage_probability"]
                ),
                "age_days": max(0, (now - clock.parse_stamp(row["created_at"])).days),
                "days_in_stage": deal["days_in_stage"],
                "target_days": deal["target_days"],
                "stale": deal["stale"],
                "next_step": deal["next_step"],
                "expected_close": deal["expected_close"],
            }
        )
    return out


def _total(store: Store, table: str, contact_id: int, shown: list[Any], cap: int) -> int:
    """How many open deals or follow-ups the contact has: counted only when the list is full."""
    if len(shown) < cap:
        return len(shown)
    return int(
        store.value(
            f"SELECT count(*) FROM {table} WHERE contact_id = ? AND status = 'open'", (contact_id,)
        )
    )


def _followups(store: Store, contact_id: int, now: datetime) -> list[dict[str, Any]]:
    """Open follow-ups with this contact, anyone's (a colleague's promise counts too)."""
    from crmcli.core.activity.followups import is_overdue, list_followups
    from crmcli.core.overview.agenda import lateness

    today = now.astimezone().date().isoformat()
    out = []
    for row in list_followups(store, contact_id=contact_id, limit=FOLLOWUPS_SHOWN, owner="all"):
        time = row["due_time"]
        overdue = is_overdue(row, now, today)
        out.append(
            {
                "id": row["id"],
                "due": f"{row['due_date']}T{time}" if time else row["due_date"],
                "all_day": time is None,
                "note": row["note"],
                "kind": row["kind"],
                "deal_id": row["deal_id"],
                "deal": row["deal"],
                "overdue": overdue,
                "late": lateness(_late_seconds(row, now)) if overdue else None,
            }
        )
    return out


def _late_seconds(row: FollowUp, now: datetime) -> int:
    """How late an overdue follow-up is: an all-day one from the end of its day."""
    if row["due_time"] is None:
        end = datetime.fromisoformat(row["due_date"]).replace(tzinfo=now.astimezone().tzinfo)
        return int((now - (end + timedelta(days=1))).total_seconds())
    return int((now - clock.parse_stamp(row["due_at"])).total_seconds())


def cadence(contact: ContactDetail | dict[str, Any], now: datetime) -> dict[str, Any]:
    """The keep-in-touch cadence as a rep reads it: every N days, last touch, due or late.

    `status`: `none` (no cadence), `ok` (due in `due_in_days`), `due` (fell due within
    the last day) or `overdue` (by `overdue_days` whole days). Due means what `crm
    today` means: the stored due instant (`touch_due_at`) is past.
    """
    days = contact["cadence_days"]
    out: dict[str, Any] = {
        "days": days,
        "last_touch": contact["last_touch_at"],
        "due_at": contact["touch_due_at"] if days else None,
        "status": "none",
        "due_in_days": None,
        "overdue_days": None,
    }
    if not days or not contact["touch_due_at"]:
        return out
    due = clock.parse_stamp(contact["touch_due_at"])
    if due > now:
        out["status"] = "ok"
        out["due_in_days"] = (due.astimezone().date() - now.astimezone().date()).days
    else:
        late = (now - due).days
        out["status"] = "overdue" if late >= 1 else "due"
        out["overdue_days"] = late
    return out


def _score(store: Store, contact_id: int, now: datetime) -> int:
    """The engagement score by the very SQL that ranks `crm contact list --sort score`."""
    from crmcli.core.activity import scoring

    value = store.value(
        f"SELECT {scoring.expression(store.dialect)} FROM "
        f"(SELECT {scoring.columns(store.dialect)} FROM contact c WHERE c.id = ?) t",
        [*scoring.params(now), contact_id],
    )
    return int(value or 0)


# -- promises ------------------------------------------------------------------------------

_A = "['’]"  # an apostrophe, typed or typographic
_FR_OBJ = rf"(?:(?:vous|te|t{_A}|lui|leur|le|la|les|l{_A}|en|y|m{_A}|me)\s*)*"
_FR_VERBS = (
    "envoie|renvoie|rappelle|relance|transmets|transmet|fais|fait|prépare|passe|recontacte|"
    "reviens|confirme|appelle|écris|propose|occupe|engage|promets"
)
# Anywhere in a sentence: the rep (I, we, je, nous, on) commits to doing something.
_COMMITS = re.compile(
    "|".join(
        [
            # I'll / we'll / I will / we shall / I'm going to, not followed by not or never
            rf"\b(?:i|we)(?:{_A}ll|\s+will|\s+shall|\s+am\s+going\s+to|\s+are\s+going\s+to|"
            rf"{_A}m\s+going\s+to|{_A}re\s+going\s+to)\s+(?!not\b|never\b)\w",
            r"\b(?:i|we)\s+(?:have\s+|just\s+)?(?:promised|promise|owe)\b",
            # je vous envoie, je rappelle, je m'occupe; je rappellerai, je vous enverrai
            rf"\bje\s+{_FR_OBJ}(?:{_FR_VERBS})\b",
            rf"\bje\s+{_FR_OBJ}\w+rai\b",
            rf"\bj{_A}\w+rai\b",
            rf"\bj{_A}(?:envoie|appelle|écris)\b",
            rf"\bon\s+{_FR_OBJ}(?:{_FR_VERBS})\b",
            rf"\bnous\s+{_FR_OBJ}\w+rons\b",
            r"\b(?:je\s+vais|nous\s+allons|on\s+va)\s+\w",
            rf"\b(?:j{_A}|je\s+{_FR_OBJ})ai\s+promis\b",
            rf"\b(?:nous\s+{_FR_OBJ}avons|on\s+{_FR_OBJ}a)\s+promis\b",
        ]
    ),
    re.IGNORECASE,
)
# At the start of a clause, the subject left out as a rep's notes leave it out
# ("Will call back Tuesday", "Send the quote by Friday", "Promised the deck",
# "Rappeler vendredi"): only verbs that cannot be read as a noun ("Call went well"
# is not a promise, so bare `call`, `email` and `update` are not in the list).
_NOTE_START = re.compile(
    r"(?:promised\b|promis\b"
    r"|(?:will|shall|gonna|going\s+to)\s+"
    r"(?!not\b|never\b|you\b|he\b|she\b|it\b|they\b|we\b|i\b|there\b|this\b|that\b)\w"
    r"|(?:send|resend|forward|share|prepare|draft|book|schedule|arrange|confirm|introduce|"
    r"deliver|chase|revise|provide|get\s+back|follow\s+up|call\s+back|ring\s+back|"
    r"circle\s+back|reach\s+out)\b"
    r"|(?:à\s+)?(?:envoyer|renvoyer|rappeler|relancer|transmettre|préparer|confirmer|"
    r"recontacter|faire\s+suivre|revenir\s+vers)\b)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CLAUSE_BREAK = re.compile(r"[,;:(]\s*|\s+[-–—]+\s+")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")


def is_promise(sentence: str) -> bool:
    """Does this sentence commit the writer (the rep) to something? See `promises_in`."""
    if _COMMITS.search(sentence):
        return True
    return any(_NOTE_START.match(part.strip()) for part in _CLAUSE_BREAK.split(sentence))


def promises_in(text: str) -> list[str]:
    """The sentences of a note that read as the rep's commitments, in order.

    A sentence counts when the rep is its subject and it looks ahead:
    - English: `I'll`, `we'll`, `I will`, `we shall`, `I'm going to` (not followed by
      `not` or `never`); `I promised`, `we promise`, `I owe`;
    - French: `je` with a verb of getting back in the present (`je vous envoie`,
      `je rappelle`, `je m'occupe`), `je`/`j'` in the future (`je vous enverrai`,
      `j'appellerai`), `je vais`, `nous allons`, `on va`, `on vous envoie`, `nous
      enverrons`, `j'ai promis`, `je lui ai promis`;
    - a rep's note style, the subject left out, at the start of a clause (after `,`
      `;` `:` `(` or a dash): `will call back`, `going to send`, `promised the deck`,
      `send the quote by Friday`, `follow up next week`, `rappeler vendredi`, `à
      envoyer`, `promis : devis vendredi`.
    Not counted: someone else's word (`they will send`, `she'll call back`, `il va
    envoyer`, `elle me rappelle`, `Client will send the PO`), the past (`sent the
    quote`, `I called`), refusals (`I won't`, `I will not`, `je ne rappelle pas`),
    questions put to them (`will you send...`), nouns that look like verbs (`Call went
    well`, `Email from Marc`), and quoted lines (starting with `>`). Known misses, by
    design of a rule this small: a subject put before a colon (`Marc: will send` reads
    as the rep's), someone quoted in the first person (`she said "I'll sign"`), and
    commitments worded otherwise (`let me check`, `I'd send`).
    """
    found: list[str] = []
    for line in text[:PROMISE_CHARS].splitlines():
        if line.lstrip().startswith(">"):
            continue
        for sentence in _SENTENCE_END.split(_BULLET.sub("", line).strip()):
            sentence = " ".join(sentence.split())
            if sentence and is_promise(sentence):
                found.append(sentence)
    return found


def promises(store: Store, contact_id: int, now: datetime) -> list[dict[str, Any]]:
    """What the rep promised this contact in the last PROMISE_DAYS days, newest first.

    Read from the summary and body of each interaction with them, except e-mails and
    messages that came in (their words, not the rep's). Each promise says when and in
    which interaction; the same sentence twice is given once (its newest).
    """
    from crmcli.core.values.text import fold

    since = clock.stamp(now - timedelta(days=PROMISE_DAYS))
    notes = store.rows(
        "SELECT i.id, i.kind, i.occurred_at, i.direction, i.summary, i.body FROM interaction i "
        "WHERE i.contact_id = ? AND i.occurred_at >= ? "
        "ORDER BY i.occurred_at DESC, i.id DESC LIMIT ?",
        (contact_id, since, PROMISE_NOTES),
    )
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for note in notes:
        if note["kind"] in ("email", "message") and note["direction"] == "in":
            continue
        for sentence in _sentences(note["summary"], note["body"]):
            key = fold(sentence)
            if key in seen:
                continue
            seen.add(key)
            text = sentence if len(sentence) <= PROMISE_TEXT else sentence[: PROMISE_TEXT - 1] + "…"
            out.append(
                {
                    "text": text,
                    "at": note["occurred_at"],
                    "interaction_id": note["id"],
                    "kind": note["kind"],
                }
            )
            if len(out) == PROMISES_SHOWN:
                return out
    return out


def _sentences(summary: str | None, body: str | None) -> Iterator[str]:
    """The promises in a note's summary, then in its body (which often repeats the summary)."""
    yield from promises_in(summary or "")
    yield from promises_in(body or "")
