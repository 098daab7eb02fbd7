"""Messages the screens and widgets send each other (and that tests and the bench wait for)."""

from __future__ import annotations

from textual.message import Message


class DataChanged(Message):
    """Another connection committed: the visible data should be read again."""


class FirstPaint(Message):
    """The interface's first frame is on the terminal: what waited for it may run now."""


class BoardRefreshed(Message):
    """The pipeline board has been repainted with new data (after a move, a reload...)."""

    def __init__(self, deal_id: int | None) -> None:
        super().__init__()
        self.deal_id = deal_id


class ContactsListed(Message):
    """The contact list now shows the results for `query`."""

    def __init__(self, query: str, count: int) -> None:
        super().__init__()
        self.query = query
        self.count = count


class TodayRefreshed(Message):
    """The today screen has been read again."""


class AgendaRefreshed(Message):
    """The agenda has been read again, `ahead` days after today."""

    def __init__(self, ahead: int) -> None:
        super().__init__()
        self.ahead = ahead
