"""The floor for `crm tui`'s first paint: a minimal Textual app showing the same stage names.

    python bench/tui_reference.py DB

It opens the database with the standard library, reads the stage names of the default
pipeline and shows each as a column header ("Lead · 1,234"), as the board's first paint
does: what any Textual program that reads a SQLite file and paints five labels pays
(Python, Textual's import, its first layout and the terminal). `bench/tui.py` times
`crm tui` against it, alternated run by run.
"""

from __future__ import annotations

import sqlite3
import sys

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label


class Reference(App[None]):
    CSS = "Horizontal { height: 3; } Label { width: 1fr; }"

    def __init__(self, db: str) -> None:
        super().__init__()
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self.stages = conn.execute(
            "SELECT s.name, (SELECT count(*) FROM deal d WHERE d.stage_id = s.id AND "
            "d.status = 'open') FROM stage s WHERE s.kind = 'open' AND s.pipeline_id = "
            "(SELECT min(id) FROM pipeline) ORDER BY s.position"
        ).fetchall()
        conn.close()

    def compose(self) -> ComposeResult:
        with Horizontal():
            for name, count in self.stages:
                yield Label(f"{name} · {count:,}")


if __name__ == "__main__":
    Reference(sys.argv[1]).run()
