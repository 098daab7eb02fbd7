"""Templates and sent mail on both engines: a team on PostgreSQL shares its templates, and
a sent mail is logged once there too (the Message-ID found again by `crm log email -`)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Result, invoke


def ok(*args: str, input: str | None = None) -> Result:
    result = invoke(*args, input=input)
    assert result.exit_code == 0, result.stderr
    return result


def test_templates_and_send_on_each_engine(backend: str, tmp_path: Path) -> None:
    stored = tmp_path / "received.eml"
    script = tmp_path / "sendmail"
    script.write_text(f'#!/bin/sh\ncat > "{stored}"\n', encoding="utf-8")
    script.chmod(0o755)
    ok("config", "set", "sendmail_command", f"{script} -t -i")
    ok("config", "set", "me_email", "zoe@exemple.fr")
    ok("contact", "add", "Hélène Dupré", "--email", "helene@exemple.fr")
    ok("template", "add", "merci", "-s", "Merci {first_name}", "-b", "Bonjour {first_name}")
    refused = invoke("template", "add", "Merci", "-s", "x", "-b", "y")
    assert refused.exit_code == 1 and "already a template" in refused.stderr
    ok("template", "edit", "merci", "--rename", "merci-1", "-d", "after a call")
    assert [t["name"] for t in json.loads(ok("template", "list", "--json").stdout)] == ["merci-1"]
    ok("mail", "draft", "hél", "merci-1", "--send")
    again = ok("log", "email", "-", input=stored.read_text(encoding="utf-8"))
    assert again.stdout.startswith("already logged as email #")
    history = json.loads(ok("contact", "show", "1", "--json").stdout)
    sent = [row for row in history["timeline"] if row.get("text") == "Merci Hélène"]
    assert len(sent) == 1, history["timeline"]  # logged once (its thread names it too)
    ok("template", "rm", "merci-1")
    ok("undo")
    assert ok("template", "show", "merci-1").stdout.startswith("# template merci-1")
