"""The typed rows that leave the core match what the SQL fills and what the models declare.

Each TypedDict (`people.rows`, `pipeline.rows`, `activity.rows`, `overview.rows`, the
export views) is checked three ways: the rows its producer really returns carry
exactly its keys, with values of its types (on a demo database, so every path
runs); every key that names a column of its table has that column's type and
nullability in the models; and each export's column list is its keys, in order.
"""

from __future__ import annotations

import types
import typing
from datetime import datetime, timedelta
from typing import Any, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest
from sqlmodel import SQLModel

from crmcli.core import clock
from crmcli.core.activity import followups, interactions
from crmcli.core.activity import rows as activity_rows
from crmcli.core.activity.interactions import Kind
from crmcli.core.db import models
from crmcli.core.db.store import Store
from crmcli.core.demo import data as demo
from crmcli.core.interchange import crm_columns, exporting
from crmcli.core.overview import agenda, reports
from crmcli.core.overview import rows as overview_rows
from crmcli.core.people import directory
from crmcli.core.people import rows as people_rows
from crmcli.core.pipeline import board, deals
from crmcli.core.pipeline import rows as pipeline_rows
from crmcli.core.search import find

# -- checking a value against a TypedDict ---------------------------------------------


def _conforms(value: Any, hint: Any, where: str) -> None:
    """Assert `value` has the shape `hint` declares: keys of TypedDicts, types of values."""
    if hint is Any:
        return
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if value is None:
            assert type(None) in options, f"{where} is None, declared {hint}"
            return
        (declared,) = [o for o in options if o is not type(None)]
        _conforms(value, declared, where)
        return
    if is_typeddict(hint):
        assert isinstance(value, dict), f"{where} is {type(value).__name__}, not a dict"
        hints = get_type_hints(hint)
        keys = set(value)
        required = _required(hint)
        assert required <= keys, f"{where} lacks {required - keys}"
        assert keys <= set(hints), f"{where} has undeclared keys {keys - set(hints)}"
        for key in keys:
            _conforms(value[key], hints[key], f"{where}.{key}")
        return
    if origin is list:
        assert isinstance(value, list), f"{where} is {type(value).__name__}, not a list"
        (item,) = get_args(hint)
        for i, one in enumerate(value):
            _conforms(one, item, f"{where}[{i}]")
        return
    if origin is dict:
        assert isinstance(value, dict), where
        return
    allowed: tuple[type, ...] = (int, float) if hint is float else (hint,)
    assert isinstance(value, allowed), f"{where} = {value!r}, declared {hint}"


def _required(hint: Any) -> set[str]:
    """The keys a TypedDict requires (its `__required_keys__` miss `NotRequired` written as a
    string, as `from __future__ import annotations` writes every annotation, before 3.12)."""
    extras = get_type_hints(hint, include_extras=True)
    return {k for k, v in extras.items() if get_origin(v) is not typing.NotRequired}


def _all_conform(rows: Any, hint: Any, where: str) -> int:
    rows = list(rows)
    assert rows, f"no {where} rows to check: the demo data should have some"
    for i, row in enumerate(rows):
        _conforms(row, hint, f"{where}[{i}]")
    return len(rows)


# -- a database where every path runs --------------------------------------------------


@pytest.fixture
def filled(store: Store) -> Store:
    demo.generate(store, demo.DemoSize(60), seed=3, now=clock.now())
    # A won deal with a contract end: the renewal path of `deals.get` and the detail keys.
    deal = deals.list_deals(store, clock.now(), limit=1)[0]
    deals.edit(
        store,
        int(deal["id"]),
        deals.DealFields(contract_end=(clock.now() + timedelta(days=200)).date()),
    )
    deals.won(store, int(deal["id"]))
    return store


def test_contact_rows_have_their_declared_shape(filled: Store) -> None:
    some = directory.list_contacts(filled, limit=20)
    _all_conform(some, people_rows.ContactSummary, "list_contacts")
    _all_conform(
        directory.list_contacts(filled, limit=20, sort="score"),
        people_rows.ContactSummary,
        "list_contacts by score",
    )
    found = find.describe(filled, find.find(filled, str(some[0]["name"]), limit=5))
    _all_conform(found, people_rows.FoundContact, "find.describe")
    for row in some[:10]:
        detail = directory.get(filled, int(row["id"]))
        _conforms(detail, people_rows.ContactDetail, f"directory.get({row['id']})")
        _conforms(directory.public_view(detail), people_rows.ContactView, "public_view")


def test_deal_rows_have_their_declared_shape(filled: Store) -> None:
    now = clock.now()
    listed = deals.list_deals(filled, now, status=None)
    _all_conform(listed, pipeline_rows.Deal, "list_deals")
    for row in listed[:10]:
        deal_id = int(row["id"])
        _conforms(deals.get(filled, deal_id), pipeline_rows.DealDetail, f"deals.get({deal_id})")
        for change in deals.history(filled, deal_id):
            _conforms(change, pipeline_rows.StageChange, "deals.history")
        for event in deals.timeline(filled, deal_id):
            _conforms(event, pipeline_rows.DealEvent, "deals.timeline")
    columns = board.board(filled, now)
    for column in columns:
        _conforms(column.stage, pipeline_rows.BoardStage, "board column stage")
    _all_conform((c for col in columns for c in col.cards), pipeline_rows.Deal, "board cards")


def test_activity_rows_have_their_declared_shape(filled: Store) -> None:
    rows = followups.list_followups(filled, include_done=True)
    _all_conform(rows, activity_rows.FollowUp, "list_followups")
    _conforms(followups.get(filled, int(rows[0]["id"])), activity_rows.FollowUp, "get")
    now = clock.now()
    _all_conform(agenda.overdue(filled, now).rows, activity_rows.LateFollowUp, "overdue")
    for label, day in agenda.agenda(filled, now, 14):
        late = label == "overdue"  # a LateFollowUp is a FollowUp, with two keys more
        for row in day:
            _conforms(row, activity_rows.LateFollowUp if late else activity_rows.FollowUp, label)
    first = int(next(iter(filled.tuples("SELECT id FROM contact ORDER BY id LIMIT 1")))[0])
    logged = interactions.log(filled, first, Kind.call, "Called", duration_seconds=60)
    _conforms(logged.interaction, activity_rows.Interaction, "interactions.log")
    ids = [int(i) for (i,) in filled.tuples("SELECT id FROM interaction ORDER BY id LIMIT 20")]
    for interaction_id in ids:
        _conforms(interactions.get(filled, interaction_id), activity_rows.Interaction, "get")


def test_the_daily_view_and_the_report_have_their_declared_shape(filled: Store) -> None:
    now = clock.now()
    day = agenda.today(filled, now)
    _all_conform(day.touch.rows, overview_rows.TouchDue, "touch_due")
    _all_conform(day.deals.rows, pipeline_rows.Deal, "needing_attention")
    period = reports.parse_period("1y", now.date())
    report = reports.build(filled, period, now, quiet_days=1, limit=None)
    _conforms(report, overview_rows.Report, "report")
    assert report["health"]["retention"]["contacts"], "no quiet customer was checked"
    assert report["conversion"]["sources"], "no lead source was checked"


def test_exports_have_their_declared_shape_and_their_columns_are_its_keys(
    filled: Store,
) -> None:
    views = list(exporting.contacts(filled))
    _all_conform(views, people_rows.ContactView, "export contacts")
    csv_rows = [exporting.contact_csv_row(v) for v in views]
    _all_conform(csv_rows, crm_columns.ContactCsvRow, "contact_csv_row")
    companies = _all_conform(exporting.companies(filled), exporting.CompanyExport, "companies")
    assert companies
    _all_conform(exporting.deals(filled), exporting.DealExport, "export deals")
    _all_conform(exporting.interactions(filled), exporting.InteractionExport, "interactions")
    _all_conform(
        exporting.followups(filled, include_done=True), exporting.FollowupExport, "followups"
    )
    # JSON writes the rows' own key order: the SQL's, which the views follow.
    assert tuple(next(exporting.companies(filled))) == exporting.COMPANY_COLUMNS
    assert tuple(next(exporting.interactions(filled))) == exporting.INTERACTION_COLUMNS
    # The interactions' CSV header is the cursor's: it must be the view's columns.
    names, _ = exporting.interaction_tuples(filled)
    assert tuple(names) == exporting.INTERACTION_COLUMNS
    assert set(next(exporting.followups(filled))) == set(get_type_hints(exporting.FollowupExport))


@pytest.mark.parametrize(
    ("view", "columns"),
    [
        (crm_columns.ContactCsvRow, crm_columns.CONTACT_CSV_COLUMNS),
        (exporting.CompanyExport, exporting.COMPANY_COLUMNS),
        (exporting.DealExport, exporting.DEAL_COLUMNS),
        (exporting.InteractionExport, exporting.INTERACTION_COLUMNS),
        (exporting.FollowupCsv, exporting.FOLLOWUP_COLUMNS),
    ],
)
def test_each_export_column_list_is_its_views_keys_in_order(
    view: type, columns: tuple[str, ...]
) -> None:
    assert columns == tuple(get_type_hints(view))


def test_the_column_lists_keep_their_published_order() -> None:
    """The exports' columns are a public format: spreadsheets and scripts read them."""
    assert exporting.DEAL_COLUMNS[:9] == (
        "id",
        "title",
        "contact_id",
        "contact",
        "contact_email",
        "company_id",
        "company",
        "amount",
        "amount_minor",
    )
    assert exporting.FOLLOWUP_COLUMNS[-3:] == ("note", "status", "done_at")
    assert crm_columns.CONTACT_CSV_COLUMNS[-2:] == ("created_at", "updated_at")


# -- the views against the models ------------------------------------------------------

# Each view: the table its rows come from, and its keys that are NOT that table's
# columns (joined names, computed values), so a key that looks like a column but is
# not one (a typo, a dropped column) fails here.
VIEWS: list[tuple[Any, type[SQLModel], set[str]]] = [
    (people_rows.ContactLine, models.Contact, {"name", "company", "email", "phone"}),
    (
        people_rows.ContactSummary,
        models.Contact,
        {"name", "company", "email", "phone", "tags", "score"},
    ),
    (
        people_rows.FoundContact,
        models.Contact,
        {"name", "company", "email", "phone", "matched", "score"},
    ),
    (
        people_rows.ContactDetail,
        models.Contact,
        {"company", "emails", "phones", "urls"}
        | {
            "tag_rows",
            "tags",
        }
        | {"relations", "dates", "handles", "photo"},
    ),
    (people_rows.RelationRow, models.ContactRelation, {"related_name"}),
    (people_rows.DateRow, models.ContactDate, set()),
    (people_rows.HandleRow, models.ContactHandle, set()),
    (people_rows.PhotoRow, models.ContactPhoto, set()),
    (people_rows.EmailRow, models.ContactEmail, set()),
    (people_rows.PhoneRow, models.ContactPhone, {"display"}),
    (people_rows.UrlRow, models.ContactUrl, set()),
    (people_rows.TagRow, models.ContactTag, set()),
    (
        people_rows.ContactView,
        models.Contact,
        {"name", "company", "emails", "phones", "urls", "tags"}
        | {"relations", "dates", "handles", "photo"},
    ),
    (
        crm_columns.ContactCsvRow,
        models.Contact,
        {"name", "company", "email", "emails"}
        | {
            "phone",
            "phones",
            "urls",
            "tags",
        }
        | {"relations", "dates", "handles"},
    ),
    (
        pipeline_rows.DealDetail,
        models.Deal,
        {"contact", "company", "stage", "target_days", "stage_probability"}
        | {"days_in_stage", "stale", "no_next_step"},
    ),
    (pipeline_rows.BoardStage, models.Stage, set()),
    (pipeline_rows.StageChange, models.DealStageChange, {"from_stage", "to_stage"}),
    (activity_rows.FollowUp, models.Followup, {"contact", "deal"}),
    (activity_rows.LateFollowUp, models.Followup, {"contact", "deal", "late_seconds", "late"}),
    (activity_rows.Interaction, models.Interaction, {"contact"}),
    (overview_rows.TouchDue, models.Contact, {"contact", "company", "score"}),
    (overview_rows.QuietCustomer, models.Contact, {"contact", "company", "days_silent"}),
    (exporting.CompanyExport, models.Company, {"people"}),
    (exporting.DealExport, models.Deal, {"contact", "contact_email", "company", "amount", "stage"}),
    (exporting.InteractionExport, models.Interaction, {"contact"}),
    (
        exporting.FollowupExport,
        models.Followup,
        {"contact_name", "contact_email", "contact_phone", "deal_title"},
    ),
]


# Columns a view's query never returns as None, though the table allows it.
NARROWED = {("TouchDue", "touch_due_at")}  # only contacts with a due date are due


def _kinds(hint: Any) -> tuple[set[Any], bool]:
    """The types a hint allows, and whether it allows None."""
    options = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
    return {o for o in options if o is not type(None)}, type(None) in options


@pytest.mark.parametrize(
    ("view", "model", "derived"), VIEWS, ids=lambda v: getattr(v, "__name__", "")
)
def test_view_columns_exist_in_the_models_with_their_types(
    view: Any, model: type[SQLModel], derived: set[str]
) -> None:
    hints = get_type_hints(view)
    fields = model.model_fields
    assert derived <= set(hints), f"{view.__name__} no longer has {derived - set(hints)}"
    for key, hint in hints.items():
        if key in derived:
            assert key not in fields, f"{key} is a column of {model.__name__}: check its type"
            continue
        assert key in fields, f"{view.__name__}.{key} is no column of {model.__name__}"
        if hint is Any:
            continue  # a JSON column, handed out parsed
        declared, declared_none = _kinds(fields[key].annotation)
        kinds, none = _kinds(hint)
        if key == "id" and fields[key].primary_key:
            declared_none = False  # None only before the insert gives it one
        if (view.__name__, key) in NARROWED:
            declared_none = False
        assert none == declared_none, f"{view.__name__}.{key}: None-able in one, not the other"
        if declared == {bool}:
            assert kinds <= {bool, int}, f"{view.__name__}.{key} is a flag"
        else:
            assert kinds == declared, f"{view.__name__}.{key} is {hint}, the column {declared}"


def test_the_deal_list_columns_name_keys_of_the_public_deal() -> None:
    from crmcli.commands import _deal_render, deal, pipeline

    keys = set(typing.get_type_hints(_deal_render.PublicDeal))
    assert {c.key for c in deal.LIST_COLUMNS} <= keys | {"flags"}
    assert set(get_type_hints(pipeline.Card)) <= set(get_type_hints(pipeline_rows.Deal))
    assert set(get_type_hints(overview_rows.DealBrief)) <= set(get_type_hints(pipeline_rows.Deal))


def test_an_overdue_list_is_late_from_the_end_of_an_all_day(filled: Store) -> None:
    """`LateFollowUp`'s extra keys are filled on every overdue row, all-day or timed."""
    now = clock.now() + timedelta(days=3)
    rows = agenda.overdue(filled, now).rows
    assert all(isinstance(r["late_seconds"], int) and r["late"] for r in rows)
    assert isinstance(now, datetime)
