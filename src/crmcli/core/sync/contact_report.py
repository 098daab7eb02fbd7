"""What a `crm sync contacts` run did (or, dry, would do): counts on each side, conflicts, the plan.

Kept apart from the engine so the planner, the writer and the command share these
shapes without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Side:
    """What a run did (or, dry, would do) on one side: crm ("here") or the address book."""

    new: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "deleted": self.deleted,
            "skipped": self.skipped,
            "errors": self.errors,
        }


@dataclass(frozen=True)
class FieldConflict:
    """A field changed on both sides to different values: left as it is on each."""

    contact_id: int
    contact: str
    field: str
    here: str
    there: str
    href: str

    def text(self) -> str:
        return (
            f"conflict: #{self.contact_id} {self.contact}: {self.field} changed on both sides "
            f"(crm {self.here}, card {self.there}); neither changed: edit one to match the other"
        )


@dataclass(frozen=True)
class Planned:
    """One thing a run does (or would do): `action` is create/update/delete here/there,
    or "link" (a card and a contact found to be the same person)."""

    action: str
    contact_id: int | None
    contact: str
    href: str | None
    fields: tuple[str, ...] = ()

    def text(self) -> str:
        who = f"#{self.contact_id} {self.contact}" if self.contact_id else self.contact
        what = f": {', '.join(self.fields)}" if self.fields else ""
        card = f"  ({self.href})" if self.href else ""
        return f"{self.action:<13} {who}{what}{card}"


@dataclass
class SourceResult:
    """How a source's run went: each side's counts, the conflicts, what was done, what
    the rep must hear (a deletion not carried over, a card left in place)."""

    source: str
    here: Side = field(default_factory=Side)
    there: Side = field(default_factory=Side)
    conflicts: list[FieldConflict] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error_lines: list[str] = field(default_factory=list)
    chunks: int = 0  # undoable batches written

    def counts(self) -> dict[str, Any]:
        """Both sides summed, then each side: what `--json` and `crm sync --status` show."""
        here, there = self.here.as_dict(), self.there.as_dict()
        return {
            **{key: here[key] + there[key] for key in here},
            "conflicts": len(self.conflicts),
            "here": here,
            "there": there,
        }

    def flat_counts(self) -> dict[str, int]:
        """The counts in one level, as `sync_source.last_counts` keeps them."""
        out = {f"{k} here": v for k, v in self.here.as_dict().items() if v}
        out.update({f"{k} there": v for k, v in self.there.as_dict().items() if v})
        out["conflicts"] = len(self.conflicts)
        return out
