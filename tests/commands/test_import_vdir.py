"""A vdir address book (one .vcf per contact: khard, vdirsyncer, `crm export --split`)
imports as one file: one report, all or nothing, and nothing new the second time.

The cards are written by khard itself (`khard new` from a YAML template), not by us.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import dump, invoke

pytestmark = pytest.mark.subprocess

PEOPLE = {
    "ada": """First name : Ada
Last name : Lovelace
Nickname : Countess
Organisation : Analytical Engines
Phone :
    cell : +44 20 7946 0018
Email :
    work : ada@example.org
Anniversary : 1835-07-08
""",
    "grace": """First name : Grace
Last name : Hopper
Organisation : Navy Labs
Email :
    work : grace@example.org
Note : Prefers a call
""",
}


def _khard_vdir(tmp_path: Path) -> Path:
    khard = Path(sys.executable).with_name("khard")
    book = tmp_path / "book"
    book.mkdir()
    config = tmp_path / "khard.conf"
    config.write_text(
        f"[addressbooks]\n[[default]]\npath = {book}\n"
        "[general]\ndefault_action = list\neditor = /bin/true\nmerge_editor = /bin/true\n"
    )
    for name, template in PEOPLE.items():
        yaml = tmp_path / f"{name}.yaml"
        yaml.write_text(template)
        done = subprocess.run(
            [str(khard), "-c", str(config), "new", "-a", "default", "-i", str(yaml)],
            capture_output=True,
            text=True,
            env={**os.environ, "HOME": str(tmp_path), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
        )
        assert done.returncode == 0, done.stderr
    assert len(list(book.glob("*.vcf"))) == 2
    return book


def test_a_khard_vdir_imports_as_one_file_and_twice_adds_nothing(db: Path, tmp_path: Path) -> None:
    book = _khard_vdir(tmp_path)
    out = invoke("import", "contacts", str(book))
    assert out.exit_code == 0, out.stderr
    assert out.stdout.count("imported book") == 1 and "2 created" in out.stdout
    people = json.loads(invoke("contact", "list", "--json").stdout)
    assert sorted(p["name"] for p in people) == ["Ada Lovelace", "Grace Hopper"]
    ada = json.loads(invoke("contact", "show", "ada", "--json").stdout)
    assert ada["nickname"] == "Countess"
    assert [p["e164"] for p in ada["phones"]] == ["+442079460018"]
    before = dump(db)
    again = invoke("import", "contacts", str(book))
    assert again.exit_code == 0 and "0 created" in again.stdout, again.stderr
    assert dump(db) == before


def test_crm_split_export_reimports_from_the_folder_as_nothing_new(
    db: Path, tmp_path: Path
) -> None:
    book = _khard_vdir(tmp_path)
    assert invoke("import", "contacts", str(book)).exit_code == 0
    out_dir = tmp_path / "split"
    assert invoke("export", "contacts", "--format", "vcard", "--split", str(out_dir)).exit_code == 0
    before = dump(db)
    again = invoke("import", "contacts", str(out_dir))
    assert again.exit_code == 0 and "0 created" in again.stdout, again.stderr
    assert dump(db) == before


def test_a_folder_without_cards_is_refused(db: Path, tmp_path: Path) -> None:
    empty = tmp_path / "notes"
    empty.mkdir()
    (empty / "readme.txt").write_text("not a card")
    before = dump(db)
    out = invoke("import", "contacts", str(empty))
    assert out.exit_code == 2
    assert out.stderr.strip().splitlines() == [f"crm: {empty} is a folder with no .vcf files in it"]
    assert dump(db) == before
