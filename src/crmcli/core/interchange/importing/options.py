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


REJECTS_KEPT = 100  # rejected rows listed in the report's --json; the rejects file has all


@dataclass
class ImportSummary:
    """What one import did, for the report: every count a rep reads, and what was left out.

    `updated` and `unchanged` count rows that met a person already there, in the
    database or earlier in the same file; `merged` says how many of them were the
    latter (a person written twice in one file is one contact). `not_imported` names
    each field the importer could not keep (field -> reason), so nothing is dropped
    without being said; `warnings` are file-level notes for the report.
    """

    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    unchanged: int = 0
    companies_created: int = 0
    companies_updated: int = 0  # known companies a company card completed (blanks filled)
    flagged: int = 0
    possible_duplicates: list[tuple[int, int, int]] = field(default_factory=list)
    issues: list[tuple[int, str]] = field(default_factory=list)  # first few (line, issue)
    rows: int = 0
    merged: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)  # first REJECTS_KEPT
    not_imported: dict[str, str] = field(default_factory=dict)  # field -> reason
    not_imported_rows: dict[str, int] = field(default_factory=dict)  # field -> records
    warnings: list[str] = field(default_factory=list)
    duplicate_names: dict[int, str] = field(default_factory=dict)  # contact id -> name

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejects) < REJECTS_KEPT:
            self.rejects.append((line, reason))

    def not_imported_field(self, name: str, reason: str, rows: int = 1) -> None:
        """Name a field the import could not keep; the first reason given is kept."""
        self.not_imported.setdefault(name, reason)
        self.not_imported_rows[name] = self.not_imported_rows.get(name, 0) + rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "unchanged": self.unchanged,
            "companies_created": self.companies_created,
            "companies_updated": self.companies_updated,
            "flagged": self.flagged,
            "possible_duplicates": [
                {
                    "line": line,
                    "contact_id": a,
                    "same_name_at_company_as": b,
                    "name": self.duplicate_names.get(a),
                    "other_name": self.duplicate_names.get(b),
                }
                for line, a, b in self.possible_duplicates
            ],
            "merged": self.merged,
            "rows": self.rows,
            "rejected_rows": [{"line": line, "reason": why} for line, why in self.rejects],
            "not_imported": {
                name: {"reason": why, "rows": self.not_imported_rows.get(name, 0)}
                for name, why in self.not_imported.items()
            },
            "flagged_values": [{"line": line, "issue": issue} for line, issue in self.issues],
            "warnings": list(self.warnings),
        }


class DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""
