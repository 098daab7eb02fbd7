"""An import's options and its summary: what a command asks of an importer, and what it hears back.

Shared by the contact and deal importers and by the writer they both use, so it
sits below all three.
"""

from __future__ import annotations

import marshal
import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any


@dataclass
class ImportOptions:
    on_duplicate: str = "update"  # update, skip or create
    dry_run: bool = False
    strict: bool = False
    label: str = "import"


REJECTS_KEPT = 100  # rejected rows listed in the report's --json; the rejects file has all
FIRST_KEPT = 20  # possible duplicates kept at hand, named, for the report's text

# (line, contact id, name, older namesake's id, its name)
NamedDuplicate = tuple[int, int, str | None, int, str | None]


class PossibleDuplicates:
    """The possible duplicates an import reports: (line, new contact, older namesake).

    A million-row file of common names holds hundreds of thousands of them, and a list
    of tuples, then every name read into a dict, took 340 MB of a 1,000,000-row
    import. So they are kept as machine integers while the import runs (24 bytes
    each), and once named (`name`) they go to a temporary file, with only the first
    FIRST_KEPT at hand for the report: memory stays flat, and `--json` still lists
    every one (`named`).
    """

    def __init__(self) -> None:
        self._found = array("q")  # line, contact id, other id; a triple each
        self._spill: IO[bytes] | None = None
        self._count = 0
        self.first: list[NamedDuplicate] = []

    def append(self, line: int, contact_id: int, other: int) -> None:
        self._found.extend((line, contact_id, other))

    def __len__(self) -> int:
        return self._count if self._spill is not None else len(self._found) // 3

    def __bool__(self) -> bool:
        return len(self) > 0

    def name(self, names: Callable[[Sequence[int]], dict[int, str]], chunk: int = 500) -> None:
        """Keep each once, with its names: two new namesakes written in one batch each
        point at the other, and only the later one (the older id its `other`) stays."""
        found, self._found = self._found, array("q")
        spill = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the summary
        kept = 0
        for start in range(0, len(found), chunk * 3):
            part = found[start : start + chunk * 3]
            triples = [
                (part[i], part[i + 1], part[i + 2])
                for i in range(0, len(part), 3)
                if part[i + 2] < part[i + 1]
            ]
            if not triples:
                continue
            known = names(sorted({i for _, a, b in triples for i in (a, b)}))
            named = [(line, a, known.get(a), b, known.get(b)) for line, a, b in triples]
            if len(self.first) < FIRST_KEPT:
                self.first += named[: FIRST_KEPT - len(self.first)]
            marshal.dump(named, spill)
            kept += len(named)
        self._spill, self._count = spill, kept

    def named(self) -> Iterator[NamedDuplicate]:
        """Every one, in file order, with names (read back from the temporary file)."""
        if self._spill is None:
            for i in range(0, len(self._found), 3):
                line, a, b = self._found[i : i + 3]
                yield line, a, None, b, None
            return
        self._spill.seek(0)
        while True:
            try:
                chunk = marshal.load(self._spill)
            except EOFError:
                return
            yield from chunk


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
    possible_duplicates: PossibleDuplicates = field(default_factory=PossibleDuplicates)
    issues: list[tuple[int, str]] = field(default_factory=list)  # first few (line, issue)
    rows: int = 0
    merged: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)  # first REJECTS_KEPT
    not_imported: dict[str, str] = field(default_factory=dict)  # field -> reason
    not_imported_rows: dict[str, int] = field(default_factory=dict)  # field -> records
    warnings: list[str] = field(default_factory=list)

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
                    "name": name,
                    "other_name": other_name,
                }
                for line, a, name, b, other_name in self.possible_duplicates.named()
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
