"""`crm undo`: sequences of changes taken back one by one, never redone by accident."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import dump, invoke


def names() -> list[str]:
    out = invoke("contact", "list", "--json")
    return [c["name"] for c in json.loads(out.stdout)] if out.exit_code == 0 else []


def test_undo_goes_back_one_change_at_a_time(db: Path) -> None:
    invoke("contact", "add", "Ann Lee", "-e", "ann@x.org")
    after_add = dump(db)
    invoke("contact", "edit", "ann", "--title", "CFO", "--add-tag", "vip")
    invoke("log", "call", "ann", "hello")
    out = invoke("undo")
    assert out.exit_code == 0 and "log call" in out.stdout
    assert json.loads(invoke("contact", "show", "ann", "--json").stdout)["title"] == "CFO"
    assert invoke("search", "hello").exit_code == 1  # the interaction and its index are gone
    invoke("undo")
    data = json.loads(invoke("contact", "show", "ann", "--json").stdout)
    assert data["title"] is None and data["tags"] == []
    invoke("undo")
    assert names() == []
    assert invoke("find", "ann").exit_code == 1
    out = invoke("undo")
    assert out.exit_code == 1 and "nothing to undo" in out.stderr
    del after_add


def test_undo_a_deletion_brings_everything_back(db: Path) -> None:
    invoke("contact", "add", "Ann Lee", "-e", "ann@x.org", "--tag", "vip")
    invoke("log", "call", "ann", "Discussed pricing")
    invoke("followup", "add", "ann", "tomorrow", "Call back")
    invoke("deal", "add", "Big deal", "--contact", "ann")
    before = dump(db)
    invoke("contact", "rm", "ann", "--yes")
    assert names() == []
    assert invoke("undo").exit_code == 0
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT contact_id FROM deal").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM interaction").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM followup").fetchone() == (1,)
    conn.close()
    assert names() == ["Ann Lee"]
    assert invoke("find", "ann").exit_code == 0 and invoke("search", "pricing").exit_code == 0
    assert "Ann Lee" in before


def test_undo_a_stage_move_and_a_whole_import(db: Path, tmp_path: Path) -> None:
    invoke("contact", "add", "Ann Lee")
    invoke("deal", "add", "Big deal", "--contact", "ann")
    invoke("deal", "move", "big", "proposal")
    invoke("undo")
    deal = json.loads(invoke("deal", "show", "big", "--json").stdout)
    assert deal["stage"] == "Lead" and len(deal["history"]) == 1
    sheet = tmp_path / "s.csv"
    sheet.write_text(
        "Name,Email\n" + "".join(f"P{i},p{i}@x.org\n" for i in range(30)), encoding="utf-8"
    )
    invoke("import", "contacts", str(sheet))
    assert len(names()) == 31
    out = invoke("undo")
    assert out.exit_code == 0 and "import contacts" in out.stdout
    assert names() == ["Ann Lee"]


def test_undo_by_id_only_when_nothing_later_depends_on_it(db: Path) -> None:
    invoke("contact", "add", "Ann Lee")
    invoke("contact", "add", "Bob Ray")
    invoke("contact", "edit", "ann", "--title", "CFO")
    listed = json.loads(invoke("undo", "--list", "--json").stdout)
    assert [c["command"] for c in listed] == ["contact edit 1", "contact add", "contact add"]
    ann_add = listed[2]["id"]
    before = dump(db)
    out = invoke("undo", str(ann_add))  # the later edit touched Ann
    assert out.exit_code == 1 and "later change" in out.stderr
    assert dump(db) == before
    bob_add = listed[1]["id"]
    assert invoke("undo", str(bob_add)).exit_code == 0  # nothing later touched Bob
    assert names() == ["Ann Lee"]
    assert invoke("undo", str(bob_add)).exit_code == 1  # already undone
    assert invoke("undo", "99999").exit_code == 1


def test_an_erasure_leaves_nothing_to_undo(db: Path) -> None:
    invoke("contact", "add", "Ann Lee", "-e", "ann@x.org")
    invoke("contact", "forget", "ann", "--yes")
    out = invoke("undo")
    assert out.exit_code == 1 and "nothing to undo" in out.stderr
    assert names() == []
