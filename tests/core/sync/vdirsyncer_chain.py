"""A terminal user's chain for the tests: vdirsyncer between a vdir and Radicale; khal, khard.

`Chain` writes a vdirsyncer config pairing a `filesystem` storage (the vdir folder
crm syncs with) and a `caldav`/`carddav` storage (a collection on the test's
Radicale), its status in the test's folder, and runs the real `vdirsyncer
discover` and `vdirsyncer sync` as subprocesses, returning what they printed.
`khal_config`/`khard_config` point khal and khard at a vdir, and `khal`/`khard`
run them, so a test sees a vdir as those programs do.

Every program runs with HOME in the test's folder (nothing of the machine's own
config is read or written), a UTF-8 locale and a fixed time zone. They are the
executables installed beside the interpreter running the tests (the test extra).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

TZ = "Europe/Paris"


def program(name: str) -> Path:
    """An executable of the test extra installed beside this interpreter; skips when missing."""
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        pytest.skip(f"{name} is not installed: pip install -e '.[test]' (the test extra has it)")
    return path


def environment(home: Path) -> dict[str, str]:
    """The environment the chain's programs run in: a home of their own, UTF-8, one zone."""
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": TZ,
    }


def _quoted(text: str) -> str:
    """A string in vdirsyncer's config (its values are JSON)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Chain:
    """vdirsyncer syncing `vdir` with the collection at `url`, set up in `root`."""

    root: Path
    kind: str  # "calendar" or "contacts"
    vdir: Path
    url: str
    username: str
    password: str

    @property
    def config(self) -> Path:
        return self.root / "vdirsyncer.conf"

    def write(self) -> Path:
        """The config: one pair, its collections named directly (no discovery prompts)."""
        self.vdir.mkdir(parents=True, exist_ok=True)
        (self.root / "status").mkdir(parents=True, exist_ok=True)
        remote = "caldav" if self.kind == "calendar" else "carddav"
        extension = ".ics" if self.kind == "calendar" else ".vcf"
        self.config.write_text(
            "[general]\n"
            f"status_path = {_quoted(str(self.root / 'status'))}\n\n"
            "[pair crm]\n"
            'a = "local"\n'
            'b = "remote"\n'
            # null: the two storages ARE the collections (a vdir folder and a collection
            # URL), as a rep syncing one calendar writes it.
            "collections = null\n"
            # A conflict is resolved by the server's side, as a test expects nothing else.
            'conflict_resolution = "b wins"\n\n'
            "[storage local]\n"
            'type = "filesystem"\n'
            f"path = {_quoted(str(self.vdir))}\n"
            f"fileext = {_quoted(extension)}\n\n"
            "[storage remote]\n"
            f"type = {_quoted(remote)}\n"
            f"url = {_quoted(self.url)}\n"
            f"username = {_quoted(self.username)}\n"
            f"password = {_quoted(self.password)}\n",
            encoding="utf-8",
        )
        return self.config

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`vdirsyncer -c CONFIG ARGS...`, answering any prompt with yes; fails loudly."""
        done = subprocess.run(
            [str(program("vdirsyncer")), "-c", str(self.config), *args],
            input="y\n" * 20,
            capture_output=True,
            text=True,
            timeout=120,
            env=environment(self.root),
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"vdirsyncer {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done

    def discover(self) -> str:
        if not self.config.exists():
            self.write()
        done = self.run("discover")
        return done.stdout + done.stderr

    def sync(self) -> str:
        """`vdirsyncer sync` (discovering first, the first time); what it printed."""
        if not (self.root / "status").exists() or not any((self.root / "status").iterdir()):
            self.discover()
        done = self.run("sync")
        return done.stdout + done.stderr


def khal_config(root: Path, vdir: Path) -> Path:
    """A khal config reading the calendar vdir `vdir` (its cache in `root`)."""
    config = root / "khal.conf"
    config.write_text(
        "[calendars]\n"
        "[[crm]]\n"
        f"path = {vdir}\n"
        "type = calendar\n"
        "[locale]\n"
        f"default_timezone = {TZ}\n"
        f"local_timezone = {TZ}\n"
        "timeformat = %H:%M\n"
        "dateformat = %Y-%m-%d\n"
        "longdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\n"
        "[sqlite]\n"
        f"path = {root / 'khal.db'}\n",
        encoding="utf-8",
    )
    return config


def khard_config(root: Path, vdir: Path) -> Path:
    """A khard config reading the address book vdir `vdir`."""
    config = root / "khard.conf"
    config.write_text(
        f"[addressbooks]\n[[crm]]\npath = {vdir}\n",
        encoding="utf-8",
    )
    return config


def khal(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`khal -c CONFIG ARGS...` (e.g. "list", "2026-03-01", "30d"); its output as text."""
    return subprocess.run(
        [str(program("khal")), "-c", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment(config.parent),
        check=False,
    )


def khard(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`khard -c CONFIG ARGS...` (e.g. "list", "--parsable"); its output as text."""
    return subprocess.run(
        [str(program("khard")), "-c", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment(config.parent),
        check=False,
    )
