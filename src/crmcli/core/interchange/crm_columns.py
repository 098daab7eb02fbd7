"""The columns of crm's own contacts CSV: the exporter writes them, the importer knows them back."""

from __future__ import annotations

CONTACT_CSV_COLUMNS = (
    "id",
    "name",
    "prefix",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "company",
    "title",
    "email",
    "emails",
    "phone",
    "phones",
    "urls",
    "tags",
    "status",
    "lead_source",
    "birthday",
    "do_not_contact",
    "cadence_days",
    "last_touch_at",
    "notes",
    "custom_fields",
    "external_ids",
    "addresses",
    "created_at",
    "updated_at",
)
