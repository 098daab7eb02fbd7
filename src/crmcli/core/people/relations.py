"""Relationships between people: `crm contact relate/unrelate`, both directions of each.

A relation is one `contact_relation` row on one contact (its *owner*), naming another
person by name and, when that person is in the book, by id (`related_id`). Its `kind`
says what the named person is to the owner, the way vCard's RELATED and Apple's
related names say it: `kind = "manager"` on Ann's row naming Bob means Bob is Ann's
manager. Imports store relations this way, so what a rep types is turned into the
same rows (`parse_kind`), and each row is read from the other side with its inverse
(`INVERSES`): Bob's record lists Ann as his "direct report".

What a rep types reads "A KIND B", A being KIND to B: `relate Ann "reports to" Bob`,
`relate Tom "assistant of" Ann`, `relate Ann spouse Bob`. A bare role word means
"KIND of": `relate Tom assistant Ann` is Tom, assistant of Ann. A kind crm does not
know is kept as typed (lower-case), read the same way: `relate Ann mentor Bob` is
Ann, mentor of Bob, stored on Bob's record as his mentor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from crmcli.core.errors import Invalid, NotFound
from crmcli.core.values.text import clean, name_key

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx

# The kinds crm knows (what the named person is to the row's owner) and their inverse
# (what the owner is to the named person). A kind that is its own inverse is symmetric.
INVERSES = {
    "spouse": "spouse",
    "partner": "partner",
    "colleague": "colleague",
    "friend": "friend",
    "sibling": "sibling",
    "relative": "relative",
    "parent": "child",
    "child": "parent",
    "manager": "direct report",
    "assistant": "executive",
    "referred by": "referral",
    # RFC 6350 RELATED types kept as a card gave them, read both ways the same
    **{k: k for k in ("co-worker", "kin", "acquaintance", "neighbor", "co-resident")},
    **{k: k for k in ("sweetheart", "date", "met", "contact")},
}
KINDS = tuple(INVERSES)
SYMMETRIC = frozenset(k for k, v in INVERSES.items() if k == v)

# What a rep may type for each: (stored kind, stored on A?) for "A WORDS B".
# On A: B is A's KIND ("reports to": B is A's manager); else on B: A is B's KIND.
_ON_A, _ON_B = True, False
_WORDS: dict[str, tuple[str, bool]] = {
    **{k: (k, _ON_A) for k in SYMMETRIC},
    "wife": ("spouse", _ON_A),
    "husband": ("spouse", _ON_A),
    "married to": ("spouse", _ON_A),
    "domestic partner": ("partner", _ON_A),
    "co-worker": ("colleague", _ON_A),
    "coworker": ("colleague", _ON_A),
    "brother": ("sibling", _ON_A),
    "sister": ("sibling", _ON_A),
    "kin": ("relative", _ON_A),
    "reports to": ("manager", _ON_A),
    "direct report": ("manager", _ON_A),
    "report": ("manager", _ON_A),
    "manager": ("manager", _ON_B),
    "boss": ("manager", _ON_B),
    "assistant": ("assistant", _ON_B),
    "assisted by": ("assistant", _ON_A),
    "executive": ("assistant", _ON_A),
    "referred by": ("referred by", _ON_A),
    "referral": ("referred by", _ON_A),
    "referred": ("referred by", _ON_B),
    "referrer": ("referred by", _ON_B),
    "parent": ("parent", _ON_B),
    "mother": ("parent", _ON_B),
    "father": ("parent", _ON_B),
    "child": ("child", _ON_B),
    "son": ("child", _ON_B),
    "daughter": ("child", _ON_B),
}
# The words `relate` documents, in the order `--help` lists them.
TYPED_KINDS = (
    "reports to",
    "manager of",
    "assistant of",
    "referred by",
    "referrer of",
    "spouse",
    "partner",
    "colleague",
    "friend",
    "sibling",
    "relative",
    "parent of",
    "child of",
)
MAX_KIND = 60


@dataclass(frozen=True)
class Meaning:
    """A typed kind as stored: the row's kind, and whether it goes on A (else on B)."""

    kind: str
    on_first: bool

    def owner_and_other(self, a: int, b: int) -> tuple[int, int]:
        return (a, b) if self.on_first else (b, a)


class Relation(TypedDict):
    """One relation as one contact sees it (`contact show`, the TUI, `--json`)."""

    id: int  # the contact_relation row
    name: str  # the other person: their current name when linked, else as stored
    contact_id: int | None  # the other person's id, when they are in the book
    kind: str | None  # as stored on the row
    label: str | None  # what the other person is to this contact ("manager", "referral")
    direction: Literal["own", "named by"]  # on this contact's record, or on theirs


def parse_kind(text: str) -> Meaning:
    """What `relate A TEXT B` stores: case and spaces do not matter, "KIND of" = KIND."""
    word = " ".join(clean(text).split()).casefold()
    if not word:
        raise Invalid(f"give a kind of relation ({', '.join(TYPED_KINDS)}, or your own word)")
    if len(word) > MAX_KIND:
        raise Invalid(f"a kind of relation is at most {MAX_KIND} characters")
    if word in _WORDS:
        return Meaning(*_WORDS[word])
    bare = word.removesuffix(" of")
    if bare in _WORDS:
        return Meaning(*_WORDS[bare])
    return Meaning(bare, _ON_B)  # their own word: A is B's KIND ("mentor of" = "mentor")


def describe(meaning: Meaning) -> str:
    """How A relates to B, said from A ("reports to", "assistant of", "spouse")."""
    kind = meaning.kind
    if kind in SYMMETRIC:
        return kind
    if not meaning.on_first:  # stored on B: A is B's KIND
        return "referrer of" if kind == "referred by" else f"{kind} of"
    if kind in ("manager", "referred by"):  # stored on A: B is A's KIND
        return "reports to" if kind == "manager" else kind
    return f"{INVERSES[kind]} of" if kind in INVERSES else f"has as {kind}"


def label(kind: str | None, own: bool) -> str | None:
    """What the other person is to this contact: the stored kind on its owner's record,
    the inverse on the named person's; a kind crm does not know reads "whose KIND"."""
    if kind is None:
        return None if own else "related"
    if own:
        return kind
    return INVERSES.get(kind, f"whose {kind}")


# -- reading -----------------------------------------------------------------------------

_BOTH_WAYS = (
    "SELECT r.id, r.contact_id, r.related_id, r.name, r.kind, r.position, "
    "o.display_name AS owner_name, n.display_name AS related_name "
    "FROM contact_relation r JOIN contact o ON o.id = r.contact_id "
    "LEFT JOIN contact n ON n.id = r.related_id "
)


def listing(store: Store, contact_id: int) -> list[Relation]:
    """Every relation of a contact: those on its record, then those naming it on others'."""
    out: list[Relation] = []
    for row in store.rows(
        f"{_BOTH_WAYS}WHERE r.contact_id = ? ORDER BY r.position, r.id", (contact_id,)
    ):
        out.append(_seen(row, own=True))
    for row in store.rows(
        f"{_BOTH_WAYS}WHERE r.related_id = ? AND r.contact_id != ? ORDER BY o.name_key, r.id",
        (contact_id, contact_id),
    ):
        out.append(_seen(row, own=False))
    return out


def named_by(store: Store, contact_id: int) -> list[Relation]:
    """The relations on other contacts' records that name this one (`contact show`)."""
    return [r for r in listing(store, contact_id) if r["direction"] == "named by"]


def _seen(row: dict[str, Any], own: bool) -> Relation:
    if own:
        name, other = row["related_name"] or row["name"], row["related_id"]
    else:
        name, other = row["owner_name"], row["contact_id"]
    return {
        "id": int(row["id"]),
        "name": str(name),
        "contact_id": None if other is None else int(other),
        "kind": row["kind"],
        "label": label(row["kind"], own),
        "direction": "own" if own else "named by",
    }


def between(store: Store, a: int, b: int) -> list[dict[str, Any]]:
    """The rows linking A and B, either way, oldest first."""
    return store.rows(
        "SELECT id, contact_id, related_id, name, kind FROM contact_relation "
        "WHERE (contact_id = ? AND related_id = ?) OR (contact_id = ? AND related_id = ?) "
        "ORDER BY id",
        (a, b, b, a),
    )


def meaning_of(row: dict[str, Any], a: int) -> Meaning:
    """A stored row between A and someone, as `parse_kind` gives it for "A KIND them"."""
    kind = str(row["kind"] or "")
    on_first = int(row["contact_id"]) == a or kind in SYMMETRIC
    return Meaning(kind, on_first)


# -- writing -----------------------------------------------------------------------------


@dataclass
class Related:
    """What `relate` did: the relation as A sees it, and whether it was there already."""

    a: dict[str, Any]
    b: dict[str, Any]
    said: str  # "reports to", "assistant of", "mentor of"
    meaning: Meaning
    created: bool
    linked: bool = False  # an unlinked row of that name and kind now points at B
    row_id: int | None = None

    def sentence(self) -> str:
        return f"#{self.a['id']} {self.a['name']} {self.said} #{self.b['id']} {self.b['name']}"

    def public(self) -> dict[str, Any]:
        return {
            "contact": _ref(self.a),
            "kind": self.said,
            "other": _ref(self.b),
            "stored": {
                "on": self.meaning.owner_and_other(self.a["id"], self.b["id"])[0],
                "kind": self.meaning.kind,
            },
            "created": self.created,
            "linked": self.linked,
        }


@dataclass
class Unrelated:
    """What `unrelate` removed, each as A relates to B."""

    a: dict[str, Any]
    b: dict[str, Any]
    removed: list[str] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {"contact": _ref(self.a), "other": _ref(self.b), "removed": self.removed}


def _ref(person: dict[str, Any]) -> dict[str, Any]:
    return {"id": person["id"], "name": person["name"]}


def _person(store: Store, contact_id: int) -> dict[str, Any]:
    row = store.row(
        "SELECT id, display_name AS name, name_key FROM contact WHERE id = ?", (contact_id,)
    )
    if row is None:
        raise NotFound(f"no contact #{contact_id}")
    return row


def relate(store: Store, a: int, kind: str, b: int) -> Related:
    """Record that A is KIND to B, once: one undoable batch, nothing if it is there already.

    A row of that kind on the owner that names the other by name only (an import that
    could not tell namesakes apart) is linked rather than doubled.
    """
    meaning = parse_kind(kind)
    if a == b:
        raise Invalid("a contact cannot be related to themselves")
    first, second = _person(store, a), _person(store, b)
    said = describe(meaning)
    done = Related(first, second, said, meaning, created=False)
    if any(meaning_of(row, a) == meaning for row in between(store, a, b)):
        return done
    owner_id, other_id = meaning.owner_and_other(a, b)
    other = second if other_id == b else first
    with store.write(f"contact relate {a} {said!r} {b}") as tx:
        if any(meaning_of(row, a) == meaning for row in between(store, a, b)):
            return done  # added meanwhile (read again under the write lock)
        unlinked = _unlinked(tx, owner_id, meaning.kind, str(other["name_key"]))
        if unlinked is not None:
            tx.update("contact_relation", unlinked, {"related_id": other_id}, contact_id=owner_id)
            done.linked, done.row_id = True, unlinked
        else:
            position = store.value(
                "SELECT coalesce(max(position) + 1, 0) FROM contact_relation WHERE contact_id = ?",
                (owner_id,),
            )
            done.row_id = tx.insert(
                "contact_relation",
                {
                    "contact_id": owner_id,
                    "name": other["name"],
                    "kind": meaning.kind,
                    "related_id": other_id,
                    "position": int(position),
                },
                contact_id=owner_id,
            )
    done.created = True
    return done


def _unlinked(tx: Tx, owner: int, kind: str, key: str) -> int | None:
    for row_id, name in tx.store.tuples(
        "SELECT id, name FROM contact_relation WHERE contact_id = ? AND kind = ? "
        "AND related_id IS NULL ORDER BY position, id",
        (owner, kind),
    ):
        if key and name_key(str(name)) == key:
            return int(row_id)
    return None


def unrelate(store: Store, a: int, b: int, kind: str | None = None) -> Unrelated:
    """Remove the relation(s) between A and B: the one KIND says, or every one of them.

    NotFound (exit 1) when there is none; one undoable batch otherwise.
    """
    meaning = parse_kind(kind) if kind is not None else None
    first, second = _person(store, a), _person(store, b)
    done = Unrelated(first, second)
    with store.write(f"contact unrelate {a} {b}") as tx:
        for row in between(store, a, b):
            seen = meaning_of(row, a)
            if meaning is not None and seen != meaning:
                continue
            tx.delete("contact_relation", int(row["id"]), contact_id=int(row["contact_id"]))
            done.removed.append(describe(seen) if seen.kind else "related to")
        if not done.removed:
            what = f" as {describe(meaning)}" if meaning is not None else ""
            raise NotFound(f"#{a} {first['name']} is not related to #{b} {second['name']}{what}")
    return done


# -- for exports and reports --------------------------------------------------------------


def card_uids(store: Store) -> dict[int, str]:
    """The vCard UID another address book gave each contact some relation names.

    A vCard export writes a linked relation as `RELATED:urn:uuid:...` when the person's
    card has a UUID (Apple, Google, khard cards do; crm's own UIDs are not UUIDs).
    """
    import json

    out: dict[int, str] = {}
    for contact_id, external in store.tuples(
        "SELECT c.id, c.external_ids FROM contact c WHERE c.external_ids IS NOT NULL "
        "AND c.id IN (SELECT related_id FROM contact_relation WHERE related_id IS NOT NULL)"
    ):
        try:
            uid = (json.loads(external) or {}).get("vcard")
        except (ValueError, AttributeError):
            continue
        if isinstance(uid, str) and uid.strip():
            out[int(contact_id)] = uid.strip()
    return out


def view(relation: Relation) -> dict[str, Any]:
    """A relation in JSON, shaped like a contact's `relations` entries: who, what they
    are to this contact, their id."""
    return {
        "name": relation["name"],
        "kind": relation["label"],
        "contact_id": relation["contact_id"],
    }
