"""The merge fields' values for one contact (and deal, follow-up): what `merge.render` fills.

One reader for templates and rules alike, so `{company}` means the same in a mail and in
a rule's follow-up note. A field the records do not have is None: `merge.render` refuses
it by name when a text uses it, and ignores it otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmcli.core import clock
from crmcli.core.errors import NotFound

if TYPE_CHECKING:
    from crmcli.core.config import Config
    from crmcli.core.db.store import Store

_CONTACT = (
    "SELECT c.display_name, c.first_name, c.last_name, c.nickname, c.title, "
    "co.name AS company, "
    "(SELECT email FROM contact_email e WHERE e.contact_id = c.id "
    " ORDER BY e.is_primary DESC, e.position, e.id LIMIT 1) AS email, "
    "(SELECT p.raw FROM contact_phone p WHERE p.contact_id = c.id "
    " ORDER BY p.position, p.id LIMIT 1) AS phone_raw, "
    "(SELECT p.formatted FROM contact_phone p WHERE p.contact_id = c.id "
    " ORDER BY p.position, p.id LIMIT 1) AS phone_formatted, "
    "(SELECT p.extension FROM contact_phone p WHERE p.contact_id = c.id "
    " ORDER BY p.position, p.id LIMIT 1) AS phone_extension "
    "FROM contact c LEFT JOIN company co ON co.id = c.company_id WHERE c.id = ?"
)
_DEAL = (
    "SELECT d.title, s.name AS stage, d.amount_minor, d.currency, d.expected_close, "
    "d.next_step FROM deal d LEFT JOIN stage s ON s.id = d.stage_id WHERE d.id = ?"
)
_FOLLOWUP = "SELECT note, due_date, due_time, deal_id FROM followup WHERE id = ?"


def _text(value: Any) -> str | None:
    """Stored text as a field's value: None for NULL or blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def values_for(
    store: Store,
    config: Config,
    *,
    contact_id: int,
    deal_id: int | None = None,
    followup_id: int | None = None,
) -> dict[str, str | None]:
    """Every `merge.KNOWN` field for this contact, deal and follow-up (None where absent).

    A follow-up's deal stands in when no deal is named. NotFound for an id that does
    not exist (the caller resolved it, so this is a race or a bug, said plainly).
    """
    values: dict[str, str | None] = {}
    contact = store.row(_CONTACT, (contact_id,))
    if contact is None:
        raise NotFound(f"no contact #{contact_id}")
    values["name"] = _text(contact["display_name"])
    for key in ("first_name", "last_name", "nickname", "title", "company", "email"):
        values[key] = _text(contact[key])
    values["phone"] = _phone(contact)

    values["followup.note"] = values["followup.due"] = None
    if followup_id is not None:
        followup = store.row(_FOLLOWUP, (followup_id,))
        if followup is None:
            raise NotFound(f"no follow-up #{followup_id}")
        values["followup.note"] = _text(followup["note"])
        due = str(followup["due_date"])
        values["followup.due"] = f"{due} {followup['due_time']}" if followup["due_time"] else due
        if deal_id is None and followup["deal_id"] is not None:
            deal_id = int(followup["deal_id"])

    for key in ("deal.title", "deal.stage", "deal.amount", "deal.close_date", "deal.next_step"):
        values[key] = None
    if deal_id is not None:
        deal = store.row(_DEAL, (deal_id,))
        if deal is None:
            raise NotFound(f"no deal #{deal_id}")
        values["deal.title"] = _text(deal["title"])
        values["deal.stage"] = _text(deal["stage"])
        values["deal.close_date"] = _text(deal["expected_close"])
        values["deal.next_step"] = _text(deal["next_step"])
        if deal["amount_minor"] is not None and deal["currency"]:
            from crmcli.core.values.money import format_amount

            values["deal.amount"] = format_amount(int(deal["amount_minor"]), str(deal["currency"]))

    values["me.name"] = _text(config.get("me_name"))
    values["me.email"] = _text(config.get("me_email"))
    values["today"] = clock.local_now().date().isoformat()
    return values


def _phone(contact: dict[str, Any]) -> str | None:
    """The first phone as `crm contact show` shows it (international form when known)."""
    raw = contact["phone_raw"]
    if raw is None:
        return None
    formatted = contact["phone_formatted"]
    extension = contact["phone_extension"]
    if not formatted:
        return _text(raw)
    return f"{formatted} ext. {extension}" if extension else str(formatted)
