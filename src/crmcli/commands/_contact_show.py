"""What `crm contact show` prints beyond the shared lines: addresses, dates, relations, photo,
the timeline, and what rules added ("added by rule 'X'", `deal show` too).

Kept apart from `commands.contact` so that module stays readable; `company show`
uses the address helpers too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from crmcli.commands._output import Column


def personal_lines(
    contact: Mapping[str, Any], named_by: Iterable[Mapping[str, Any]] = ()
) -> list[tuple[str, Any]]:
    """Nickname first (shown under the name), then relations, dates, IM handles and photo.

    Relations go both ways: those on the contact's record (`Bob Boss (manager, #2)`:
    Bob is their manager), then those on other records naming them (`named_by`, from
    `core.people.relations.named_by`), with the inverse kind (`Ann Lee (direct report,
    #1)`). A related person in the book shows their REF (`#12`), so the rep can
    `crm contact show 12` them; a photo is described, never printed.
    """
    relations = [
        r["name"]
        + _labels(r["kind"], f"#{r['related_id']}" if r.get("related_id") is not None else None)
        for r in contact.get("relations") or ()
    ]
    relations += [
        r["name"] + _labels(r["label"], f"#{r['contact_id']}") for r in named_by
    ]  # fmt: skip
    dates = [f"{_birthday(d['date'])}{_labels(d['label'])}" for d in contact.get("dates") or ()]
    handles = [f"{h['service']}: {h['handle']}" for h in contact.get("handles") or ()]
    return [
        ("Nickname", contact.get("nickname")),
        ("Relations", relations),
        ("Dates", dates),
        ("IM", handles),
        ("Photo", _photo(contact.get("photo"))),
    ]


def _photo(photo: Any) -> str | None:
    """ "stored (jpeg, 12 KB)" or "link: https://..."."""
    if not isinstance(photo, Mapping):
        return None
    if photo.get("data"):
        from crmcli.core.people.extras import photo_size

        kind = str(photo.get("media_type") or "image").removeprefix("image/")
        size = photo_size(photo)
        shown = f"{size} bytes" if size < 1024 else f"{round(size / 1024)} KB"
        return f"stored ({kind}, {shown})"
    return f"link: {photo['uri']}" if photo.get("uri") else None


def _labels(*labels: str | None) -> str:
    """` (work, primary)`: the labels given, or nothing."""
    shown = [label for label in labels if label]
    return f" ({', '.join(shown)})" if shown else ""


def _addresses(value: Any) -> list[dict[str, Any]]:
    """The stored addresses (a JSON list of dicts); anything else is shown as text."""
    if not value:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return [{"formatted": str(value)}]
    return [a if isinstance(a, dict) else {"formatted": str(a)} for a in value]


def _address_label(address: dict[str, Any]) -> str:
    return f"Address ({address['label']})" if address.get("label") else "Address"


def _address(address: dict[str, Any]) -> str:
    """One address on one line: street, postcode and city, region, country."""

    def part(key: str) -> str:
        return ", ".join(
            line.strip() for line in str(address.get(key) or "").splitlines() if line.strip()
        )

    if address.get("formatted") and not address.get("street") and not address.get("city"):
        return part("formatted")
    town = " ".join(p for p in (part("postcode"), part("city")) if p)
    pieces = [part("street"), town, part("region"), part("country")]
    return ", ".join(p for p in pieces if p) or part("formatted")


def _birthday(stored: str | None) -> str | None:
    """`--05-14` -> `14 May`; `1980-05-14` -> `14 May 1980` (as a person writes it)."""
    if not stored:
        return None
    from crmcli.core.values.dates import MONTH_FULL

    parts = stored.removeprefix("--").split("-")
    try:
        if stored.startswith("--") and len(parts) == 2:
            return f"{int(parts[1])} {MONTH_FULL[int(parts[0]) - 1]}"
        if len(parts) == 3:
            return f"{int(parts[2])} {MONTH_FULL[int(parts[1]) - 1]} {int(parts[0])}"
    except (ValueError, IndexError):
        pass
    return stored  # not a form crm writes: shown as stored


# -- the timeline -------------------------------------------------------------------------

TIMELINE_COLUMNS = [
    Column("when", "WHEN"),
    Column("what", "WHAT"),
    Column("text", "DETAIL", max_width=60),
    Column("length", "LENGTH"),
    Column("outcome", "OUTCOME"),
    Column("deal", "DEAL", max_width=24),
]


def timeline_row(event: Mapping[str, Any]) -> dict[str, Any]:
    """A timeline row as shown: an all-day follow-up's day, a call's direction and length,
    an email's place in its conversation."""
    from crmcli.core.clock import local_time
    from crmcli.core.values.durations import format_duration

    when = f"{event['day']} all day" if event.get("day") else local_time(event["at"])
    what = event["what"]
    if event.get("direction"):
        what += " in" if event["direction"] == "in" else " out"
    length = format_duration(event["duration_seconds"]) if event.get("duration_seconds") else ""
    text = threaded(event.get("text"), event.get("thread"))
    return {**event, "when": when, "what": what, "length": length, "text": text}


# "Re: ", "Fwd: ", "AW: ", "SV: ", "Réf. : " ...: what clients put before a subject they answer.
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|tr|antw|r[ée]f\.?)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
    re.IGNORECASE,
)


def threaded(text: str | None, thread: Mapping[str, Any] | None) -> str | None:
    """An email's DETAIL with its conversation, once it has more than one message:
    `Devis (3 in thread)` for the first, `↳ Re: Devis (3 in thread)` for a reply, and
    `↳ New topic (re: Devis; 3 in thread)` for a reply whose subject moved on."""
    if not thread or int(thread.get("messages") or 0) < 2:
        return text
    count = f"{thread['messages']} in thread"
    if thread.get("first"):
        return f"{text} ({count})"
    subject = _REPLY_PREFIX.sub("", str(thread.get("subject") or "")).strip()
    if not subject or _REPLY_PREFIX.sub("", text or "").strip().casefold() == subject.casefold():
        return f"↳ {text} ({count})"
    return f"↳ {text} (re: {subject}; {count})"


# -- "added by rule 'X'" (issue #23) -------------------------------------------------------


class RuleMarks:
    """What rules did to one contact or deal, keyed the way `show` finds it in its lines.

    Built from `crmcli.core.rules.effects` rows (one query per show): follow-ups by id,
    tags by their folded name, stage moves by (time, folded stage). A tag or a move
    a rule made and the rep later made again by hand still says the rule: the latest
    rule effect wins, which is what `crm rule why` explains in full.
    """

    def __init__(self, effects: Iterable[Mapping[str, Any]] = ()) -> None:
        self.followups: dict[int, str] = {}
        self.tags: dict[str, str] = {}
        self.moves: dict[tuple[str, str], str] = {}
        rows = list(effects)
        if not rows:
            return
        # Only a contact or a deal that rules touched pays for the grammar (a hot command).
        from crmcli.core.errors import Invalid
        from crmcli.core.rules.grammar import parse_action
        from crmcli.core.rules.model import Verb
        from crmcli.core.values.text import fold

        for effect in rows:
            table, name = effect["table_name"], str(effect["rule_name"])
            if table == "followup":
                self.followups[int(effect["row_id"])] = name
                continue
            try:
                action = parse_action(str(effect["action_text"]))
            except Invalid:  # written by an older crm: explained by `rule why` only
                continue
            if action.verb is Verb.TAG and action.tag:
                self.tags[fold(action.tag)] = name
            elif action.verb is Verb.UNTAG and action.tag:
                self.tags.pop(fold(action.tag), None)
            elif action.verb is Verb.MOVE and action.stage:
                stage = action.stage.rsplit("/", 1)[-1]
                self.moves[(str(effect["at"]), fold(stage))] = name

    def __bool__(self) -> bool:
        return bool(self.followups or self.tags or self.moves)

    def tag(self, tag: str) -> str:
        """The tag as shown: `VIP (added by rule 'welcome')` when a rule added it."""
        from crmcli.core.values.text import fold

        name = self.tags.get(fold(tag)) if self.tags else None
        return tag if name is None else f"{tag} {by_rule(name)}"

    def followup(self, row_id: Any) -> str | None:
        """The rule that added this follow-up, or None."""
        return self.followups.get(int(row_id)) if row_id is not None else None

    def marked_lines(self, lines: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        """A contact's `label value` lines, each tag a rule added saying so."""
        if not self.tags:
            return lines
        return [
            (label, [self.tag(t) for t in value] if label == "Tags" and value else value)
            for label, value in lines
        ]

    def marked_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """A timeline row; a follow-up a rule added says so after its note."""
        name = self.followup(event.get("id")) if event.get("type") == "followup" else None
        if name is None:
            return dict(event)
        return {**event, "text": " ".join(filter(None, [event.get("text"), by_rule(name)]))}

    def marked_move(self, change: Mapping[str, Any]) -> dict[str, Any]:
        """A stage-history row; a move a rule made says so in its WHY (once: the engine's
        own reason for it already names the rule)."""
        name = self.move(change.get("at"), change.get("to_stage"))
        reason = change.get("reason") or ""
        if name is None or repr(name) in reason:
            return dict(change)
        return {**change, "reason": " ".join(filter(None, [reason, f"by rule {name!r}"]))}

    def move(self, at: Any, to_stage: Any) -> str | None:
        """The rule that made this stage move (same write, same stage), or None."""
        if not self.moves or at is None or to_stage is None:
            return None
        from crmcli.core.values.text import fold

        return self.moves.get((str(at), fold(str(to_stage))))


def by_rule(name: str) -> str:
    return f"(added by rule {name!r})"
