"""The pipeline board: a column per open stage, each column drawn with the Line API.

A column may hold thousands of cards, so cards stay plain data (the core's deal
rows) and `CardList.render_line` draws only the lines on screen: a card is a
fixed block of `CARD_HEIGHT` lines, so line y belongs to card y // CARD_HEIGHT.
No widget is made per card.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from crmcli.core.pipeline.board import Column
from crmcli.core.values.money import format_amount
from crmcli.core.values.text import fold
from crmcli.tui.format import fit, money, plural

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import Deal as Card

CARD_HEIGHT = 5  # title, who, amount and days, next step, and a blank line between cards
MIN_COLUMN = 22  # narrower, and a card says too little: the board scrolls sideways instead


def _order(card: Card) -> tuple[str, int]:
    """A column's order, as the core sorts it: oldest in the stage first."""
    return (str(card["stage_entered_at"]), int(card["id"]))


class CardList(ScrollView):
    """One stage's cards. Not focusable itself: the board holds the focus and the cursor."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "cardlist--card",
        "cardlist--cursor",
        "cardlist--selected",
        "cardlist--bar",
        "cardlist--bar-stale",
        "cardlist--title",
        "cardlist--dim",
        "cardlist--amount",
        "cardlist--stale",
        "cardlist--next",
        "cardlist--missing",
        "cardlist--empty",
    }

    class Clicked(Message):
        """A card was clicked."""

        def __init__(self, column: int, index: int) -> None:
            super().__init__()
            self.column = column
            self.index = index

    def __init__(self, column: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.column = column
        self.cards: Sequence[Card] = ()
        self.cursor: int | None = None
        self.active = False  # the board has the focus
        # The styles of one paint (`render_lines`), each worked out once, not once a line.
        self._pass: dict[tuple[str, bool], Style] | None = None
        self._width = 0  # the content width, during one paint

    def show(self, cards: Sequence[Card], cursor: int | None, active: bool) -> None:
        """Draw these cards, with the cursor on one of them (or none)."""
        same = cards is self.cards and cursor == self.cursor and active == self.active
        self.cards = cards
        self.cursor = cursor
        self.active = active
        size = Size(0, len(cards) * CARD_HEIGHT)
        if size != self.virtual_size:
            self.virtual_size = size
        if not same:
            self.refresh()

    def reveal(self, index: int) -> None:
        """Scroll just enough for card `index` to be fully visible."""
        top = index * CARD_HEIGHT
        bottom = top + CARD_HEIGHT - 1  # the gap line may stay hidden
        height = self.scrollable_content_region.height
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False)
        elif bottom > self.scroll_y + height:
            self.scroll_to(y=bottom - height, animate=False)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (offset.y + int(self.scroll_y)) // CARD_HEIGHT
        if index < len(self.cards):
            self.post_message(self.Clicked(self.column, index))

    # -- drawing ------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in `crop`, with the styles and width worked out once for them all.

        A widget's style blends its ancestors' backgrounds, and a component's blends
        its own in: asked for on every line, that was most of a column's paint.
        """
        self._pass = {}
        self._width = self.size.width  # (asked once a line, it was a tenth of a paint)
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def _style(self, name: str, partial: bool = False) -> Style:
        """A component's style; `partial`: only its text colour and attributes.

        The colour comes from the full style, where Textual has blended a
        translucent theme colour (`$text-muted`) against the background; a
        partial style would leave it unblended (white on a light theme).
        """
        known = self._pass.get((name, partial)) if self._pass is not None else None
        if known is not None:
            return known
        full = self.rich_style if name == "" else self.get_component_rich_style(name)
        style = Style(color=full.color, bold=full.bold, italic=full.italic) if partial else full
        if self._pass is not None:
            self._pass[name, partial] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self._width if self._pass is not None else self.size.width
        base = self._style("")  # the widget's own
        line = y + int(self.scroll_y)
        if not self.cards:
            if line == 0:
                return Strip([Segment(fit("  no deals", width), self._style("cardlist--empty"))])
            return Strip.blank(width, base)
        index, row = divmod(line, CARD_HEIGHT)
        if index >= len(self.cards) or row == CARD_HEIGHT - 1:
            return Strip.blank(width, base)
        card = self.cards[index]
        if index == self.cursor:
            back = self._style("cardlist--cursor" if self.active else "cardlist--selected")
        else:
            back = self._style("cardlist--card")
        bar = self._style("cardlist--bar-stale" if card["stale"] else "cardlist--bar", True)
        room = max(0, width - 3)  # bar, space, text, one space of margin
        parts = self._parts(card, row, room)
        if row == 2 and card["stale"] and sum(cell_len(t) for t, _ in parts) > room:
            parts[-1] = (" ⚠", "cardlist--stale")
        segments = [Segment("▌", back + bar), Segment(" ", back)]
        used = 0
        for text, name in parts:
            text = fit(text, room - used)
            if not text:
                break
            segments.append(Segment(text, back + self._style(name, True)))
            used += cell_len(text)  # display cells: 山田 takes four, é (e + accent) one
        strip = Strip(segments).adjust_cell_length(width, back)
        return strip

    @staticmethod
    def _parts(card: Card, row: int, room: int) -> list[tuple[str, str]]:
        """The text pieces of one line of a card, each with its component style."""
        if row == 0:
            return [(card["title"] or "(untitled)", "cardlist--title")]
        if row == 1:
            who = " · ".join(x for x in (card.get("contact"), card.get("company")) if x)
            return [(who or "no contact", "cardlist--dim")]
        if row == 2:
            parts: list[tuple[str, str]] = []
            amount = money(card)
            if amount:
                parts.append((amount + "  ", "cardlist--amount"))
            parts.append((f"{card['days_in_stage']}d", "cardlist--dim"))
            if card["stale"]:
                parts.append(("  ⚠ stale", "cardlist--stale"))
            return parts
        if card["no_next_step"]:
            return [("! no next step", "cardlist--missing")]
        return [(f"→ {card['next_step']}", "cardlist--next")]


class StageHeader(Widget):
    """A column's head: the stage and its count, then per currency its total ≈ weighted.

    Amounts in different currencies are never added up: each currency has its own
    line. All heads have the same height (set by the board), so a new count or
    total only repaints this widget: no layout pass, which a move cannot afford.
    """

    def __init__(self, *, classes: str = "") -> None:
        super().__init__(classes=classes)
        self._text = ""

    def show(self, column: Column, shown: int, height: int) -> None:
        name = column.stage["name"]
        count = plural(column.count, "deal")
        if shown != column.count:
            count = f"{shown} of {count}"
        lines = [f"[b]{_escape(name)}[/b] · {count}"]
        for currency in sorted(column.totals):
            total = format_amount(column.totals[currency], currency)
            weighted = format_amount(column.weighted.get(currency, 0), currency).rsplit(" ", 1)[0]
            lines.append(f"{_escape(total)} [dim]≈ {_escape(weighted)}[/dim]")
        if len(lines) == 1:
            lines.append("[dim]no amounts[/dim]")
        if self.styles.height is None or self.styles.height.value != height:
            self.styles.height = height
        text = "\n".join(lines)
        if text != self._text:
            self._text = text
            self.refresh()

    def render(self) -> Content:
        return Content.from_markup(self._text)


def _escape(text: str) -> str:
    from textual.markup import escape

    return escape(text)


class StageView(Vertical):
    """One column: its header above its scrolling list of cards."""

    def __init__(self, index: int, stage_id: int) -> None:
        super().__init__(id=f"stage-{stage_id}", classes="stage")
        self.index = index

    def compose(self) -> ComposeResult:
        yield StageHeader(classes="stage-header")
        yield CardList(self.index, id=f"cards-{self.index}")


MOVE = Binding.Group("Move")


class Board(Horizontal, can_focus=True):
    """The whole board. It holds the focus, the cursor (column, card) and the filter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "cursor(-1, 0)", "Left", show=False),
        Binding("right", "cursor(1, 0)", "Right", show=False),
        Binding("up", "cursor(0, -1)", "Up", show=False),
        Binding("down", "cursor(0, 1)", "Down", show=False),
        Binding("h", "cursor(-1, 0)", "Left", show=False),
        Binding("l", "cursor(1, 0)", "Right", show=False),
        Binding("k", "cursor(0, -1)", "Up", show=False),
        Binding("j", "cursor(0, 1)", "Down", show=False),
        Binding("home", "edge(-1)", "First card", show=False),
        Binding("end", "edge(1)", "Last card", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        # One footer entry for the pair ("[ ] Move"): the footer must fit 80 columns.
        Binding("shift+left,[", "screen.move_deal(-1)", "◀ Stage", key_display="[", group=MOVE),
        Binding("shift+right,]", "screen.move_deal(1)", "Stage ▶", key_display="]", group=MOVE),
        Binding("enter", "screen.open_deal", "Open"),
        Binding("w", "screen.won", "Won"),
        Binding("x", "screen.lost", "Lost"),
    ]

    class WindowChanged(Message):
        """Which stages are on screen changed (a resize, a scroll, new stages).

        `names` are every column's stage (with its matching cards' count while a
        filter is on), `first` the leftmost on screen, `on_screen` how many are on
        screen: the stage strip names the others.
        """

        def __init__(self, names: list[str], first: int, on_screen: int) -> None:
            super().__init__()
            self.names = names
            self.first = first
            self.on_screen = on_screen

    filter_text: var[str] = var("")

    def __init__(
        self, columns: list[Column], *, id: str | None = None, partial: bool = False
    ) -> None:
        super().__init__(id=id)
        self.columns = columns
        # The first paint shows each stage's first cards only (the screen's FIRST_CARDS),
        # the rest arriving with the first `load`: meanwhile the headers say the whole count.
        self.partial = partial
        self.shown: list[list[Card]] = [list(c.cards) for c in columns]
        self.col = 0
        self.row = 0
        self.first = 0  # the leftmost column on screen
        self.fitting = max(1, len(columns))  # how many columns fit side by side
        self._widths: list[int] = []
        self._window: tuple[list[str], int, int] | None = None  # as last announced
        self._keys: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        for index, column in enumerate(self.columns):
            yield StageView(index, int(column.stage["id"]))

    def on_mount(self) -> None:
        self._paint_all()

    # -- what is selected ---------------------------------------------------------------
    @property
    def current(self) -> Card | None:
        """The card under the cursor, if any."""
        if not self.shown or not self.shown[self.col]:
            return None
        return self.shown[self.col][min(self.row, len(self.shown[self.col]) - 1)]

    @property
    def stage_ids(self) -> list[int]:
        return [int(c.stage["id"]) for c in self.columns]

    def select(self, deal_id: int | None, column: int | None = None) -> bool:
        """Put the cursor on a deal if it is shown; else keep the column, clamp the card."""
        if deal_id is not None:
            for index, cards in enumerate(self.shown):
                for position, card in enumerate(cards):
                    if card["id"] == deal_id:
                        self.col, self.row = index, position
                        return True
        if column is not None:
            self.col = column
        self.col = max(0, min(self.col, len(self.shown) - 1))
        if self.shown:
            self.row = max(0, min(self.row, len(self.shown[self.col]) - 1))
        return False

    # -- data ---------------------------------------------------------------------------
    async def load(self, columns: list[Column], keep: int | None) -> None:
        """Show freshly read columns, keeping the cursor on deal `keep` when it still exists."""
        structure_changed = [int(c.stage["id"]) for c in columns] != self.stage_ids
        self.columns = columns
        self.partial = False
        self._keys.clear()
        self._refilter()
        self.select(keep)
        if structure_changed:
            await self.recompose()
            self._size_columns()
        self._paint_all()

    def set_headers(self, heads: list[Column]) -> None:
        """New counts and totals per stage (cards unchanged)."""
        by_id = {int(h.stage["id"]): h for h in heads}
        for column in self.columns:
            head = by_id.get(int(column.stage["id"]))
            if head is not None:
                column.count, column.totals = head.count, head.totals
                column.weighted = head.weighted

    def place(self, deal_id: int, deal: Card | None) -> None:
        """Take a deal out of its column and, if it is open on this board, put it where it goes.

        The cards are the core's rows: the moved deal's new row (from `deals.move`)
        replaces the old one, at its place in the target column's order.
        """
        source = self.col
        for index, column in enumerate(self.columns):
            for position, card in enumerate(column.cards):
                if card["id"] == deal_id:
                    del column.cards[position]
                    source = index
                    break
        target = None
        if deal is not None and deal["status"] == "open" and deal["stage_id"] in self.stage_ids:
            target = self.stage_ids.index(deal["stage_id"])
            cards = self.columns[target].cards
            keys = [_order(c) for c in cards]
            cards.insert(bisect_left(keys, _order(deal)), deal)
        self._keys.pop(deal_id, None)
        self._refilter()
        if not self.select(deal_id if target is not None else None, source):
            self.select(None, source)
        self._paint_all()

    # -- filter -------------------------------------------------------------------------
    def watch_filter_text(self, _old: str, _new: str) -> None:
        keep = self.current["id"] if self.current else None
        self._refilter()
        self.select(keep)
        self._paint_all()

    def _key(self, card: Card) -> str:
        key = self._keys.get(card["id"])
        if key is None:
            text = " ".join(
                str(card.get(k) or "") for k in ("title", "contact", "company", "next_step")
            )
            key = self._keys[card["id"]] = fold(text)
        return key

    def _refilter(self) -> None:
        words = fold(self.filter_text).split()
        if not words:
            fresh = [list(c.cards) for c in self.columns]
        else:
            fresh = [
                [card for card in c.cards if all(w in self._key(card) for w in words)]
                for c in self.columns
            ]
        # A column whose cards did not change keeps its list object, so its CardList
        # sees the same cards and is not repainted: a move repaints two columns, not all.
        # (Equal lists of the same card dicts compare by identity first: cheap.)
        if len(self.shown) == len(fresh):
            pairs = zip(self.shown, fresh, strict=True)
            fresh = [before if before == now else now for before, now in pairs]
        self.shown = fresh

    # -- painting -----------------------------------------------------------------------
    def refresh_view(self) -> None:
        """Repaint every column from the current data, cursor and filter."""
        self._paint_all()

    def _paint_all(self) -> None:
        if not self.is_mounted:
            return
        for index, column in enumerate(self.columns):
            self._paint(index, column)
        self._reveal()

    def _paint(self, index: int, column: Column) -> None:
        views = self.query(StageView)
        if index >= len(views):
            return
        view = views[index]
        height = 1 + max([1, *(len(c.totals) for c in self.columns)])
        shown = len(self.shown[index])
        if self.partial and not self.filter_text:
            shown = column.count
        header = view.query_one(StageHeader)
        header.show(column, shown, height)
        cursor = self.row if index == self.col else None
        view.query_one(CardList).show(self.shown[index], cursor, self.has_focus)
        # The header's own class: restyling a whole column (its card list too) cost a
        # move about as much as the move itself.
        header.set_class(index == self.col, "-current")

    def _reveal(self) -> None:
        if self.current is not None:
            lists = self.query(CardList)
            if self.col < len(lists):
                lists[self.col].reveal(self.row)
        self._follow()

    def _follow(self) -> None:
        """Scroll sideways, whole columns at a time, so the cursor's column is on screen.

        The board keeps its window of columns until the cursor leaves it (then the
        window moves just enough), so moving within the window never scrolls; an
        empty stage is followed too, as there is no card to scroll to.
        """
        count = len(self.columns)
        first = max(0, min(self.first, count - self.fitting))
        if self.col < first:
            first = self.col
        elif self.col >= first + self.fitting:
            first = self.col - self.fitting + 1
        self.first = first
        offset = sum(self._widths[:first])
        if self._widths and int(self.scroll_x) != offset:
            self.scroll_to(x=offset, animate=False, force=True, immediate=True)
        names = [str(c.stage["name"]) for c in self.columns]
        if self.filter_text.strip():  # where the matches are, on screen or not
            names = [
                f"{name} ({len(cards)})" for name, cards in zip(names, self.shown, strict=False)
            ]
        window = (names, first, min(self.fitting, count))
        if window != self._window:
            self._window = window
            self.post_message(self.WindowChanged(*window))

    def on_resize(self) -> None:
        self._size_columns()

    def _size_columns(self) -> None:
        """Show as many whole columns as fit at MIN_COLUMN or wider, sharing the width.

        Set here rather than with `fr` units, which a sideways-scrolling container
        would resolve against its whole viewport for every column; and whole
        columns only, so the board never shows a sliver of a stage. Any `fitting`
        neighbouring columns then fill the width exactly, wherever the window is.
        """
        views = self.query(StageView)
        if not views:
            return
        room = self.size.width
        self.fitting = visible = max(1, min(len(views), room // MIN_COLUMN))
        each, extra = divmod(room, visible)
        self._widths = [each + (1 if index % visible < extra else 0) for index in range(len(views))]
        for view, width in zip(views, self._widths, strict=False):
            view.styles.width = width
        self._follow()
        # The new widths reach the scrolling limits at the next layout: scroll again then.
        self.call_after_refresh(self._follow)

    def on_focus(self) -> None:
        self._paint_all()

    def on_blur(self) -> None:
        self._paint_all()

    # -- keys and mouse -----------------------------------------------------------------
    def action_cursor(self, dx: int, dy: int) -> None:
        if not self.columns:
            return
        if dx:
            self.col = max(0, min(self.col + dx, len(self.columns) - 1))
            self.row = max(0, min(self.row, len(self.shown[self.col]) - 1))
        if dy:
            self.row = max(0, min(self.row + dy, len(self.shown[self.col]) - 1))
        self._paint_all()

    def action_edge(self, where: int) -> None:
        if self.columns:
            self.row = 0 if where < 0 else max(0, len(self.shown[self.col]) - 1)
            self._paint_all()

    def action_page(self, step: int) -> None:
        lists = self.query(CardList)
        if self.col < len(lists):
            per_page = max(1, lists[self.col].scrollable_content_region.height // CARD_HEIGHT)
            self.action_cursor(0, step * per_page)

    def jump(self, column: int) -> None:
        """Put the cursor in a column (the stage strip's names are clickable)."""
        if 0 <= column < len(self.columns):
            self.col = column
            self.row = max(0, min(self.row, len(self.shown[column]) - 1))
            self.focus()
            self._paint_all()

    def on_card_list_clicked(self, message: CardList.Clicked) -> None:
        message.stop()
        self.col, self.row = message.column, message.index
        self.focus()
        self._paint_all()
