"""The report of one import: what the file was, what came in, and all that did not.

One renderer for `crm import contacts` (and the file line of `crm import deals`). The
counts go to stdout on one line, the same on a terminal and a pipe, so a script can
read them; everything a rep must look at (rejected rows, possible duplicates, values
flagged, fields not imported, a guessed encoding) goes to stderr, each on its own
line, never hidden on a pipe: a warning that only shows on a terminal is one a
nightly job never sees. `--json` gives all of it, lists in full, on stdout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmcli.commands._output import message, warn
from crmcli.commands._words import plural

if TYPE_CHECKING:
    from crmcli.core.interchange.importing.options import ImportSummary

SHOWN = 10  # possible duplicates and flagged values listed before "… and N more"
REJECTS_SHOWN = 5


@dataclass
class FileFacts:
    """What was read: the file's name, format, encoding, and the tool that wrote it."""

    name: str
    format: str
    source: str
    encoding: str | None = None
    encoding_note: str | None = None  # the encoding and how it was found, name included
    detection: dict[str, Any] | None = None  # how and how sure, for --json
    warnings: list[str] = field(default_factory=list)  # the reading's: a guessed encoding...
    custom_columns: list[str] = field(default_factory=list)
    rejects_file: Path | None = None  # written beside the input (never on a dry run)

    @classmethod
    def of(cls, name: str, reading: Any) -> FileFacts:
        """The facts of a `Reading` (the encoding details are read only when present)."""
        found = getattr(reading, "detection", None)
        return cls(
            name=name,
            format=reading.format,
            source=reading.source,
            encoding=getattr(reading, "encoding", None),
            encoding_note=_text(getattr(reading, "encoding_note", None)),
            detection=(
                {"how": found.how, "confidence": round(float(found.confidence), 2)}
                if found is not None
                else None
            ),
            warnings=[str(w) for w in getattr(reading, "warnings", None) or []],
            custom_columns=list(getattr(reading, "custom_columns", []) or []),
        )

    def describe(self) -> str:
        """`people.csv: CSV from outlook-de, encoding cp1252 (…; detected; confidence 0.91)`"""
        text = f"{self.name}: {self.format.upper() if self.format != 'vcard' else 'vCard'}"
        if self.source and self.source != self.format:
            text += f" from {self.source}"
        if self.encoding_note or self.encoding:
            text += f", encoding {self.encoding_note or self.encoding}"
        return text


def _text(value: Any) -> str | None:
    return str(value) if value else None


def contacts_json(facts: FileFacts, summary: ImportSummary, dry_run: bool) -> dict[str, Any]:
    """The machine-readable report: the keys of earlier versions, and everything new."""
    return {
        "file": facts.name,
        "format": facts.format,
        "source": facts.source,
        "encoding": facts.encoding,
        "encoding_note": facts.encoding_note,
        "encoding_detection": facts.detection,
        "dry_run": dry_run,
        **summary.as_dict(),
        "warnings": facts.warnings + summary.warnings,
        "custom_columns": facts.custom_columns,
        "rejects_file": str(facts.rejects_file) if facts.rejects_file else None,
    }


def print_json(report: dict[str, Any] | list[dict[str, Any]]) -> None:
    print(json.dumps(report, ensure_ascii=False, indent=2))


def render_contacts(facts: FileFacts, summary: ImportSummary, dry_run: bool) -> None:
    """The human report: details on stderr, then the one-line summary on stdout."""
    message(facts.describe())
    for text in facts.warnings + summary.warnings:
        warn(text)
    _flagged(summary)
    _rejected(facts, summary)
    _duplicates(summary)
    for name, why in summary.not_imported.items():
        rows = summary.not_imported_rows.get(name, 0)
        where = f" ({plural(rows, 'record')})" if rows > 1 else ""
        warn(f"not imported: {name}{where}: {why}")
    if facts.custom_columns:
        message(f"kept as custom fields: {', '.join(facts.custom_columns)}")
    print(summary_line(facts, summary, dry_run))


def summary_line(facts: FileFacts, summary: ImportSummary, dry_run: bool) -> str:
    """One line of counts; the parts that are zero are left out, past the first four."""
    verb = "would import" if dry_run else "imported"
    text = (
        f"{verb} {facts.name} ({facts.source}): {summary.created} created, {summary.updated} "
        f"updated, {summary.skipped} skipped, {summary.rejected} rejected"
    )
    if summary.unchanged:
        text += f", {summary.unchanged} already up to date"
    if summary.merged:
        text += f", {summary.merged} merged into people met earlier in the file"
    if summary.possible_duplicates:
        text += f", {plural(len(summary.possible_duplicates), 'possible duplicate')}"
    if summary.companies_created:
        text += f"; {plural(summary.companies_created, 'company')} created"
    if summary.companies_updated:
        text += f"; {plural(summary.companies_updated, 'company')} updated"
    if facts.rejects_file:
        text += f" (rejected rows in {facts.rejects_file})"
    return text


_TOTALLED = (
    "created", "updated", "skipped", "rejected", "unchanged", "merged", "companies_created",
    "companies_updated", "flagged", "rows",
)  # fmt: skip


def total(summaries: list[ImportSummary]) -> dict[str, int]:
    """The counts of several files' imports added up, for `--json`."""
    out = {key: sum(int(getattr(s, key)) for s in summaries) for key in _TOTALLED}
    out["possible_duplicates"] = sum(len(s.possible_duplicates) for s in summaries)
    out["files"] = len(summaries)
    return out


def total_line(summaries: list[ImportSummary], dry_run: bool) -> str:
    """`imported 3 files in all: 12 created, 3 updated, …` after the files' own lines."""
    counts = total(summaries)
    verb = "would import" if dry_run else "imported"
    text = (
        f"{verb} {plural(len(summaries), 'file')} in all: {counts['created']} created, "
        f"{counts['updated']} updated, {counts['skipped']} skipped, {counts['rejected']} rejected"
    )
    if counts["unchanged"]:
        text += f", {counts['unchanged']} already up to date"
    if counts["possible_duplicates"]:
        text += f", {plural(counts['possible_duplicates'], 'possible duplicate')}"
    if counts["companies_created"]:
        text += f"; {plural(counts['companies_created'], 'company')} created"
    return text


def _flagged(summary: ImportSummary) -> None:
    for line, issue in summary.issues[:SHOWN]:
        warn(f"line {line}: {issue}")
    if summary.flagged > SHOWN:
        warn(f"… {summary.flagged - SHOWN} more values flagged (see `crm doctor`)")


def _rejected(facts: FileFacts, summary: ImportSummary) -> None:
    for line, reason in summary.rejects[:REJECTS_SHOWN]:
        warn(f"rejected line {line}: {reason}")
    more = summary.rejected - min(len(summary.rejects), REJECTS_SHOWN)
    if more > 0:
        where = f", all in {facts.rejects_file}" if facts.rejects_file else ""
        warn(f"… and {plural(more, 'more rejected row')}{where}")


def _duplicates(summary: ImportSummary) -> None:
    for line, new, name, other, other_name in summary.possible_duplicates.first[:SHOWN]:
        who = f"{name} (#{new})" if name is not None else f"#{new}"
        like = f"#{other} {other_name}" if other_name is not None else f"#{other}"
        warn(
            f"line {line}: {who} has the same name and company as {like} "
            "(possible duplicate, not merged)"
        )
    more = len(summary.possible_duplicates) - SHOWN
    if more > 0:
        warn(f"… and {plural(more, 'more possible duplicate')} (--json lists them all)")
