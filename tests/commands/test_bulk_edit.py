"""Bulk edits from the shell (issue #24, part 3): `contact edit --where/--view --set ...`,
`contact bulk-edit` through a scripted $EDITOR, and the same for deals across pipelines:
the diff shown, asked or refused, a dry run that leaves the file byte for byte, one undo
taking everything back."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

from crmcli.commands import _confirm
from tests.conftest import Result, dump, invoke


@pytest.fixture(autouse=True)
def setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-11-02T09:00:00Z")
    monkeypatch.setenv("LANG", "en_US.UTF-8")


def ok(*args: str) -> Result:
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    return out


def refused(code: int, *args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == code, (out.stdout, out.stderr)
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    return out.stderr.strip()


def data(db: Path) -> list[str]:
    """The database's content, the change log aside (an undo marks its batch undone),
    in a stable order (the search index is rebuilt, so its rows come back reordered).
    FTS5's own storage is left out too: after a write and its undo it holds the same
    index in other segments (the companies' name index, schema v9, is written by the
    company a bulk edit creates and its undo removes)."""
    return sorted(
        line
        for line in dump(db).splitlines()
        if not line.startswith(('INSERT INTO "change_log"', 'INSERT INTO "sqlite_sequence"'))
        and not re.match(r'INSERT INTO "\w+_fts_(data|idx|docsize|config)"', line)
    )


def sha(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def people() -> None:
    ok("contact", "add", "Ann Lee", "--tag", "cold", "--status", "lead", "-e", "ann@x.org")
    ok("contact", "add", "Bob Ray", "--tag", "vip", "--status", "lead")
    ok("contact", "add", "Cy Doe", "--status", "customer")


def shown(ref: str) -> dict[str, object]:
    return dict(json.loads(ok("contact", "show", ref, "--json").stdout))


BULK = ("contact", "edit", "--where", "status:lead OR tag:vip")
ASK = (*BULK, "--set", "status=customer", "--add-tag", "q4", "--rm-tag", "cold")

DIFF = """#1 Ann Lee
  status: lead → customer
  tags: +q4 -cold
#2 Bob Ray
  status: lead → customer
  tags: +q4
2 contacts to change (2 matched)
"""


def test_the_diff_then_yes_writes_and_one_undo_takes_it_all_back(db: Path) -> None:
    people()
    before = data(db)
    out = ok(*ASK, "--yes")
    assert out.stdout == DIFF + "updated 2 contacts (one change: `crm undo` takes it all back)\n"
    assert shown("ann")["tags"] == ["q4"] and shown("bob")["tags"] == ["q4", "vip"]
    assert shown("cy")["tags"] == []  # did not match
    listed = json.loads(ok("undo", "--list", "--json").stdout)
    assert listed[0]["command"] == "contact edit --where (2 contacts)"
    assert "contact edit --where" in ok("undo").stdout
    assert data(db) == before


def test_no_terminal_and_no_yes_changes_nothing(db: Path) -> None:
    people()
    before = sha(db)
    out = invoke(*ASK)
    assert out.exit_code == 1 and out.stdout == DIFF
    assert out.stderr == "crm: not changing 2 contacts without --yes (no terminal to ask on)\n"
    assert sha(db) == before


def test_on_a_terminal_the_answer_decides(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    people()
    monkeypatch.setattr(_confirm, "_terminal_or_refuse", lambda _: None)
    before = sha(db)
    out = invoke(*ASK, input="n\n")
    assert out.exit_code == 1 and "Change 2 contacts?" in out.stdout
    assert out.stderr == "crm: nothing changed\n" and sha(db) == before
    out = invoke(*ASK, input="y\n")
    assert out.exit_code == 0 and shown("ann")["status"] == "customer"


def test_a_dry_run_shows_the_diff_and_leaves_the_file_byte_for_byte(db: Path) -> None:
    people()
    before = sha(db)
    out = invoke(*ASK, "--dry-run")
    assert out.exit_code == 0 and out.stdout == DIFF
    assert out.stderr == "dry run: nothing changed\n"
    assert sha(db) == before


def test_set_fields_are_checked_as_single_edit_checks_them(db: Path) -> None:
    people()
    before = sha(db)
    assert refused(2, *BULK, "--set", "colour=red") == (
        "crm: --set colour: not a field bulk edits set "
        "(fields: status, title, company, source, every, dnc)"
    )
    assert "unknown status 'vip'" in refused(2, *BULK, "--set", "status=vip")
    assert "cannot read 'often' as a cadence" in refused(2, *BULK, "--set", "every=often")
    assert "nothing to change" in refused(2, *BULK)
    assert refused(2, *BULK, "--title", "CFO").endswith("(use --set title=VALUE)")
    assert refused(2, "contact", "edit", "ann", "--where", "tag:vip") == (
        "crm: give a contact REF or --where/--view, not both"
    )
    assert "give a contact REF, or --where" in refused(2, "contact", "edit", "--title", "x")
    assert "--set goes with --where/--view" in refused(2, "contact", "edit", "ann", "--set", "a=b")
    out = invoke("contact", "edit", "--where", "tag:", "--set", "title=x")
    assert out.exit_code == 2 and "--where at column 5" in out.stderr
    assert sha(db) == before
    out = invoke("contact", "edit", "--where", "tag:nobody", "--set", "title=x")
    assert out.exit_code == 1 and out.stderr == "no contacts match\n"


def test_company_every_and_dnc_in_bulk(db: Path) -> None:
    people()
    ok(*BULK, "--set", "company=Acme", "--set", "every=2w", "--set", "dnc=yes", "--yes")
    ann = shown("ann")
    assert (ann["company"], ann["cadence_days"], ann["do_not_contact"]) == ("Acme", 14, True)
    out = ok(*BULK, "--set", "company=ACME", "--set", "title=CFO", "--yes")
    assert "company" not in out.stdout  # the same company, by its folded name
    out = ok(*BULK, "--set", "title=CFO", "--dry-run")
    assert out.stdout == "" and "nothing to change: 2 contacts matched; 2 already as asked" in (
        out.stderr
    )


# -- bulk-edit through a scripted $EDITOR ----------------------------------------------------


def editor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *subs: tuple[str, str], code: int = 0
) -> Path:
    """$EDITOR: a script replacing text in the file, like sed (each pair once), exiting
    with `code`; what it was given is kept beside it."""
    script = tmp_path / "edit.py"
    script.write_text(
        "import json, shutil, sys\n"
        "path = sys.argv[1]\n"
        f"shutil.copyfile(path, {str(tmp_path / 'seen.tsv')!r})\n"
        "text = open(path, encoding='utf-8').read()\n"
        f"for old, new in json.loads({json.dumps(json.dumps(list(subs)))}):\n"
        "    assert old in text, old\n"
        "    text = text.replace(old, new, 1)\n"
        "open(path, 'w', encoding='utf-8').write(text)\n"
        f"sys.exit({code})\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    return tmp_path / "seen.tsv"


def test_bulk_edit_shows_the_diff_of_the_edited_file_and_undo_restores(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people()
    ok("contact", "edit", "ann", "--title", "Head\tof sales")
    before = data(db)
    seen = editor(
        tmp_path,
        monkeypatch,
        ("1\tAnn Lee\tlead\tHead\\tof sales", "1\tAnn Lee\tcustomer\tHead of\\nsales"),
        ("\tcold\n", "\tcold, q4\n"),
        ("2\tBob Ray\tlead\t\t\t\t\tno\tvip\n", ""),  # Bob's row deleted: left as he is
        ("3\tCy Doe\tcustomer\t\t", "3\tCy Doe\tcustomer\t\tInitech"),
    )
    out = invoke("contact", "bulk-edit", "--yes")
    assert out.exit_code == 0, out.stderr
    assert out.stdout == (
        "#1 Ann Lee\n  status: lead → customer\n  title: Head\tof sales → Head of\nsales\n"
        "  tags: +q4\n#3 Cy Doe\n  company: (none) → Initech\n"
        "2 contacts to change (3 matched; 1 already as asked)\n"
        "updated 2 contacts (one change: `crm undo` takes it all back)\n"
    )
    assert "1 row deleted from the file: left as they are" in out.stderr
    assert "created company Initech" in out.stderr
    assert "id\tname\tstatus\ttitle\tcompany\tsource\tevery\tdnc\ttags\n" in seen.read_text()
    assert shown("ann")["title"] == "Head of\nsales" and shown("ann")["tags"] == ["cold", "q4"]
    assert shown("bob")["status"] == "lead"
    ok("undo")
    assert data(db) == before


def test_bulk_edit_refuses_a_bad_cell_or_id_and_changes_nothing(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people()
    before = sha(db)
    editor(tmp_path, monkeypatch, ("2\tBob Ray\tlead", "2\tBob Ray\tboss"))
    out = invoke("contact", "bulk-edit", "--yes")
    assert out.exit_code == 2
    assert out.stderr == (
        "crm: line 7 (id 2), column status: unknown status 'boss' "
        "(one of lead, prospect, customer, inactive); nothing changed\n"
    )
    editor(tmp_path, monkeypatch, ("2\tBob Ray", "7\tBob Ray"))
    out = invoke("contact", "bulk-edit", "--yes")
    assert out.exit_code == 2 and "id '7' is not one of the rows written" in out.stderr
    assert sha(db) == before


def test_bulk_edit_editor_failure_or_no_change_does_nothing(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people()
    before = sha(db)
    editor(tmp_path, monkeypatch, ("lead", "customer"), code=3)
    assert refused(1, "contact", "bulk-edit", "--yes") == (
        "crm: the editor exited with status 3; nothing changed"
    )
    editor(tmp_path, monkeypatch)
    out = invoke("contact", "bulk-edit", "--where", "tag:vip", "--yes")
    assert out.exit_code == 0 and out.stderr == "the file was not changed; nothing to do\n"
    assert sha(db) == before


def test_bulk_edit_dry_run(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    people()
    before = sha(db)
    editor(tmp_path, monkeypatch, ("Bob Ray\tlead", "Bob Ray\tcustomer"))
    out = invoke("contact", "bulk-edit", "--where", "tag:vip", "--dry-run")
    assert out.exit_code == 0
    assert out.stdout == "#2 Bob Ray\n  status: lead → customer\n1 contact to change (1 matched)\n"
    assert sha(db) == before


# -- deals ------------------------------------------------------------------------------------


def deals() -> None:
    people()
    ok("pipeline", "add", "Renewals")
    ok("stage", "add", "Pilot", "--pipeline", "Sales")
    ok("deal", "add", "Big", "-c", "ann")
    ok("deal", "add", "Small", "-c", "bob")
    ok("deal", "add", "Renew", "-c", "cy", "--pipeline", "Renewals")


def test_deal_edit_where_moves_each_deal_within_its_own_pipeline(db: Path) -> None:
    deals()
    before = data(db)
    sets = ("--set", "stage=proposal", "--set", "owner=bob", "--set", "close=2026-12-31")
    out = ok("deal", "edit", "--where", "status:open", *sets, "--set", "next=Call", "--yes")
    assert out.stdout.startswith(
        "#1 Big\n  stage: Lead → Proposal\n  owner: me → bob\n"
        "  close: (none) → 2026-12-31\n  next: (none) → Call\n"
    ) or out.stdout.startswith("#1 Big\n  stage: Lead → Proposal\n")
    assert "3 deals to change (3 matched)" in out.stdout
    listed = json.loads(ok("deal", "list", "--json", "--owner", "all").stdout)
    assert {(d["title"], d["stage"], d["next_step"]) for d in listed} == {
        ("Big", "Proposal", "Call"),
        ("Small", "Proposal", "Call"),
        ("Renew", "Proposal", "Call"),
    }
    ok("undo")
    assert data(db) == before


def test_deal_stage_missing_in_one_pipeline_refuses_the_batch(db: Path) -> None:
    deals()
    before = sha(db)
    assert refused(
        2, "deal", "edit", "--where", "status:open", "--set", "stage=pilot", "--yes"
    ) == ("crm: no stage 'pilot' in Renewals (deals #3 Renew); nothing changed")
    assert "fields: stage, owner, close, next" in refused(
        2, "deal", "edit", "--where", "status:open", "--set", "amount=5"
    )
    assert "(use --set close=VALUE)" in refused(
        2, "deal", "edit", "--where", "status:open", "--close", "eom"
    )
    assert sha(db) == before


def test_deal_bulk_edit_through_the_editor(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deals()
    before = data(db)
    editor(
        tmp_path, monkeypatch, ("\tSmall\tLead\t", "\tSmall\tDemo\t"), ("Renew\tLead", "Renew\tWon")
    )
    out = invoke("deal", "bulk-edit", "--yes")
    assert out.exit_code == 0, out.stderr
    assert out.stdout.splitlines()[:4] == [
        "#2 Small",
        "  stage: Lead → Demo",
        "#3 Renew",
        "  stage: Lead → Won",
    ]
    assert "#3 Cy Doe" not in out.stderr  # a customer already: not promoted
    ok("undo")
    assert data(db) == before


def test_view_selects_as_where_does(db: Path) -> None:
    from crmcli.core.config import Config
    from crmcli.core.db.opening import open_store
    from crmcli.core.query import views

    deals()
    store = open_store(str(db), Config({}, db.parent / "c.toml"), write=True)
    views.save(store, "leads", "status:lead")
    views.save(store, "renewals", "pipeline:renewals", "deals")
    store.close()
    out = ok("contact", "edit", "--view", "leads", "--set", "title=CFO", "--yes")
    assert "2 contacts to change (2 matched)" in out.stdout
    out = ok(
        "contact", "edit", "--view", "leads", "--where", "tag:vip", "--set", "title=X", "--yes"
    )
    assert out.stdout.startswith("#2 Bob Ray\n")
    out = ok("deal", "edit", "--view", "renewals", "--set", "next=Renew", "--dry-run")
    assert out.stdout == "#3 Renew\n  next: (none) → Renew\n1 deal to change (1 matched)\n"
    assert invoke("contact", "edit", "--view", "nope", "--set", "title=x").exit_code == 1


def test_on_a_terminal_a_bad_file_is_reopened_until_it_reads(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crmcli.commands import _bulk_flow

    people()
    monkeypatch.setattr(_bulk_flow, "on_terminal", lambda: True)
    script = tmp_path / "edit.py"  # 1st save: a bad status; 2nd: the bad cell fixed
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path, encoding='utf-8').read()\n"
        "if 'boss' in text:\n"
        "    text = text.replace('Bob Ray\\tboss', 'Bob Ray\\tprospect')\n"
        "else:\n"
        "    for was in ('lead', 'prospect'):\n"
        "        text = text.replace('Bob Ray\\t' + was, 'Bob Ray\\tboss')\n"
        "open(path, 'w', encoding='utf-8').write(text)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    out = invoke("contact", "bulk-edit", "--yes", input="y\n")
    assert out.exit_code == 0, out.stderr
    assert "crm: line 7 (id 2), column status: unknown status 'boss'" in out.stderr
    assert "Edit the file again?" in out.stdout
    assert "#2 Bob Ray\n  status: lead → prospect\n" in out.stdout
    assert shown("bob")["status"] == "prospect"
    before = sha(db)
    out = invoke("contact", "bulk-edit", "--yes", input="n\n")  # asked again: no
    assert out.exit_code == 2 and out.stderr.endswith("crm: nothing changed\n")
    assert sha(db) == before


def test_no_editor_set_and_no_terminal_is_one_line_not_vi_drawing_into_a_pipe(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people()
    before = data(db)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    assert refused(1, "contact", "bulk-edit", "--yes") == (
        "crm: no editor: set $EDITOR (e.g. export EDITOR=nano)"
    )
    assert refused(1, "rule", "edit") == "crm: no editor: set $EDITOR (e.g. export EDITOR=nano)"
    assert data(db) == before


def test_an_editor_saving_latin_1_is_one_line_naming_the_line(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people()
    before = data(db)
    script = tmp_path / "latin1.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path, encoding='utf-8').read().replace('Ann Lee', 'Ann Lée')\n"
        "open(path, 'w', encoding='latin-1').write(text)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    said = refused(2, "contact", "bulk-edit", "--yes")
    assert said == (
        "crm: line 6 is not UTF-8 text (byte 0xe9): save the file as UTF-8; nothing changed"
    )
    assert data(db) == before
