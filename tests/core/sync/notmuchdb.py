"""A real notmuch database over real Maildir folders, in a test's temporary folder.

The folders hold messages written by `maildirs.deliver`; `NotmuchBook.index()` runs
`notmuch new` with a config file of the test's own (NOTMUCH_CONFIG), as a rep's
mail hook would after mbsync. The tests skip, saying why, where notmuch is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from .maildirs import make_maildir


def binary() -> str | None:
    return shutil.which("notmuch")


def need_notmuch() -> None:
    if binary() is None:
        pytest.skip("notmuch is not installed: apt-get install notmuch (.ci/run does)")


@dataclass
class NotmuchBook:
    """A mail root with Maildir folders, its notmuch config file, and its database."""

    root: Path
    config: Path

    def folder(self, name: str) -> Path:
        return make_maildir(self.root / name)

    def index(self) -> str:
        """`notmuch new`, as after each mail fetch; returns what it said."""
        done = subprocess.run(
            ["notmuch", f"--config={self.config}", "new"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "NOTMUCH_CONFIG": str(self.config)},
        )
        return done.stdout

    def tag(self, change: str, query: str) -> None:
        subprocess.run(
            ["notmuch", f"--config={self.config}", "tag", change, "--", query],
            check=True,
            capture_output=True,
        )


def make_book(base: Path, *, exclude_tags: str = "") -> NotmuchBook:
    """An empty mail root under `base` and a config naming it (new mail tagged `new`)."""
    need_notmuch()
    root = base / "Mail"
    root.mkdir(parents=True)
    config = base / "notmuch-config"
    config.write_text(
        f"[database]\npath={root}\n\n[user]\nname=Me\nprimary_email=me@example.org\n\n"
        "[new]\ntags=new;\nignore=\n\n"
        f"[search]\nexclude_tags={exclude_tags}\n\n[maildir]\nsynchronize_flags=true\n"
    )
    return NotmuchBook(root, config)
