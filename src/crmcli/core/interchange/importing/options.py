"""An import's options and its summary: what a command asks of an importer, and what it hears back.

Shared by the contact and deal importers and by the writer they both use, so it
sits below all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportOptions:
    on_duplicate: str = "update"  # update, skip or create
    dry_run: bool = False
    strict: bool = False
    label: str = "import"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    unchanged: int = 0
    companies_created: int = 0
    flagged: int = 0
    possible_duplicates: list[tuple[int, int, int]] = field(default_factory=list)
    issues: list[tuple[int, str]] = field(default_factory=list)  # first few (line, issue)
    rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "unchanged": self.unchanged,
            "companies_created": self.companies_created,
            "flagged": self.flagged,
            "possible_duplicates": [
                {"line": line, "contact_id": a, "same_name_at_company_as": b}
                for line, a, b in self.possible_duplicates
            ],
        }


class DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""
