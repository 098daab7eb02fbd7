"""The default deal stages of Salesforce, Zoho, Pipedrive and HubSpot, on crm's own stages.

Each vendor stage names crm's default stage (core/db/defaults.py) and its kind, so a
won or lost stage lands in the pipeline's first stage of that kind even when the team
renamed "Won" or "Lost". Keys are letters and digits only, lower-case: HubSpot's
internal ids ("decisionmakerboughtin") and labels ("Decision Maker Bought-In") meet.
A stage the database has by that very name, or one given with --map-stage, wins.
"""

from __future__ import annotations

import re

from crmcli.core.values.text import fold

_TABLE: dict[str, tuple[str, str]] = {}


def _add(target: str, kind: str, names: str) -> None:
    for name in names.split("|"):
        _TABLE[key(name)] = (target, kind)


def key(name: str) -> str:
    """A stage name without case, accents, spaces or punctuation."""
    return re.sub(r"[^a-z0-9]", "", fold(name))


# Salesforce's and Zoho's sales processes (their "Id." is "Identify")
_add("Lead", "open", "Prospecting|Lead In|Appointment Scheduled|New")
_add("Qualified", "open", "Qualified|Qualification|Needs Analysis|Contact Made|Qualified To Buy")
_add(
    "Demo",
    "open",
    "Value Proposition|Id. Decision Makers|Identify Decision Makers|Perception Analysis|"
    "Demo Scheduled|Needs Defined|Presentation Scheduled",
)
_add("Proposal", "open", "Proposal/Price Quote|Proposal Made|Decision Maker Bought-In")
_add("Negotiation", "open", "Negotiation/Review|Negotiations Started|Contract Sent")
_add("Won", "won", "Closed Won|Won|Closed - Won")
_add("Lost", "lost", "Closed Lost|Closed Lost to Competition|Lost|Closed - Lost")
# The same stages as French sheets and French-language CRMs name them (Pipedrive, Zoho and
# Salesforce in French: "Proposition/Devis", "Négociation/Révision", "Fermé gagné").
_add("Lead", "open", "Prospect|Prospection|Nouveau|Piste")
_add("Qualified", "open", "Qualifié|Qualification du besoin|Analyse des besoins|Contact établi")
_add("Demo", "open", "Démo|Démonstration|Proposition de valeur|Démo planifiée")
_add("Proposal", "open", "Proposition|Proposition/Devis|Devis|Offre|Proposition envoyée")
_add("Negotiation", "open", "Négociation|Négociation/Révision|Négociations entamées")
_add("Won", "won", "Gagné|Gagnée|Fermé gagné|Fermée gagnée|Conclu|Signé")
_add("Lost", "lost", "Perdu|Perdue|Fermé perdu|Fermée perdue|Abandonné")


def known(name: str) -> tuple[str, str] | None:
    """(crm stage name, kind) for a vendor's default stage, or None."""
    return _TABLE.get(key(name))
