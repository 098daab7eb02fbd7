"""New deal (n) and edit deal (e): the same fields and checks as `crm deal add` / `edit`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Select

from crmcli.core.errors import Invalid
from crmcli.core.pipeline import deals, stages
from crmcli.core.pipeline.deals import DealFields
from crmcli.core.values.money import check_currency, parse_amount
from crmcli.core.values.text import collapse
from crmcli.tui.format import money
from crmcli.tui.modals.form import FORM, FieldError, FormModal
from crmcli.tui.widgets import completing
from crmcli.tui.widgets.when_input import WhenInput

if TYPE_CHECKING:
    from crmcli.core.errors import CrmError
    from crmcli.core.pipeline.rows import Deal, DealDetail

# A core refusal names its field by a word in it: shown under that field.
FIELD_WORDS = (
    ("title", "title"),
    ("contact", "contact"),
    ("company", "company"),
    ("currency", "currency"),
    ("amount", "amount"),
    ("probability", "probability"),
)


def _probability(text: str) -> int:
    value = text.strip().rstrip("%").strip()
    if not value.lstrip("-").isdigit():
        raise Invalid(f"probability is a whole number from 0 to 100, not {text!r}")
    return stages.check_probability(int(value))


class DealForm(FormModal):
    """Add a deal, or change one (`deal` given): only the fields changed are saved."""

    def __init__(self, deal: Deal | None = None) -> None:
        heading = f"Edit deal #{deal['id']}: {deal['title']}" if deal else "New deal"
        super().__init__(heading, "Save" if deal else "Add deal")
        self.deal = deal

    def _initial(self) -> dict[str, str]:
        deal = self.deal
        if deal is None:
            return {}
        amount = money(deal).rsplit(" ", 1)[0] if deal["amount_minor"] is not None else ""
        return {
            "title": deal["title"] or "",
            "contact": deal["contact"] or "",
            "company": deal["company"] or "",
            "amount": amount.replace("\u202f", " "),
            "currency": deal["currency"] or "",
            "close": deal["expected_close"] or "",
            "next": deal["next_step"] or "",
            "probability": "" if deal["probability"] is None else str(deal["probability"]),
        }

    def fields(self) -> ComposeResult:
        start = self._initial()

        def box(name: str, placeholder: str = "") -> Input:
            return Input(start.get(name, ""), placeholder=placeholder, id=name, compact=True)

        yield self.row("Title", box("title", "what is being sold"))
        deal = self.deal
        yield self.row(
            "Contact",
            completing.CompletingInput(
                completing.contacts(self.session),
                value=start.get("contact", ""),
                chosen=deal["contact_id"] if deal else None,
                placeholder="type a name, email or company, then pick",
                id="contact",
            ),
        )
        yield self.row(
            "Company",
            completing.CompletingInput(
                completing.companies(self.session),
                value=start.get("company", ""),
                chosen=deal["company_id"] if deal else None,
                placeholder="optional: the contact's company by default",
                id="company",
            ),
        )
        yield self.row("Amount", box("amount", "12000, 12k, 12 000,50"))
        yield self.row("Currency", box("currency", "EUR, USD… (default from config)"))
        if self.deal is None:
            with self.session.lock:
                options = [
                    (s["name"], s["id"])
                    for s in stages.list_stages(self.session.store)
                    if s["kind"] == "open"
                ]
            yield self.row(
                "Stage",
                Select(
                    options,
                    value=options[0][1] if options else Select.NULL,
                    allow_blank=False,
                    id="stage",
                    compact=True,
                ),
            )
        yield self.row(
            "Close by",
            WhenInput(
                "future",
                value=start.get("close", ""),
                placeholder="eom, jan 15, 2026-12-31",
                id="close",
            ),
            hint=" ",
        )
        yield self.row("Next step", box("next", "what happens next"))
        yield self.row("Probability", box("probability", "override the stage's win %"))

    def parse(self) -> dict[str, Any]:
        """Each field read with the core's own checks; every refusal under its field."""
        amount = self.text("amount").strip()
        currency = self.text("currency").strip()
        close = self.text("close").strip()
        probability = self.text("probability").strip()
        title = collapse(self.text("title"))
        if not title:
            self.refuse("title", "say what is being sold")
        contact_id = self.pick_contact("contact")
        company_id = self.pick_company("company")
        if (
            self.deal is None
            and not self.text("contact").strip()
            and not self.text("company").strip()
        ):
            self.refuse("contact", "a deal needs a contact or a company")
        checked = self.check("currency", lambda: check_currency(currency)) if currency else None
        if amount:
            default = checked or str(self.session.config.get("currency"))
            _minor, symbol = self.check(
                "amount", lambda: parse_amount(amount, default), (None, None)
            )
            if symbol and checked and symbol != checked:
                self.refuse("amount", f"{amount!r} is in {symbol}, but the currency is {checked}")
        return {
            "title": title,
            "contact_id": contact_id,
            "company_id": company_id,
            "currency": checked,
            "amount": amount,
            "close": self.check("close", lambda: self.session.parse_when(close, "future").date)
            if close
            else None,
            "next_step": self.text("next"),
            "probability": self.check("probability", lambda: _probability(probability))
            if probability
            else None,
        }

    def commit(self, values: Any) -> DealDetail:
        if self.deal is None:
            return self._add(values)
        return self._edit(values)

    def field_of(self, exc: CrmError) -> str:
        text = exc.message.lower()
        return next((name for word, name in FIELD_WORDS if word in text), FORM)

    def _add(self, values: dict[str, Any]) -> DealDetail:
        stage = self.choice("stage")
        fields = DealFields(
            title=values["title"],
            contact_id=values["contact_id"],
            company_id=values["company_id"],
            amount=values["amount"] or None,
            currency=values["currency"],
            stage=None if stage is None else str(stage),
            close=values["close"],
            next_step=values["next_step"] or None,
            probability=values["probability"],
        )
        return deals.add(self.session.store, fields)

    def _edit(self, values: dict[str, Any]) -> DealDetail:
        """Send only what changed, so an untouched field never overwrites a newer value."""
        assert self.deal is not None
        start = self._initial()
        deal = self.deal
        fields = DealFields()
        if self.text("title") != start["title"]:
            fields.title = values["title"]
        if values["contact_id"] != deal["contact_id"]:
            if values["contact_id"] is None:
                raise FieldError("contact", "a deal keeps its contact: give another one")
            fields.contact_id = values["contact_id"]
        if values["company_id"] and values["company_id"] != deal["company_id"]:
            fields.company_id = values["company_id"]
        if self.text("amount").strip() != start["amount"]:
            fields.amount = values["amount"]
        if self.text("currency").strip() != start["currency"]:
            fields.currency = values["currency"]
        if self.text("close").strip() != start["close"]:
            fields.close = values["close"]
            fields.clear_close = values["close"] is None
        if self.text("next") != start["next"]:
            fields.next_step = values["next_step"]
        if self.text("probability").strip() != start["probability"]:
            fields.probability = values["probability"]
            fields.clear_probability = values["probability"] is None
        if fields == DealFields():
            return deals.get(self.session.store, int(deal["id"]))
        changed, _notes = deals.edit(
            self.session.store, int(deal["id"]), fields, expect_version=int(deal["version"])
        )
        return changed
