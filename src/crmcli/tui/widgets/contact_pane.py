"""The contacts screen's right-hand pane: one contact, their relations, deals and timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Static

from crmcli.core.clock import local_time
from crmcli.tui.format import fit, money

if TYPE_CHECKING:
    from crmcli.core.people.relations import Relation
    from crmcli.core.people.rows import ContactDetail
    from crmcli.core.pipeline.rows import Deal


class ContactPane(VerticalScroll):
    """What the screen read about one contact, drawn in four parts (styled by the screen)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="contact-details")
        yield Static("", id="contact-relations")
        yield Static("", id="contact-deals")
        yield Static("", id="contact-timeline")

    def show_none(self) -> None:
        self.query_one("#contact-details", Static).update("[dim]no contact selected[/dim]")
        self.query_one("#contact-relations", Static).display = False
        self.query_one("#contact-deals", Static).update("")
        self.query_one("#contact-timeline", Static).update("")

    def show(
        self,
        person: ContactDetail,
        kin: list[Relation],
        owned: list[Deal],
        history: list[dict[str, Any]],
    ) -> None:
        self.query_one("#contact-details", Static).update(_details(person))
        related = self.query_one("#contact-relations", Static)
        related.update(_relations(kin))
        related.display = bool(kin)  # no empty heading for the many without any
        self.query_one("#contact-deals", Static).update(_deals(owned))
        self.query_one("#contact-timeline", Static).update(_timeline(history))


def _details(c: ContactDetail) -> str:
    pairs: list[tuple[str, Any]] = [
        ("Company", c["company"]),
        ("Title", c["title"]),
        ("Email", ", ".join(e["email"] for e in c["emails"])),
        ("Phone", ", ".join(p["display"] for p in c["phones"])),
        ("Tags", ", ".join(c["tags"])),
        ("Status", c["status"]),
        ("Touch every", f"{c['cadence_days']} days" if c["cadence_days"] else ""),
        ("Last touch", local_time(c["last_touch_at"])),
        ("Do not contact", "YES" if c["do_not_contact"] else ""),
        ("Notes", c["notes"]),
    ]
    width = max(len(k) for k, _ in pairs)
    lines = [f"[b $text-primary]{escape(c['display_name'])}[/]  [dim]#{c['id']}[/dim]", ""]
    lines += [
        f"[dim]{k.ljust(width)}[/dim]  {escape(str(v))}" for k, v in pairs if v not in (None, "")
    ]
    return "\n".join(lines)


def _relations(rows: list[Relation]) -> str:
    """Relations both ways: who, what they are to this contact, their REF."""
    lines = ["", "[b $text-accent]Relations[/]"]
    for r in rows:
        ref = f"  [dim]#{r['contact_id']}[/dim]" if r["contact_id"] is not None else ""
        kind = f"  [dim]{escape(r['label'])}[/dim]" if r["label"] else ""
        lines.append(f"{escape(r['name'])}{kind}{ref}")
    return "\n".join(lines)


def _deals(rows: list[Deal]) -> str:
    if not rows:
        return "\n[b $text-accent]Deals[/]\n[dim]none[/dim]"
    lines = ["", "[b $text-accent]Deals[/]"]
    for d in rows:
        state = d["stage"] if d["status"] == "open" else d["status"]
        flag = "  [$text-warning]⚠ stale[/]" if d["stale"] else ""
        lines.append(
            f"{escape(fit(d['title'], 40))}  [dim]{escape(state)}[/dim]  {escape(money(d))}{flag}"
        )
    return "\n".join(lines)


def _timeline(rows: list[dict[str, Any]]) -> str:
    lines = ["", "[b $text-accent]Timeline[/]"]
    if not rows:
        return "\n".join([*lines, "[dim]nothing logged yet[/dim]"])
    for t in rows:
        lines.append(
            f"[dim]{local_time(t['at'])}[/dim]  [b]{escape(str(t['what']))}[/b]  "
            f"{escape(str(t['text'] or ''))}"
        )
    return "\n".join(lines)
