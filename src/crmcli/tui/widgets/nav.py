"""The bar across the top: which screen is shown, and the keys that switch screens."""

from __future__ import annotations

from textual.widgets import Static

SCREENS = (("pipeline", "p", "Pipeline"), ("contacts", "c", "Contacts"), ("today", "t", "Today"))


class NavBar(Static):
    """`crm  Pipeline  Contacts  Today` with the current one marked; each is clickable."""

    def __init__(self, current: str) -> None:
        super().__init__(classes="navbar")
        self.current = current

    def on_mount(self) -> None:
        parts = ["[b]crm[/b] "]
        for mode, key, label in SCREENS:
            style = "reverse b" if mode == self.current else ""
            text = f" {key} {label} "
            link = f"@click=app.switch_mode('{mode}')"
            parts.append(f"[{style} {link}]{text}[/]" if style else f"[{link}]{text}[/]")
        parts.append("  [dim]? keys · ctrl+p commands[/dim]")
        self.update(" ".join(parts))
