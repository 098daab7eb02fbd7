"""A small book for templates and drafts: people with non-ASCII names, a deal, a follow-up.

Written through the core services as the commands write, on the test's own SQLite
file, with the sender settings (`me_name`, `me_email`) a draft needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store

NOW = "2026-03-02T09:00:00Z"  # Monday 2 March 2026, 10:00 in Paris


@dataclass
class Book:
    store: Store
    config: Config
    ids: dict[str, int]


def make_config(tmp_path: Path, **values: str) -> Config:
    base = {"default_region": "FR", "user": "me", "currency": "EUR"}
    return Config({**base, **values}, tmp_path / "config.toml")


@pytest.fixture
def book(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Book]:
    from datetime import date

    from crmcli.core.activity import followups
    from crmcli.core.people import contacts
    from crmcli.core.people.contacts import ContactFields
    from crmcli.core.pipeline import deals
    from crmcli.core.pipeline.deals import DealFields
    from crmcli.core.values.when import When

    monkeypatch.setenv("CRM_NOW", NOW)
    config = make_config(tmp_path, me_name="Zoë Martin", me_email="zoe@exemple.fr")
    store = open_store(str(db), config, write=True)
    ids: dict[str, int] = {}

    def person(label: str, **fields: object) -> None:
        outcome = contacts.add(store, ContactFields(**fields))  # type: ignore[arg-type]
        ids[label] = int(outcome.contact["id"])

    person(
        "helene",
        name="Hélène Dupré",
        company="Société Générale",
        title="Directrice",
        emails=["helene@exemple.fr"],
        phones=["+33 6 12 34 56 78"],
    )
    person("ming", name="王小明", emails=["xiaoming@example.cn"])
    person("bob", name="Bob Smith")  # no address
    person("ali", name="Ali Khan", emails=["ali@example.com"], do_not_contact=True)
    ids["deal"] = int(
        deals.add(
            store,
            DealFields(
                title="Pilote Île-de-France",
                contact_id=ids["helene"],
                amount="12000",
                close=date(2026, 4, 30),
                next_step="envoyer le devis",
            ),
        )["id"]
    )
    ids["followup"] = int(
        followups.add(
            store,
            ids["helene"],
            When(date(2026, 3, 5), None),
            "relancer pour le devis",
            deal_id=ids["deal"],
        )["id"]
    )
    yield Book(store, config, ids)
    store.close()


@pytest.fixture
def sendmail(tmp_path: Path) -> Callable[[int], tuple[str, Path]]:
    """A real sendmail-compatible command: a script that stores its stdin and its
    arguments, then exits with the status asked for (and says why on stderr)."""

    def make(status: int = 0) -> tuple[str, Path]:
        stored = tmp_path / f"received-{status}.eml"
        script = tmp_path / f"fake-sendmail-{status}"
        script.write_text(
            "#!/bin/sh\n"
            f'cat > "{stored}"\n'
            f'printf "%s\\n" "$@" > "{stored}.args"\n'
            + (
                f'echo "sendmail: relay refused the message (status {status})" >&2\n'
                if status
                else ""
            )
            + f"exit {status}\n",
            encoding="utf-8",
        )
        script.chmod(0o755)
        return f"{script} -t -i", stored

    return make
