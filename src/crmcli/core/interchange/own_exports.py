"""crm's own contacts exports (CSV and JSON) read back, so export then import loses nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from crmcli.core.errors import Invalid
from crmcli.core.interchange.crm_columns import CONTACT_CSV_COLUMNS, V5_CONTACT_CSV_COLUMNS
from crmcli.core.interchange.records import ContactRecord, Photo, Reject


def is_own_header(header: list[str]) -> bool:
    """True for the header of `crm export contacts --format csv`."""
    names = tuple(h.strip().lower() for h in header)
    return names in (CONTACT_CSV_COLUMNS, V5_CONTACT_CSV_COLUMNS)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


_LABELLED = re.compile(r"(.*?)\s\[([^\[\]]*)\]\Z", re.DOTALL)


def unlabelled(entry: str) -> tuple[str, str | None]:
    """(value, label) of a list-cell entry `exporting.labelled` wrote; a file from before
    labels were written has none."""
    match = _LABELLED.fullmatch(entry)
    if match is None:
        return entry, None
    return match.group(1), match.group(2) or None


def _parse(text: str) -> Any:
    """`json.loads`, with what it raises besides JSONDecodeError made a JSONDecodeError.

    Nesting thousands deep exhausts the recursion limit (RecursionError), and a
    number of more than 4300 digits is refused by `int` (ValueError); no export
    holds either, so both are simply not valid here.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError as exc:
        raise json.JSONDecodeError("nested too deeply", text, 0) from exc
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise json.JSONDecodeError("a number too long to read", text, 0) from exc


def _loads(text: str | None, line: int, what: str) -> Any:
    if not text:
        return None
    try:
        return _parse(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"line {line}: {what} is not valid JSON ({exc.msg})") from exc


# What crm's JSON export holds (people/rows.ContactView), and what its CSV calls a few of
# them: a hand-written file with those names is read too.
_VIEW_KEYS = frozenset(
    "id name prefix first_name middle_name last_name suffix company title emails phones urls "
    "tags status lead_source birthday do_not_contact cadence_days last_touch_at notes "
    "addresses external_ids custom_fields created_at updated_at archived_at nickname "
    "relations dates handles photo company_id owner version".split()
)
_CSV_NAMES = {"email": "emails", "phone": "phones"}


def _known(view: dict[str, Any]) -> dict[str, Any]:
    """The record with crm's keys found whatever their case, the CSV's one-value `email`
    and `phone` as lists, and every other key kept as a custom field (never dropped)."""
    out: dict[str, Any] = {}
    extra: dict[str, str] = {}
    for key, value in view.items():
        name = str(key).strip().lower()
        if name in _VIEW_KEYS and name not in out:
            out[name] = value
        elif name in _CSV_NAMES and value not in (None, ""):
            out.setdefault(_CSV_NAMES[name], [])
            if isinstance(out[_CSV_NAMES[name]], list):
                out[_CSV_NAMES[name]] += value if isinstance(value, list) else [value]
        elif value not in (None, "", [], {}):
            extra[str(key)] = (
                value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            )
    if extra:
        custom = out.get("custom_fields")
        out["custom_fields"] = {**extra, **(custom if isinstance(custom, dict) else {})}
    return out


def _item(value: Any, key: str) -> tuple[str, Any]:
    """(text, label) of one email/phone/url entry: crm's object, or a plain string."""
    if isinstance(value, dict):
        return _scalar(value.get(key) or ""), value
    return _scalar(value), {}


def _from_view(view: dict[str, Any], line: int) -> ContactRecord:
    """A record from crm's own JSON shape (`crm export contacts --format json`)."""
    view = _known(view)

    def text(key: str) -> str | None:
        value = view.get(key)
        return str(value) if value not in (None, "") else None

    phones = []
    for entry in view.get("phones") or []:
        number, p = _item(entry, "number")
        number = number or _scalar(p.get("e164") or "")
        if p.get("extension") and "ext" not in number:
            number = f"{number} ext. {_scalar(p['extension'])}"
        phones.append((number, _optional(p.get("label"))))
    cadence = view.get("cadence_days")
    born, born_raw, issues = _birthday(text("birthday"))
    return ContactRecord(
        line=line,
        full_name=text("name"),
        prefix=text("prefix"),
        first=text("first_name"),
        middle=text("middle_name"),
        last=text("last_name"),
        suffix=text("suffix"),
        emails=[
            (address, _optional(e.get("label")))
            for address, e in (_item(x, "email") for x in view.get("emails") or [])
        ],
        phones=phones,
        urls=[
            (url, _optional(u.get("kind")))
            for url, u in (_item(x, "url") for x in view.get("urls") or [])
        ],
        company=text("company"),
        title=text("title"),
        notes=text("notes"),
        tags=[_scalar(tag) for tag in view.get("tags") or []],
        birthday=born,
        birthday_raw=born_raw,
        issues=issues,
        addresses=[
            {str(k): _scalar(v) for k, v in a.items() if v is not None}
            for a in view.get("addresses") or []
        ],
        lead_source=text("lead_source"),
        status=text("status"),
        do_not_contact=bool(view.get("do_not_contact")),
        cadence_days=_cadence(cadence),
        external_ids={str(k): str(v) for k, v in (view.get("external_ids") or {}).items()},
        custom={str(k): str(v) for k, v in (view.get("custom_fields") or {}).items()},
        **_personal(view),
    )


def _scalar(value: Any) -> str:
    """Text of a JSON string or number; TypeError (the record is rejected) for anything else.

    A hand-edited or foreign JSON file may hold `"number": 5551234` or `"tags": [["a"]]`:
    such a value read as it is would fail deep in the import, aborting every record."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"{value!r} is not text")


def _birthday(value: str | None) -> tuple[str | None, str | None, list[str]]:
    """(birthday, as written when it is no real date, issues): crm writes YYYY-MM-DD or
    --MM-DD; a hand-edited `31/02/2026` is kept as written and named, never stored as one."""
    from crmcli.core.values.dates import parse_birthday

    if value is None:
        return None, None, []
    try:
        return parse_birthday(value), None, []
    except Invalid as exc:
        return None, value, [exc.message]


def _cadence(value: Any) -> int | None:
    """Days between touches: a whole number of days up to a century, else ValueError."""
    if value in (None, ""):
        return None
    days = int(value)
    if not 0 < days <= 36500:
        raise ValueError(f"cadence_days {value!r} is not between 1 and 36500")
    return days


def _optional(value: Any) -> str | None:
    return None if value is None else _scalar(value)


def _personal(view: dict[str, Any]) -> dict[str, Any]:
    """Schema v6's nickname, relations, dates, handles and photo, as `public_view` writes
    them (absent from an older export: nothing)."""
    photo = view.get("photo")
    return {
        "nickname": str(view["nickname"]) if view.get("nickname") else None,
        "relations": [
            (str(r["name"]), _optional(r.get("kind")))
            for r in view.get("relations") or []
            if r.get("name")
        ],
        "dates": [
            (str(d["label"]), str(d["date"]))
            for d in view.get("dates") or []
            if d.get("label") and d.get("date")
        ],
        "handles": [
            (str(h["service"]), str(h["handle"]))
            for h in view.get("handles") or []
            if h.get("service") and h.get("handle")
        ],
        "photo": (
            Photo(
                _optional(photo.get("media_type")),
                _optional(photo.get("data")),
                _optional(photo.get("uri")),
            )
            if isinstance(photo, dict) and (photo.get("data") or photo.get("uri"))
            else None
        ),
    }


def json_records(stream: BinaryIO) -> Iterator[ContactRecord | Reject]:
    """Records of a JSON array or JSON Lines file of contacts in crm's export shape."""
    data = stream.read()
    encoding = json.detect_encoding(data)  # UTF-8, -16 or -32, by the BOM or the NULs
    try:
        text = data.decode("utf-8-sig" if encoding == "utf-8" else encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise Invalid(f"JSON import must be UTF-8 (this is not valid {encoding})") from exc
    stripped = text.lstrip()
    items: list[Any]
    if stripped.startswith("["):
        try:
            items = _parse(text)
        except json.JSONDecodeError as exc:
            where = f" at line {exc.lineno}" if exc.pos else ""
            raise Invalid(f"not valid JSON: {exc.msg}{where}") from exc
    else:  # JSON Lines
        items = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    items.append(_parse(line))
                except json.JSONDecodeError as exc:
                    raise Invalid(f"line {number}: not valid JSON ({exc.msg})") from exc
    if not items or not any(
        isinstance(item, dict) and any(str(k).strip().lower() == "name" for k in item)
        for item in items
    ):  # csvkit's csvjson, a tool's own JSON: not people crm can name
        raise Invalid(
            "this JSON is not a list of contacts as crm writes them (no record has a "
            '"name"): import the CSV or vCard it came from, or a `crm export contacts '
            "--format json` file"
        )
    for index, item in enumerate(items, 1):
        if not isinstance(item, dict):
            yield Reject(index, "not a contact object")
            continue
        try:
            yield _from_view(item, index)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            yield Reject(index, f"unreadable contact ({exc})")


def tsv_rows(stream: BinaryIO, encoding: str, header_line: int) -> Iterator[tuple[int, list[str]]]:
    """The rows after the header of crm's own TSV (IANA text/tab-separated-values).

    Not through the CSV reader: the format has no quoting (a `"` is an ordinary
    character) and a record is one line, its tabs, newlines and backslashes escaped
    (`csv_out.tsv_escape`); each cell comes back un-escaped.
    """
    import io

    from crmcli.core.interchange.csv_out import read_tsv

    stream.seek(0)
    from crmcli.core.interchange.encoding import errors_for

    text = io.TextIOWrapper(stream, encoding=encoding, errors=errors_for(encoding), newline="")
    try:
        for number, line in enumerate(text, 1):
            if number > header_line:
                yield number, next(read_tsv([line]))
    finally:
        text.detach()


def csv_records(
    rows: Iterator[tuple[int, list[str]]], header: list[str]
) -> Iterator[ContactRecord | Reject]:
    """Records of crm's own contacts CSV, from its rows as `csvfile.rows` yields them.

    Each cell first loses the apostrophe crm's writer put before a formula-looking
    value (`csv_out.restore`: exactly that one, so `'=x` typed by a person, which the
    writer wrote `''=x`, comes back as typed). A file written with `--raw` was not
    neutralised: a value in it that begins `'=` loses that apostrophe here.
    """
    from crmcli.core.interchange.csv_out import restore

    names = [h.strip().lower() for h in header]
    for line, written in rows:
        cells = [restore(c) for c in written]
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names):
            yield Reject(line, f"{len(cells)} cells but the header has {len(names)}", cells)
            continue
        row = dict(zip(names, [*cells, *[""] * (len(names) - len(cells))], strict=True))
        view = {
            **{
                k: row.get(k)
                for k in (
                    "name",
                    "prefix",
                    "first_name",
                    "middle_name",
                    "last_name",
                    "suffix",
                    "company",
                    "title",
                    "notes",
                    "birthday",
                    "lead_source",
                    "status",
                )
            },
            "emails": [
                {"email": e, "label": label}
                for e, label in map(unlabelled, _split(row.get("emails")))
            ],
            "phones": [
                {"number": p, "label": label}
                for p, label in map(unlabelled, _split(row.get("phones")))
            ],
            "urls": [
                {"url": u, "kind": kind} for u, kind in map(unlabelled, _split(row.get("urls")))
            ],
            "tags": _split(row.get("tags")),
            "do_not_contact": (row.get("do_not_contact") or "").strip().lower()
            in ("yes", "true", "1"),
            "cadence_days": row.get("cadence_days") or None,
            "custom_fields": _loads(row.get("custom_fields"), line, "custom_fields"),
            "external_ids": _loads(row.get("external_ids"), line, "external_ids"),
            "addresses": _loads(row.get("addresses"), line, "addresses"),
            "nickname": row.get("nickname"),
            "relations": _loads(row.get("relations"), line, "relations"),
            "dates": _loads(row.get("dates"), line, "dates"),
            "handles": _loads(row.get("handles"), line, "handles"),
        }
        record = _from_view(view, line)
        if record.empty:
            yield Reject(line, "no name, email, phone or profile URL", cells)
        else:
            yield record
