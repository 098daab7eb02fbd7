"""Every export in the corpus, through the installed `crm`, as a rep moving in would run it.

tests/fixtures/import/real/manifest.json says, per file, how many people and companies it
holds and the key fields of some of them. For each file, in a fresh database: the import
succeeds with nothing but the file name; the counts and fields are exact; importing the
same file again creates nothing; and crm's own CSV, vCard and JSON exports of the result
import back into the same database creating nothing. A file's problems are gathered and
reported together, so one run says everything that is wrong with that format.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.subprocess

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
REAL = FIXTURES / "real"
MANIFEST = json.loads((REAL / "manifest.json").read_text(encoding="utf-8"))
ENTRIES = {entry["file"]: entry for entry in MANIFEST["files"]}


def crm_path() -> str:
    beside = Path(sys.executable).with_name("crm")
    found = str(beside) if beside.exists() else shutil.which("crm")
    if not found:
        pytest.fail("the crm console script is not installed (pip install -e '.[test]')")
    return found


class Crm:
    """The installed crm on one database, in one locale (the default phone region)."""

    def __init__(self, db: Path, lang: str) -> None:
        self.env = {**os.environ, "CRM_DB": str(db), "LANG": lang, "LC_ALL": lang}
        self.env["CRM_CONFIG"] = str(db.with_name("config.toml"))
        self.env["NO_COLOR"] = "1"
        for name in ("CRM_NOW", "CRM_DEBUG", "LC_CTYPE"):
            self.env.pop(name, None)

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [crm_path(), *args], capture_output=True, text=True, env=self.env, timeout=120
        )

    def imported(self, path: Path, problems: list[str], what: str) -> dict[str, Any] | None:
        """`crm import contacts PATH --json`: the summary, or None (and a problem) on failure."""
        out = self("import", "contacts", str(path), "--json")
        if out.returncode != 0:
            tail = " | ".join(out.stderr.strip().splitlines()[-2:])
            problems.append(f"{what}: exit {out.returncode}: {tail[:400]}")
            return None
        if "Traceback" in out.stderr:
            problems.append(f"{what}: a traceback on stderr")
        try:
            return dict(json.loads(out.stdout))
        except ValueError:
            problems.append(f"{what}: --json wrote no JSON: {out.stdout[:200]!r}")
            return None

    def people(self) -> list[dict[str, Any]]:
        out = self("export", "contacts", "--format", "json")
        assert out.returncode == 0, out.stderr
        return list(json.loads(out.stdout))

    def companies(self) -> list[dict[str, Any]]:
        out = self("company", "list", "--json")
        assert out.returncode in (0, 1) and out.stdout.strip(), out.stderr  # 1: none found
        return list(json.loads(out.stdout))


def names_of(person: dict[str, Any]) -> set[str]:
    """The ways a manifest may name a person: the display name, first [middle] last."""
    parts = [person.get(k) or "" for k in ("first_name", "middle_name", "last_name")]
    return {
        str(person.get("name") or ""),
        " ".join(p for p in (parts[0], parts[2]) if p),
        " ".join(p for p in parts if p),
    } - {""}


def check_person(want: dict[str, Any], got: dict[str, Any], problems: list[str], when: str) -> None:
    name = f"{when}: {want['name']}"
    emails = sorted(str(e["email"]).lower() for e in got.get("emails") or [])
    if emails != sorted(e.lower() for e in want["emails"]):
        problems.append(f"{name}: emails {emails}, want {sorted(want['emails'])}")
    phones = got.get("phones") or []
    keys = [ph.get("e164") or ph.get("number") for ph in phones]
    held = {ph.get("e164") for ph in phones} | {ph.get("number") for ph in phones}
    missing = [p for p in want["phones"] if p not in held]
    if missing or len(phones) != len(want["phones"]):
        problems.append(f"{name}: phones {keys}, want {want['phones']}")
    if got.get("company") != want["company"]:
        problems.append(f"{name}: company {got.get('company')!r}, want {want['company']!r}")
    held_too = {
        "relations": {f"{r.get('name')}:{r.get('kind')}" for r in got.get("relations") or []},
        "dates": {f"{d.get('label')}:{d.get('date')}" for d in got.get("dates") or []},
        "handles": {str(h.get("handle")) for h in got.get("handles") or []},
        "urls": {str(u.get("url")) for u in got.get("urls") or []},
        "custom_values": {str(v) for v in (got.get("custom_fields") or {}).values()},
    }
    for key, value in want.items():
        if key in held_too:
            if not set(value) <= held_too[key]:
                problems.append(f"{name}: {key} {sorted(held_too[key])}, want {value} among them")
        elif key not in ("name", "emails", "phones", "company") and got.get(key) != value:
            problems.append(f"{name}: {key} {got.get(key)!r}, want {value!r}")


def check_contents(crm: Crm, entry: dict[str, Any], problems: list[str], when: str) -> None:
    people = crm.people()
    if len(people) != entry["people"]:
        shown = sorted(str(p.get("name")) for p in people)
        problems.append(f"{when}: {len(people)} people, want {entry['people']}: {shown}")
    companies = crm.companies()
    if len(companies) != entry["companies"]:
        shown = sorted(str(c.get("name")) for c in companies)
        problems.append(f"{when}: {len(companies)} companies, want {entry['companies']}: {shown}")
    for want in entry["contacts"]:
        found = [p for p in people if want["name"] in names_of(p)]
        if len(found) != 1:
            problems.append(f"{when}: {len(found)} people named {want['name']!r}, want 1")
            continue
        check_person(want, found[0], problems, when)


def nothing_new(summary: dict[str, Any] | None, what: str, problems: list[str]) -> None:
    if summary is not None and summary.get("created"):
        problems.append(f"{what}: created {summary['created']}, want 0")
    if summary is not None and summary.get("companies_created"):
        problems.append(f"{what}: {summary['companies_created']} companies created, want 0")


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_real_export_imports_exactly_and_twice_without_duplicates(
    name: str, tmp_path: Path
) -> None:
    entry = ENTRIES[name]
    path = FIXTURES / name
    crm = Crm(tmp_path / "crm.db", entry["lang"])
    problems: list[str] = []

    first = crm.imported(path, problems, "import")
    if first is None:
        pytest.fail("\n".join(problems))
    if first.get("format") != entry["format"]:
        problems.append(f"import: format {first.get('format')!r}, want {entry['format']!r}")
    if first.get("rejected"):
        problems.append(f"import: {first['rejected']} rejected")
    check_contents(crm, entry, problems, "import")
    exported = crm.people()

    again = crm.imported(path, problems, "same file again")
    nothing_new(again, "same file again", problems)
    if again is not None and again.get("updated"):
        problems.append(f"same file again: {again['updated']} updated, want 0 (nothing changed)")

    for fmt, suffix in (("json", "json"), ("csv", "csv"), ("vcard", "vcf")):
        out_file = tmp_path / f"export.{suffix}"
        out = crm("export", "contacts", "--format", fmt, "-o", str(out_file))
        if out.returncode != 0:
            problems.append(f"export {fmt}: exit {out.returncode}: {out.stderr.strip()[:200]}")
            continue
        what = f"crm's own {fmt} export, imported back"
        nothing_new(crm.imported(out_file, problems, what), what, problems)
    check_contents(crm, entry, problems, "after the re-imports")
    changed = [
        f"{before['name']}: {key} {before.get(key)!r} became {after.get(key)!r}"
        for before, after in zip(exported, crm.people(), strict=False)
        for key in before
        if key != "updated_at" and before.get(key) != after.get(key)
    ]
    problems += [f"a lossless round trip changes nothing, but {c}" for c in changed]
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


def test_every_manifest_file_exists() -> None:
    assert [name for name in ENTRIES if not (FIXTURES / name).is_file()] == []


def test_corpus_files_match_their_script() -> None:
    spec = importlib.util.spec_from_file_location("make_corpus", REAL / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, make in module.FILES.items():
        assert (REAL / name).read_bytes() == make(), name
        assert f"real/{name}" in ENTRIES, name
