"""The report of `crm import deals`: the same parts, order and streams as a contacts import's.

The file line (format, tool, encoding) and everything a rep must look at (a guessed
encoding, rejected rows, values kept as custom fields) go to stderr; the counts and the
money per currency go to stdout, one line each, so a script can read them. A dry run
prints the very same with "would import". `--json` carries all of it, lists in full.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmcli.commands._import_report import REJECTS_SHOWN, FileFacts
from crmcli.commands._output import message, warn
from crmcli.commands._words import plural

if TYPE_CHECKING:
    from crmcli.core.interchange.csvfile import CsvLayout
    from crmcli.core.interchange.importing.deals import DealSummary

ISSUES_SHOWN = 10


def facts(name: str, layout: CsvLayout, summary: DealSummary, custom: list[str]) -> FileFacts:
    """What was read: the tool, the encoding and how sure the guess was."""
    found = getattr(layout, "detection", None)
    return FileFacts(
        name,
        "csv",
        summary.source,
        layout.encoding,
        found.note() if found is not None else None,
        detection=(
            {"how": found.how, "confidence": round(float(found.confidence), 2)}
            if found is not None
            else None
        ),
        warnings=[w for w in [found.warning(name) if found is not None else None] if w],
        custom_columns=custom,
    )


def deals_json(
    name: str,
    layout: CsvLayout,
    summary: DealSummary,
    dry_run: bool,
    custom: list[str],
    rejects_file: Path | None,
) -> dict[str, Any]:
    """The machine-readable report: the keys of `crm import contacts --json` that apply."""
    read = facts(name, layout, summary, custom)
    return {
        "file": name,
        "format": "csv",
        "encoding": layout.encoding,
        "encoding_note": read.encoding_note,
        "encoding_detection": read.detection,
        "dry_run": dry_run,
        **summary.as_dict(),
        "rejected_rows": summary.rejected_rows(),
        "warnings": read.warnings,
        "custom_columns": custom,
        "rejects_file": str(rejects_file) if rejects_file else None,
    }


def render_deals(
    name: str,
    layout: CsvLayout,
    summary: DealSummary,
    dry_run: bool,
    custom: list[str],
    rejects_file: Path | None,
) -> None:
    """The human report: details on stderr, then the counts and the money on stdout."""
    read = facts(name, layout, summary, custom)
    message(read.describe())
    for text in read.warnings:
        warn(text)
    for line, reason in summary.rejects[:REJECTS_SHOWN]:
        warn(f"rejected line {line}: {reason}")
    more = summary.rejected - min(len(summary.rejects), REJECTS_SHOWN)
    if more > 0:
        where = f", all in {rejects_file}" if rejects_file else ""
        warn(f"… and {plural(more, 'more rejected row')}{where}")
    for line, issue in summary.issues[:ISSUES_SHOWN]:
        warn(f"line {line}: {issue} (kept as a custom field)")
    if len(summary.issues) > ISSUES_SHOWN:
        more = len(summary.issues) - ISSUES_SHOWN
        warn(f"… {more} more values kept as custom fields (see --json)")
    if custom:
        message(f"kept as custom fields: {', '.join(custom)}")
    verb = "would import" if dry_run else "imported"
    text = (
        f"{verb} {name} ({summary.source}): {plural(summary.created, 'deal')} created, "
        f"{summary.updated} updated, {summary.unchanged} already there, "
        f"{summary.rejected} rejected"
    )
    if summary.contacts_created or summary.companies_created:
        text += (
            f"; {plural(summary.contacts_created, 'contact')} and "
            f"{plural(summary.companies_created, 'company')} created"
        )
    if rejects_file:
        text += f" (rejected rows in {rejects_file})"
    print(text)
    # What came in, per currency: wrong money cannot pass unseen.
    if summary.currencies or summary.without_amount:
        print(summary.currency_line())
