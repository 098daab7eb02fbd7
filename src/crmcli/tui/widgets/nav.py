"""The bars that say where the rep is: which screen is shown, which stages are off-screen."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

SCREENS = (
    ("pipeline", "p", "Pipeline"),
    ("contacts", "c", "Contacts"),
    ("today", "t", "Today"),
    ("agenda", "a", "Agenda"),
)


class NavBar(Static):
    """`crm  Pipeline  Contacts  Today  Agenda` with the current one marked; each is clickable.

    At 80 columns it is 78 cells: a fifth screen needs a shorter hint at the end.
    """

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


class StageStrip(Widget):
    """One line above the board naming the stages off-screen on either side.

    At 80 columns three stages fit; the strip says which others there are and on
    which side (`◀ Lead` … `Proposal, Negotiation ▶`), and a click on a name goes
    there. When every stage is on screen there is nothing to say and the strip is
    hidden.
    """

    class Jump(Message):
        """A stage name was clicked: put the cursor in that column."""

        def __init__(self, column: int) -> None:
            super().__init__()
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names: list[str] = []
        self.first = 0
        self.on_screen = 0

    def show(self, names: list[str], first: int, on_screen: int) -> None:
        """Which stages exist and which run of them is on screen."""
        self.names, self.first, self.on_screen = names, first, on_screen
        self.display = self.off_screen > 0
        self.refresh()

    @property
    def off_screen(self) -> int:
        """How many stages are not on screen."""
        return len(self.names) - self.on_screen

    def action_jump(self, column: int) -> None:
        """A click on a stage name (its `@click`): the screen moves the board's cursor."""
        self.post_message(self.Jump(column))

    def render(self) -> Content:
        return strip_content(self.names, self.first, self.on_screen, self.size.width)


def strip_content(names: list[str], first: int, on_screen: int, width: int) -> Content:
    """The strip's line: off-screen stages at their side, the range shown in between.

    Stage names are listed when they fit; otherwise only how many there are on each
    side. Widths are display cells (a stage may be named in any script).
    """
    left = list(enumerate(names))[:first]
    right = list(enumerate(names))[first + on_screen :]
    middle = f"stages {first + 1}–{first + on_screen} of {len(names)}"
    if on_screen == 1:
        middle = f"stage {first + 1} of {len(names)}"

    def side(items: list[tuple[int, str]], named: bool) -> list[tuple[str, str]]:
        if not items:
            return []
        if not named:
            return [(f"{len(items)} more", "$text-muted")]
        parts: list[tuple[str, str]] = []
        for position, (index, name) in enumerate(items):
            if position:
                parts.append((", ", "$text-muted"))
            parts.append((name, f"@click=jump({index})"))
        return parts

    for named in (True, False):
        head = [("◀ ", "bold $text-accent"), *side(left, named)] if left else []
        tail = [*side(right, named), (" ▶", "bold $text-accent")] if right else []
        used = sum(cell_len(text) for text, _ in head + tail)
        if used + 3 <= width or not named:  # names need room to stay apart
            break
    gap = width - used
    between: list[tuple[str, str]] = [(" " * max(0, gap), "")]
    if gap >= cell_len(middle) + 4:
        before = (gap - cell_len(middle)) // 2
        after = gap - cell_len(middle) - before
        between = [(" " * before, ""), (middle, "$text-muted"), (" " * after, "")]
    return Content.assemble(*head, *between, *tail)
