"""What a rule's actions do, each through the core's own transaction-level writes.

A follow-up goes through `activity.followups.insert_followup`, a move through the
deals' own move (history row, renewal, promotion), a tag the way the bulk editor adds
one (checked, folded key, the search index kept), a cadence moving the touch-due date
as `crm contact edit --every` does: what a rule does is what the rep's command would
have done. An action that cannot apply (a deal with no contact to tag, a stage that is
gone, a merge field with nothing to fill it) raises `Skipped` with the reason and
writes nothing (the engine rolls its savepoint back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crmcli.core.errors import CrmError
from crmcli.core.rules.model import Action, Verb

if TYPE_CHECKING:
    from crmcli.core.db.store import Tx
    from crmcli.core.rules.events import Happening
    from crmcli.core.rules.model import Rule


class Skipped(Exception):  # not an error: an action with nothing it can do here
    """Why an action did not apply (shown by `crm rule test`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Applied:
    """The row an action made or changed (what `crm rule why` explains), and in words."""

    table: str
    row_id: int
    contact_id: int | None
    said: str  # "added follow-up #12 due Thu 5 Mar 2026"


def apply(tx: Tx, rule: Rule, action: Action, happening: Happening) -> Applied:
    """Do one action for `happening`; `Skipped` (nothing written) when it cannot apply."""
    try:
        return _VERBS[action.verb](tx, rule, action, happening)
    except CrmError as exc:  # refused the way the rep's command would be: a reason to skip
        raise Skipped(exc.message) from None


# -- the subject ------------------------------------------------------------------------------


def _deal(tx: Tx, happening: Happening) -> dict[str, Any]:
    if happening.subject != "deal":
        raise Skipped(f"{happening.subject} rules cannot act on a deal")
    deal = tx.get("deal", happening.subject_id)
    if deal is None:
        raise Skipped(f"deal #{happening.subject_id} no longer exists")
    return deal


def _contact_id(tx: Tx, happening: Happening) -> int:
    """The contact the action is for: the subject, or the deal's contact."""
    if happening.subject == "deal":
        contact_id = _deal(tx, happening)["contact_id"]
        if contact_id is None:
            raise Skipped(f"deal #{happening.subject_id} has no contact")
        return int(contact_id)
    if tx.get("contact", happening.subject_id) is None:
        raise Skipped(f"contact #{happening.subject_id} no longer exists")
    return happening.subject_id


def _deal_id(happening: Happening) -> int | None:
    """The deal a follow-up or a note is about: the subject, or the logged call's deal."""
    return happening.subject_id if happening.subject == "deal" else happening.deal_id


def _render(tx: Tx, rule: Rule, text: str, happening: Happening) -> str:
    """`text` with its merge fields filled for the subject."""
    from crmcli.core.messages import merge

    what = f"rule {rule.name!r}"
    if not merge.fields_in(text):
        return merge.render(text, {}, what=what)
    from crmcli.core.messages.fields import values_for

    values = values_for(
        tx.store,
        tx.store.config,
        contact_id=_contact_id(tx, happening),
        deal_id=_deal_id(happening),
        followup_id=happening.followup_id,
    )
    return merge.render(text, values, what=what)


# -- the verbs --------------------------------------------------------------------------------


def _followup(tx: Tx, rule: Rule, action: Action, happening: Happening) -> Applied:
    from crmcli.core import clock
    from crmcli.core.activity.followups import insert_followup
    from crmcli.core.values.when import parse_with_config

    contact_id = _contact_id(tx, happening)
    when = parse_with_config(
        action.when or "today",
        tx.store.config,
        "future",
        now=tx.now.astimezone(clock.local_zone()),
    )
    note = _render(tx, rule, action.note, happening) if action.note else None
    made = insert_followup(tx, contact_id, when, note, deal_id=_deal_id(happening))
    return Applied(
        "followup",
        int(made["id"]),
        contact_id,
        f"added follow-up #{made['id']} due {when.describe()}",
    )


def _set(tx: Tx, rule: Rule, action: Action, happening: Happening) -> Applied:
    """`set FIELD = VALUE` on the subject, the value kept as the grammar checked it
    (`grammar.Settable`): text with its merge fields filled, a date phrase read now."""
    from crmcli.core.rules.grammar import SETTABLE

    subject = "deals" if happening.subject == "deal" else "contacts"
    field = SETTABLE[subject].get(action.field or "")
    if field is None:
        raise Skipped(f"a {happening.subject} has no field {action.field!r} a rule can set")
    text = action.value or ""
    value: Any = text
    if field.kind == "text":
        value = _render(tx, rule, text, happening).strip() or None
    elif field.kind == "percent":
        value = int(text)
    elif field.kind == "flag":
        value = text == "yes"
    elif field.kind == "date":
        from crmcli.core import clock
        from crmcli.core.values.when import parse_with_config

        now = tx.now.astimezone(clock.local_zone())
        value = parse_with_config(text, tx.store.config, "future", now=now).date.isoformat()
    if happening.subject == "deal":
        row = _deal(tx, happening)
        table, row_id, contact_id = "deal", int(row["id"]), row["contact_id"]
    else:
        contact_id = _contact_id(tx, happening)
        found = tx.get("contact", contact_id)
        assert found is not None  # `_contact_id` read it in this transaction
        table, row, row_id = "contact", found, contact_id
    shown = "nothing" if value is None else text if field.kind == "flag" else str(value)
    if row[field.column] == value or (field.kind == "flag" and bool(row[field.column]) == value):
        raise Skipped(f"{table} #{row_id}'s {action.field} is already {shown}")
    tx.update(table, row_id, {field.column: value}, contact_id=contact_id)
    if table == "contact":
        _reindex(tx, contact_id)
    return Applied(table, row_id, contact_id, f"set {action.field} to {shown}")


def _reindex(tx: Tx, contact_id: int) -> None:
    from crmcli.core.people.index import reindex

    reindex(tx, contact_id)  # what `crm find` finds them by may have changed


def _tag(tx: Tx, rule: Rule, action: Action, happening: Happening) -> Applied:
    from crmcli.core.people import bulk
    from crmcli.core.values.text import fold

    contact_id = _contact_id(tx, happening)
    [tag] = bulk.checked_tags([action.tag or ""])
    key = fold(tag)
    if tx.store.value(
        "SELECT 1 FROM contact_tag WHERE contact_id = ? AND tag_key = ?", (contact_id, key)
    ):
        raise Skipped(f"contact #{contact_id} is already tagged {tag}")
    row_id = tx.insert(
        "contact_tag", {"contact_id": contact_id, "tag_key": key, "tag": tag}, contact_id=contact_id
    )
    if len(key.split()) > 1:  # a tag of several words is in the search index (`bulk._indexed`)
        _reindex(tx, contact_id)
    return Applied("contact_tag", row_id, contact_id, f"tagged {tag}")


def _untag(tx: Tx, rule: Rule, action: Action, happening: Happening) -> Applied:
    from crmcli.core.values.text import fold

    contact_id = _contact_id(tx, happening)
    key = fold(action.tag or "")
    row_id = tx.store.value(
        "SELECT id FROM contact_tag WHERE contact_id = ? AND tag_key = ?", (contact_id, key)
    )
    if row_id is None:
        raise Skipped(f"contact #{contact_id} is not tagged {action.tag}")
    tx.delete("contact_tag", int(row_id), contact_id=contact_id)
    if len(key.split()) > 1:
        _reindex(tx, contact_id)
    return Applied("contact_tag", int(row_id), contact_id, f"untagged {action.tag}")


def _cadence(tx: Tx, rule: Rule, action: Action, happening: Happening) -> Applied:
    from crmcli.core.activity.interactions import touch_due

    contact_id = _contact_id(tx, happening)
    contact = tx.get("contact", contact_id)
    assert contact is not None
    days = action.days or None
    if contact["cadence_days"] == days:
        raise Skipped(f"contact #{contact_id}'s cadence is already {days or 'off'}")
    tx.update(
        "contact",
        contact_id,
        {
            "cadence_days": days,
            "touch_due_at": touch_due(contact["last_touch_at"], days, tx.stamp),
        },
        contact_id=contact_id,
    )
    said = f"set the cadence to every {days} days" if days else "turned the cadence off"
    return Applied("contact", contact_id, contact_id, said)


def _move(tx: Tx, rule: Rule, action: Action, happening: Happening) -> Applied:
    from crmcli.core.pipeline.stages import resolve

    deal = _deal(tx, happening)
    pipeline_id = tx.store.value("SELECT pipeline_id FROM stage WHERE id = ?", (deal["stage_id"],))
    stage = resolve(tx.store, action.stage or "", int(pipeline_id))
    if deal["status"] != "open":
        raise Skipped(f"deal #{deal['id']} is {deal['status']}")
    if stage["id"] == deal["stage_id"]:
        raise Skipped(f"deal #{deal['id']} is already in {stage['name']}")
    _move_deal(tx, int(deal["id"]), stage, f"rule {rule.name!r}")
    return Applied("deal", int(deal["id"]), deal["contact_id"], f"moved to {stage['name']}")


def _move_deal(tx: Tx, deal_id: int, stage: dict[str, Any], reason: str) -> None:
    """What `crm deal move` does inside its transaction (`deals.move_in`): the move and its
    history row, a lost deal's reason, a won deal's renewal and promotion."""
    from crmcli.core.pipeline.deals import move_in

    move_in(tx, deal_id, stage, reason=reason)


def _next(tx: Tx, rule: Rule, action: Action, happening: Happening) -> Applied:
    deal = _deal(tx, happening)
    text = _render(tx, rule, action.note or "", happening).strip()
    if not text:
        raise Skipped("the next step is empty")
    if deal["next_step"] == text:
        raise Skipped(f"deal #{deal['id']}'s next step is already that")
    tx.update("deal", int(deal["id"]), {"next_step": text}, contact_id=deal["contact_id"])
    return Applied("deal", int(deal["id"]), deal["contact_id"], f"set the next step: {text}")


_VERBS = {
    Verb.FOLLOWUP: _followup,
    Verb.SET: _set,
    Verb.TAG: _tag,
    Verb.UNTAG: _untag,
    Verb.CADENCE: _cadence,
    Verb.MOVE: _move,
    Verb.NEXT: _next,
}
