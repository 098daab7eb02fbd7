"""The report of every import, and the progress shown while it runs (issue #18, items 6 and 7).

Per file: the format and encoding read, people created, updated, unchanged and merged,
possible duplicates named (the first ten, then "… and N more"; `--json` lists all),
rejected rows with their line and reason, fields kept as custom fields, warnings.
`--dry-run` says the same and writes nothing. On a terminal a long import shows a bar
with rows done, rate and time left; on a pipe, nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import dump, invoke
from tests.terminal import drain

CRM = str(Path(sys.executable).with_name("crm"))

# The header Outlook 2016-2021 (English) writes in File > Open & Export > Import/Export >
# Export to a file > Comma Separated Values: every field quoted, CRLF, Windows-1252.
OUTLOOK_HEADER = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,"
    "Business Street,Business Street 2,Business Street 3,Business City,Business State,"
    "Business Postal Code,Business Country/Region,Home Street,Home Street 2,Home Street 3,"
    "Home City,Home State,Home Postal Code,Home Country/Region,Other Street,Other Street 2,"
    "Other Street 3,Other City,Other State,Other Postal Code,Other Country/Region,"
    "Assistant's Phone,Business Fax,Business Phone,Business Phone 2,Callback,Car Phone,"
    "Company Main Phone,Home Fax,Home Phone,Home Phone 2,ISDN,Mobile Phone,Other Fax,"
    "Other Phone,Pager,Primary Phone,Radio Phone,TTY/TDD Phone,Telex,Account,Anniversary,"
    "Assistant's Name,Billing Information,Birthday,Business Address PO Box,Categories,"
    "Children,Directory Server,E-mail Address,E-mail Type,E-mail Display Name,"
    "E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name,E-mail 3 Address,E-mail 3 Type,"
    "E-mail 3 Display Name,Gender,Government ID Number,Hobby,Home Address PO Box,Initials,"
    "Internet Free Busy,Keywords,Language,Location,Manager's Name,Mileage,Notes,"
    "Office Location,Organizational ID Number,Other Address PO Box,Priority,Private,"
    "Profession,Referred By,Sensitivity,Spouse,User 1,User 2,User 3,User 4,Web Page"
).split(",")

# What Outlook writes in a field left empty: "0/0/00" dates, "Unspecified", "Normal"...
OUTLOOK_BLANK = {
    "Anniversary": "0/0/00",
    "Birthday": "0/0/00",
    "Gender": "Unspecified",
    "Priority": "Normal",
    "Private": "False",
    "Sensitivity": "Normal",
}


def outlook_row(**values: str) -> str:
    cells = {**OUTLOOK_BLANK, **{k.replace("_", " "): v for k, v in values.items()}}
    unknown = set(cells) - set(OUTLOOK_HEADER)
    assert not unknown, unknown
    return ",".join('"' + cells.get(h, "").replace('"', '""') + '"' for h in OUTLOOK_HEADER)


def outlook_file(path: Path, rows: list[str]) -> Path:
    head = ",".join(f'"{h}"' for h in OUTLOOK_HEADER)
    path.write_bytes(("\r\n".join([head, *rows]) + "\r\n").encode("cp1252"))
    return path


def an_outlook_export(tmp_path: Path) -> Path:
    """Four people as a rep's Outlook holds them: one row with nothing but a note (Outlook
    keeps such "contacts"), and two people of the same name at the same company."""
    return outlook_file(
        tmp_path / "contacts.csv",
        [
            outlook_row(
                Title="Ms.",
                First_Name="Renée",
                Last_Name="Lefèvre",
                Company="Contoso Pharmaceuticals",
                Job_Title="Buyer",
                Business_Phone="+1 (425) 555-0100",
                **{"E-mail Address": "renee.lefevre@example.com", "E-mail Type": "SMTP"},
                Billing_Information="PO 4471",
            ),
            outlook_row(
                First_Name="Daniel",
                Last_Name="O'Connor",
                Company="Contoso Pharmaceuticals",
                **{"E-mail Address": "daniel.oconnor@example.com", "E-mail Type": "SMTP"},
            ),
            outlook_row(Notes="Call back about the trade fair stand.", Categories="Events"),
            outlook_row(
                First_Name="Daniel",
                Last_Name="O'Connor",
                Company="Contoso Pharmaceuticals",
                Mobile_Phone="+1 (425) 555-0199",
                **{"E-mail Address": "d.oconnor@example.org", "E-mail Type": "SMTP"},
            ),
        ],
    )


def test_the_report_of_an_outlook_export(db: Path, tmp_path: Path) -> None:
    source = an_outlook_export(tmp_path)
    out = invoke("import", "contacts", str(source))
    assert out.exit_code == 0, out.stderr
    err = out.stderr
    # what the file is: format, the tool that wrote it, the encoding read
    assert err.splitlines()[0].startswith("contacts.csv: CSV from outlook, encoding cp1252")
    # the rejected row: its line, its reason, and where it went
    assert "warning: rejected line 4: no name, email, phone or profile URL" in err
    # the possible duplicate, by name, with both ids
    assert (
        "warning: line 5: Daniel O'Connor (#4) has the same name and company as "
        "#2 Daniel O'Connor (possible duplicate, not merged)"
    ) in err
    assert "Billing Information" in err.split("kept as custom fields:")[1]
    rejects = tmp_path / "contacts.rejects.csv"
    assert out.stdout == (
        "imported contacts.csv (outlook): 3 created, 0 updated, 0 skipped, 1 rejected, "
        f"1 possible duplicate; 1 company created (rejected rows in {rejects})\n"
    )
    renee = json.loads(invoke("contact", "show", "Renée Lefèvre", "--json").stdout)
    assert renee["custom_fields"]["Billing Information"] == "PO 4471"

    report = json.loads(invoke("import", "contacts", str(source), "--json").stdout)
    assert (report["format"], report["source"], report["encoding"]) == ("csv", "outlook", "cp1252")
    assert (report["created"], report["unchanged"], report["rejected"]) == (0, 3, 1)
    assert report["rejected_rows"] == [
        {"line": 4, "reason": "no name, email, phone or profile URL"}
    ]
    assert report["rejects_file"] == str(tmp_path / "contacts.rejects.csv")


def test_people_met_twice_in_one_file_are_reported_as_merged(db: Path, tmp_path: Path) -> None:
    source = outlook_file(
        tmp_path / "contacts.csv",
        [
            outlook_row(First_Name="Ann", Last_Name="Lee", **{"E-mail Address": "ann@example.com"}),
            outlook_row(
                First_Name="Ann",
                Last_Name="Lee",
                Mobile_Phone="+1 425 555 0142",
                **{"E-mail Address": "ANN@example.com"},
            ),
            outlook_row(First_Name="Bob", Last_Name="Ray", **{"E-mail Address": "bob@example.org"}),
        ],
    )
    report = json.loads(invoke("import", "contacts", str(source), "--dry-run", "--json").stdout)
    assert (report["created"], report["updated"], report["merged"]) == (2, 1, 1)
    out = invoke("import", "contacts", str(source))
    assert out.exit_code == 0, out.stderr
    assert "2 created, 1 updated" in out.stdout
    assert "1 merged into people met earlier in the file" in out.stdout
    again = invoke("import", "contacts", str(source))  # now all of them were there before
    assert "merged" not in again.stdout and "3 already up to date" in again.stdout


def test_a_dry_run_reports_the_same_and_writes_nothing(db: Path, tmp_path: Path) -> None:
    added = invoke("contact", "add", "Renée Lefèvre", "--email", "renee.lefevre@example.com")
    assert added.exit_code == 0
    source = an_outlook_export(tmp_path)
    before_bytes = db.read_bytes()
    before = dump(db)
    dry = invoke("import", "contacts", str(source), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert db.read_bytes() == before_bytes and dump(db) == before
    assert not (tmp_path / "contacts.rejects.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("crm.db")) == ["crm.db"]
    assert dry.stdout.startswith(
        "would import contacts.csv (outlook): 2 created, 1 updated, 0 skipped, 1 rejected, "
        "1 possible duplicate; 1 company created\n"
    )
    real = invoke("import", "contacts", str(source))
    assert real.exit_code == 0, real.stderr
    # the same report, word for word, but for the verb and the rejects file
    assert dry.stderr == real.stderr
    assert real.stdout.replace("imported", "would import", 1).startswith(dry.stdout.rstrip("\n"))


def test_json_lists_every_possible_duplicate(db: Path, tmp_path: Path) -> None:
    """Sixty people sharing a name with someone at the same company: the human report
    names ten and counts the rest; --json lists all sixty, with names."""
    rows = []
    for i in range(60):
        for email in (f"rep{i}@example.com", f"rep{i}@example.org"):
            rows.append(
                outlook_row(
                    First_Name="Alex",
                    Last_Name=f"Tester{i:02d}",
                    Company="Fabrikam",
                    **{"E-mail Address": email},
                )
            )
    source = outlook_file(tmp_path / "twins.csv", rows)
    out = invoke("import", "contacts", str(source), "--dry-run")
    assert out.exit_code == 0, out.stderr
    named = [line for line in out.stderr.splitlines() if "possible duplicate, not merged" in line]
    assert len(named) == 10
    assert "warning: … and 50 more possible duplicates (--json lists them all)" in out.stderr
    report = json.loads(invoke("import", "contacts", str(source), "--dry-run", "--json").stdout)
    found = report["possible_duplicates"]
    assert len(found) == 60
    assert {d["name"] for d in found} == {f"Alex Tester{i:02d}" for i in range(60)}
    assert all(d["name"] == d["other_name"] for d in found)
    assert [d["line"] for d in found] == list(range(3, 122, 2))
    assert not db.exists()


def test_more_than_a_few_rejects_are_counted_with_the_file_holding_them(
    db: Path, tmp_path: Path
) -> None:
    rows = [outlook_row(First_Name="Ann", Last_Name="Lee")]
    rows += [outlook_row(Notes=f"note {i}") for i in range(8)]
    source = outlook_file(tmp_path / "notes.csv", rows)
    out = invoke("import", "contacts", str(source))
    assert out.exit_code == 0, out.stderr
    listed = [line for line in out.stderr.splitlines() if line.startswith("warning: rejected")]
    assert listed == [
        f"warning: rejected line {n}: no name, email, phone or profile URL" for n in range(3, 8)
    ]
    assert f"… and 3 more rejected rows, all in {tmp_path / 'notes.rejects.csv'}" in out.stderr
    assert "1 created, 0 updated, 0 skipped, 8 rejected" in out.stdout


# -- progress ---------------------------------------------------------------------------


def a_big_export(tmp_path: Path, rows: int = 20_000) -> Path:
    lines = [
        outlook_row(
            First_Name=f"Person{i}",
            Last_Name="Example",
            Company=f"Company {i % 500}",
            Mobile_Phone=f"+1 425 555 {i % 10_000:04d}",
            **{"E-mail Address": f"person{i}@example.com"},
        )
        for i in range(rows)
    ]
    return outlook_file(tmp_path / "big.csv", lines)


def env_for(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(CRM_DB=str(db), COLUMNS="120", TERM="xterm-256color")
    return env


@pytest.mark.subprocess
@pytest.mark.slow
def test_a_long_import_on_a_terminal_shows_rows_rate_and_time_left(
    db: Path, tmp_path: Path
) -> None:
    import pty

    source = a_big_export(tmp_path)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [CRM, "import", "contacts", str(source)],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env_for(db),
    )
    os.close(slave)
    err = drain(master).decode()
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.wait(timeout=120) == 0, err
    assert "imported big.csv (outlook): 20000 created" in stdout
    assert "importing big.csv" in err
    assert " rows/s" in err and " left" in err and "%" in err, err
    # rows done, their rate, and a time left in h:mm:ss, colours aside
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err)
    assert re.search(r"\d+% [1-9][\d,]* rows · [1-9][\d,]* rows/s · \d+:\d\d:\d\d left", plain)
    assert "\x1b[" in err  # drawn, and then taken away for the report


@pytest.mark.subprocess
@pytest.mark.slow
def test_the_same_import_piped_shows_no_progress(db: Path, tmp_path: Path) -> None:
    source = a_big_export(tmp_path)
    out = subprocess.run(
        [CRM, "import", "contacts", str(source)],
        capture_output=True,
        text=True,
        env=env_for(db),
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "rows/s" not in out.stderr and "\x1b" not in out.stderr and "\r" not in out.stderr
    assert out.stderr.splitlines()[0].startswith("big.csv: CSV from outlook, encoding utf-8")
    assert "imported big.csv (outlook): 20000 created" in out.stdout


@pytest.mark.subprocess
@pytest.mark.slow
def test_ctrl_c_during_an_import_exits_130_and_leaves_the_data_as_it_was(
    db: Path, tmp_path: Path
) -> None:
    import signal
    import time

    assert invoke("contact", "add", "Already Here").exit_code == 0
    before = dump(db)
    source = a_big_export(tmp_path, 60_000)
    proc = subprocess.Popen(
        [CRM, "import", "contacts", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(db),
        text=True,
    )
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # the import won the race: then it is whole
        pytest.skip("the import finished before the interrupt")
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == (
        "crm: interrupted: nothing was imported, the database is as it was"
    )
    assert "Traceback" not in err
    assert dump(db) == before
    assert not (tmp_path / "big.rejects.csv").exists()


# -- several files in one command -------------------------------------------------------

# What Apple Contacts (macOS) writes for File > Export > Export vCard: vCard 3.0, CRLF.
APPLE_VCARD = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "PRODID:-//Apple Inc.//macOS 14.5//EN\r\n"
    "N:Lefèvre;Renée;;;\r\n"
    "FN:Renée Lefèvre\r\n"
    "ORG:Contoso Pharmaceuticals;\r\n"
    "EMAIL;type=INTERNET;type=WORK;type=pref:renee.lefevre@example.com\r\n"
    "TEL;type=CELL;type=VOICE;type=pref:+1 (425) 555-0142\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "PRODID:-//Apple Inc.//macOS 14.5//EN\r\n"
    "N:Okafor;Chidi;;;\r\n"
    "FN:Chidi Okafor\r\n"
    "EMAIL;type=INTERNET;type=HOME;type=pref:chidi.okafor@example.org\r\n"
    "END:VCARD\r\n"
)


def test_several_files_get_a_report_each_and_a_total(db: Path, tmp_path: Path) -> None:
    outlook = an_outlook_export(tmp_path)
    apple = tmp_path / "Contacts.vcf"
    apple.write_bytes(APPLE_VCARD.encode("utf-8"))
    out = invoke("import", "contacts", str(outlook), str(apple))
    assert out.exit_code == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("imported contacts.csv (outlook): 3 created, 0 updated")
    # Renée is the same person in both files: the vCard completes her
    assert lines[1].startswith("imported Contacts.vcf (vcard): 1 created, 1 updated")
    assert lines[2] == (
        "imported 2 files in all: 4 created, 1 updated, 0 skipped, 1 rejected, "
        "1 possible duplicate; 1 company created"
    )
    assert "contacts.csv: CSV from outlook" in out.stderr
    assert "Contacts.vcf: vCard, encoding utf-8" in out.stderr
    assert len(json.loads(invoke("contact", "list", "--json").stdout)) == 4


def test_several_files_in_json(db: Path, tmp_path: Path) -> None:
    outlook = an_outlook_export(tmp_path)
    apple = tmp_path / "Contacts.vcf"
    apple.write_bytes(APPLE_VCARD.encode("utf-8"))
    out = invoke("import", "contacts", str(outlook), str(apple), "--dry-run", "--json")
    assert out.exit_code == 0, out.stderr
    report = json.loads(out.stdout)
    assert [f["file"] for f in report["files"]] == ["contacts.csv", "Contacts.vcf"]
    assert report["total"]["files"] == 2 and report["total"]["rejected"] == 1
    assert report["total"]["created"] == sum(f["created"] for f in report["files"])
    assert not db.exists()


def test_a_missing_second_file_is_refused_before_anything_is_written(
    db: Path, tmp_path: Path
) -> None:
    assert invoke("contact", "add", "Already Here").exit_code == 0
    before = dump(db)
    outlook = an_outlook_export(tmp_path)
    out = invoke("import", "contacts", str(outlook), str(tmp_path / "missing.vcf"))
    assert out.exit_code == 2
    assert out.stderr == f"crm: no such file: {tmp_path / 'missing.vcf'}\n"
    assert out.stdout == "" and dump(db) == before
    assert not (tmp_path / "contacts.rejects.csv").exists()
