"""A `--where` query compiled to a SQL WHERE fragment and its parameters, per list.

The fragment is plain SQL both engines run (`?` placeholders, values only ever as
parameters, LIKE patterns escaped) and refers only to the list's own alias, so a list,
its export and the assistant's tool AND it to their own filters. Text is compared the
way the rest of crm folds it (`values.text.fold`: accents, case and punctuation
ignored): on the stored folded keys where there are some (names, tags), else by folding
the column in SQL: a `crm_fold` function on SQLite (the same Python `fold`), translate()
and regexp_replace() on PostgreSQL (the same letters, as `crm search` folds there).

What a term means, by the field's kind (see fields.py):
- text, folded, company, place: `field:word` matches when some word of the field starts
  with the value's words (`company:acme` finds "ACME Corp" and "Big Acme"); `field:=x`
  when the whole field is x. A value with no letter or digit (`%`, `_`) matches nothing.
- key: the one value, case ignored; like: the typed piece anywhere in the column.
- number, amount: `:`/`=` equal, `>`, `>=`, `<`, `<=`, `low..high` (both ends included).
  An amount (`10k`, `2.5m`, `1200.50`) is read in each record's own currency (10k is
  10,000.00 EUR for a euro deal and 10,000 JPY for a yen one): never converted, never
  summed.
- date, stamp: a date (2026-01-31), a date word (today, yesterday, +7d, "next month",
  mon) or an age: `30d`, `2w`, `3mo` (30 days), `1y` (365 days), `12h`. With an age, `>`
  is "longer ago than" and `<` "more recently than": `touched:>30d` is a last touch more
  than 30 days (of 24 h) before now, `touched:<7d` one within the last 7 days. A day is
  a local day: `created:2026-01-31` is that whole day in the local time zone,
  `created:>2026-01-31` from the next midnight on, `due:<today` before today.
- A record with no value (never touched, no amount) matches no term on that field, and
  so matches its negation: `-touched:<7d` includes the never touched; `has:touched`
  finds those with one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.query.fields import Entity, Field, entity
from crmcli.core.query.parse import And, Node, Not, Or, QueryError, Term, parse
from crmcli.core.values.text import company_words, fold

NOTHING = "1 = 0"
_GROUP = 64  # operands of one flat AND/OR in the SQL (see _joined)
_ESCAPE = " ESCAPE '\\'"
_AGE = re.compile(r"(\d{1,6})(h|d|w|mo|m|y)", re.IGNORECASE)
_AGE_DAYS = {"d": 1, "w": 7, "mo": 30, "m": 30, "y": 365}
_AMOUNT = re.compile(r"(\d{1,15})(?:[.,](\d{1,6}))?([km])?", re.IGNORECASE)
_MULTIPLIER = {"": 1, "k": 1_000, "m": 1_000_000}
_TRUE = ("yes", "true", "y", "1", "on")
_FALSE = ("no", "false", "n", "0", "off")
_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">="}


def compile_where(
    store: Store, list_name: str, text: str, *, label: str = "--where"
) -> tuple[str, list[Any]]:
    """`text` as a WHERE fragment on `list_name`'s alias, and its parameters.

    `QueryError` (an `Invalid`: exit 2) names the column of what could not be read:
    a malformed query, an unknown field (listing the list's fields), a bad value.
    """
    tree = parse(text, label=label)
    compiler = _Compiler(store, entity(list_name), text, label)
    sql = compiler.node(_simplified(tree))
    return sql, compiler.params


def escape_like(text: str) -> str:
    """`text` for a LIKE pattern: its `%`, `_` and `\\` taken literally (ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- folding in SQL ----------------------------------------------------------------------


def _sqlite_fold(value: Any) -> str | None:
    return None if value is None else fold(str(value))


def _pg_tables() -> tuple[str, str, list[tuple[str, str]]]:
    """translate() tables for PostgreSQL: each Latin letter `fold` makes one ASCII letter,
    and the few it makes two of (æ -> ae), from `fold` itself so the two cannot drift."""
    single_from, single_to, pairs = [], [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        folded = fold(char)
        if folded == char or not folded.isascii():
            continue
        if len(folded) == 1:
            single_from.append(char)
            single_to.append(folded)
        elif folded.isalpha():
            pairs.append((char, folded))
    return "".join(single_from), "".join(single_to), pairs


_PG_FROM, _PG_TO, _PG_PAIRS = _pg_tables()


def fold_sql(store: Store, column: str) -> str:
    """SQL folding `column` as `values.text.fold` does (NULL stays NULL)."""
    if store.dialect.name == "sqlite":
        # The same Python function, on this connection (deterministic: SQLite may cache it).
        store.conn.create_function("crm_fold", 1, _sqlite_fold, deterministic=True)
        return f"crm_fold({column})"
    inner = column
    for char, folded in _PG_PAIRS:
        inner = f"replace({inner}, '{char}', '{folded}')"
    return (
        f"btrim(regexp_replace(lower(translate({inner}, '{_PG_FROM}', '{_PG_TO}')), "
        "'[[:space:][:punct:]]+', ' ', 'g'))"
    )


# -- the compiler ------------------------------------------------------------------------


def _simplified(node: Node) -> Node:
    """`node` with what only nests deeper taken out: NOT NOT x is x, and an AND in an AND
    (an OR in an OR) is one list. SQLite's parser has a small stack (~100 levels on the
    SQLite Python ships with): each level of SQL nesting left is one the user wrote as an
    alternation of AND, OR and NOT, which parse.py bounds.
    """
    while isinstance(node, Not) and isinstance(node.node, Not):
        node = node.node.node
    if isinstance(node, Not):
        return Not(_simplified(node.node), node.column)
    if isinstance(node, And | Or):
        kind = type(node)
        flat: list[Node] = []
        for child in node.nodes:
            child = _simplified(child)
            flat.extend(child.nodes if isinstance(child, kind) else (child,))
        return kind(tuple(flat))
    return node


def _joined(parts: list[str], joiner: str) -> str:
    """`parts` joined by AND or OR, in groups of at most `_GROUP` inside parentheses.

    Written flat, `a OR b OR c ...` is one level deeper per operand for SQLite, which
    refuses past 1000 ("Expression tree is too large") where PostgreSQL answers; each
    pair of parentheses costs SQLite's parser stack a level (~100 in all). Groups keep
    both small: 1000 terms are 16 groups of 64, one level more than a short list.
    """
    if len(parts) == 1:
        return parts[0]
    if len(parts) <= _GROUP:
        return "(" + joiner.join(parts) + ")"
    groups = [_joined(parts[at : at + _GROUP], joiner) for at in range(0, len(parts), _GROUP)]
    return _joined(groups, joiner)


class _Compiler:
    def __init__(self, store: Store, table: Entity, text: str, label: str) -> None:
        self.store = store
        self.table = table
        self.text = text
        self.label = label
        self.params: list[Any] = []
        self._now: datetime | None = None

    def fail(self, column: int, reason: str) -> QueryError:
        return QueryError(self.text, column, reason, self.label)

    def node(self, node: Node) -> str:
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Not):
            inner = self.node(node.node)
            # An AND/OR comes in its own parentheses: no second pair (see _simplified).
            return f"NOT {inner}" if isinstance(node.node, And | Or) else f"NOT ({inner})"
        joiner = " AND " if isinstance(node, And) else " OR "
        return _joined([self.node(n) for n in node.nodes], joiner)

    # -- terms ---------------------------------------------------------------------------

    def term(self, term: Term) -> str:
        if term.field is None:
            return self.free_text(term)
        if term.field.lower() == "has":
            return self.has(term)
        field = self.table.field(term.field)
        if field is None:
            raise self.fail(
                term.column,
                f"unknown field {term.field!r} for {self.table.name} "
                f"(fields: {', '.join([*self.table.names, 'has'])})",
            )
        cond = self.condition(field, term)
        return self.within(field, cond)

    def within(self, field: Field, cond: str) -> str:
        """A condition on a many-valued field wrapped in its membership test."""
        return field.exists.format(cond=cond) if field.exists else cond

    def free_text(self, term: Term) -> str:
        """A bare word or "phrase": any of the list's free-text fields matches it."""
        parts = []
        for name in self.table.free_text:
            field = self.table.field(name)
            assert field is not None, name
            parts.append(self.within(field, self.condition(field, term)))
        return "(" + " OR ".join(parts) + ")"

    def has(self, term: Term) -> str:
        """`has:FIELD`: the record has a value in that field (some tag, an email...)."""
        field = self.table.field(term.value)
        if field is None or term.op != ":":
            raise self.fail(
                term.value_column,
                f"has: takes a field of {self.table.name} "
                f"({', '.join(self.table.names)}), not {term.value!r}",
            )
        if field.kind == "place":
            cond = self._place(field, f"{fold_sql(self.store, '{part}')} <> ''")
        elif field.kind in ("text", "folded", "company", "like", "key"):
            cond = f"({field.column} IS NOT NULL AND {field.column} <> '')"
        else:
            cond = f"{field.column} IS NOT NULL"
        return self.within(field, cond)

    def condition(self, field: Field, term: Term) -> str:
        kind = field.kind
        if kind in ("text", "folded", "company", "place"):
            return self.words(field, term)
        if kind == "key":
            return self.key(field, term)
        if kind == "like":
            self.no_comparison(field, term)
            piece = term.value.strip().lower()
            if not piece:
                return NOTHING
            self.params.append(f"%{escape_like(piece)}%")
            return f"({field.column} IS NOT NULL AND {field.column} LIKE ?{_ESCAPE})"
        if kind == "bool":
            self.no_comparison(field, term)
            word = term.value.strip().lower()
            if word not in _TRUE + _FALSE:
                raise self.fail(
                    term.value_column, f"{field.name}: is yes or no, not {term.value!r}"
                )
            self.params.append(word in _TRUE)
            return f"{field.column} = ?"
        if kind in ("number", "amount", "date", "stamp"):
            if term.op == "..":
                parts = []
                if term.value:
                    parts.append(self.compare(field, term, ">=", term.value, term.value_column))
                if term.high:
                    at = term.value_column + len(term.value) + 2
                    parts.append(self.compare(field, term, "<=", term.high, at))
                return "(" + " AND ".join(parts) + ")"
            return self.compare(field, term, term.op, term.value, term.value_column)
        raise AssertionError(kind)  # pragma: no cover - fields.py names only these kinds

    def no_comparison(self, field: Field, term: Term) -> None:
        if term.op in (">", ">=", "<", "<=", ".."):
            column = term.column + len(term.field or "") + 1
            raise self.fail(column, f"{field.name}: is matched as text: it takes no > < or ..")

    # -- text ----------------------------------------------------------------------------

    def words(self, field: Field, term: Term) -> str:
        self.no_comparison(field, term)
        company = field.kind == "company"
        value = " ".join(company_words(term.value)) if company else fold(term.value)
        if not value:
            return NOTHING  # nothing to look for: `%`, `_`, punctuation alone
        if field.kind == "place":
            if term.op == "=":
                self.params.append(value)
                return self._place(field, f"{fold_sql(self.store, '{part}')} = ?")
            self.params.append(f"% {escape_like(value)}%")
            return self._place(field, f"' ' || {fold_sql(self.store, '{part}')} LIKE ?{_ESCAPE}")
        column = field.column
        folded = column if field.kind in ("folded", "company") else fold_sql(self.store, column)
        if term.op == "=":
            self.params.append(value)
            return f"({column} IS NOT NULL AND {folded} = ?)"
        self.params.append(f"% {escape_like(value)}%")
        return f"({column} IS NOT NULL AND ' ' || {folded} LIKE ?{_ESCAPE})"

    def _place(self, field: Field, test: str) -> str:
        """A test on one part of any address in a JSON list (`{part}` in `test`)."""
        column, key = field.column, field.part
        if self.store.dialect.name == "sqlite":
            part = f"json_extract(CASE WHEN qa.type = 'object' THEN qa.value END, '$.{key}')"
            source = f"json_each(CASE WHEN json_valid({column}) THEN {column} ELSE '[]' END) qa"
        else:
            part = f"(qa.value ->> '{key}')"
            source = (
                f"jsonb_array_elements(CASE WHEN jsonb_typeof({column}::jsonb) = 'array' "
                f"THEN {column}::jsonb ELSE '[]'::jsonb END) qa"
            )
        cond = test.replace("{part}", part)
        return f"({column} IS NOT NULL AND EXISTS (SELECT 1 FROM {source} WHERE {cond}))"

    def key(self, field: Field, term: Term) -> str:
        self.no_comparison(field, term)
        raw = term.value.strip()
        value = {"lower": raw.lower(), "upper": raw.upper(), "fold": fold(raw)}.get(field.case, raw)
        if field.choices and value not in field.choices:
            raise self.fail(
                term.value_column,
                f"unknown {field.name} {term.value!r} (one of {', '.join(field.choices)})",
            )
        if not value:
            return NOTHING
        self.params.append(value)
        return f"({field.column} IS NOT NULL AND {field.column} = ?)"

    # -- numbers, money, time ------------------------------------------------------------

    def compare(self, field: Field, term: Term, op: str, text: str, column: int) -> str:
        op = "=" if op == ":" else op
        if field.kind == "number":
            if not re.fullmatch(r"\d{1,15}", text.strip()):
                raise self.fail(column, f"{field.name}: takes a whole number, not {text!r}")
            self.params.append(int(text))
            return f"({field.column} IS NOT NULL AND {field.column} {op} ?)"
        if field.kind == "amount":
            return self.amount(field, op, text, column)
        # A day out of the calendar's range is shown from the operator on (`>0001-01-01`):
        # the bound it turns into is what cannot be written, not the day itself.
        edge = column if term.op == ".." else term.column + len(term.field or "") + 1
        return self.moment(field, op, text, column, edge)

    def amount(self, field: Field, op: str, text: str, column: int) -> str:
        """An amount in each record's own currency: minor units by the currency's digits."""
        from crmcli.core.values.money import CURRENCIES, exponent

        match = _AMOUNT.fullmatch(text.strip())
        if match is None:
            raise self.fail(
                column, f"{field.name}: takes an amount such as 10k, 2.5m or 1200.50, not {text!r}"
            )
        whole, frac, suffix = match.groups()
        try:
            value = Decimal(f"{whole}.{frac or 0}") * _MULTIPLIER[(suffix or "").lower()]
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            raise self.fail(column, f"cannot read {text!r} as an amount") from None
        by_digits: dict[int, list[str]] = {}
        for code in sorted(CURRENCIES):
            digits = exponent(code)
            if digits != 2:
                by_digits.setdefault(digits, []).append(code)
        branches = []
        for digits, codes in sorted(by_digits.items()):
            listed = ", ".join(f"'{code}'" for code in codes)  # ISO codes, never user text
            branches.append(
                f"WHEN {field.currency} IN ({listed}) THEN {self._minor(field, op, value, digits)}"
            )
        otherwise = self._minor(field, op, value, 2)
        return f"({field.column} IS NOT NULL AND (CASE {' '.join(branches)} ELSE {otherwise} END))"

    def _minor(self, field: Field, op: str, value: Decimal, digits: int) -> str:
        """`column op value` in minor units of a currency with `digits` decimals; a value
        between two minor units (0.5 JPY) is compared exactly, never rounded."""
        minor = value.scaleb(digits)
        whole = int(minor)  # toward zero; values are never negative
        if minor == whole:
            self.params.append(whole)
            return f"{field.column} {op} ?"
        if op == "=":
            return NOTHING
        # x > 10.5 is x > 10; x >= 10.5 is x > 10; x < 10.5 is x <= 10; x <= 10.5 is x <= 10
        self.params.append(whole)
        return f"{field.column} {'>' if op in ('>', '>=') else '<='} ?"

    def now(self) -> datetime:
        if self._now is None:
            from crmcli.core import clock

            self._now = clock.now()
        return self._now

    def moment(self, field: Field, op: str, text: str, column: int, edge: int) -> str:
        """A date or stamp column against a day, an instant or an age.

        A day at the calendar's ends (9999-12-31, 0001-01-01) has a local midnight that
        cannot be written in UTC: an error at `edge`, not Python's OverflowError.
        """
        from crmcli.core import clock

        col = field.column
        age = _AGE.fullmatch(text.strip())
        if age is not None:
            if op == "=":
                raise self.fail(
                    column,
                    f"an age needs > or <: {field.name}:>{text} (longer ago than {text}) or "
                    f"{field.name}:<{text} (within the last {text})",
                )
            count, unit = int(age.group(1)), age.group(2).lower()
            delta = (
                timedelta(hours=count) if unit == "h" else timedelta(days=count * _AGE_DAYS[unit])
            )
            try:
                cutoff_instant = self.now() - delta
            except OverflowError:
                raise self.fail(column, f"{text!r} is too long ago") from None
            if field.kind == "stamp":
                cutoff = clock.stamp(cutoff_instant)
            else:
                cutoff = clock.local(cutoff_instant).date().isoformat()
            # Older than the age is before the cutoff: the comparison turns around.
            self.params.append(cutoff)
            return f"({col} IS NOT NULL AND {col} {_FLIP[op]} ?)"
        from crmcli.core.values.when import parse_with_config

        try:
            when = parse_with_config(
                text, self.store.config, "future", now=self.now().astimezone(clock.local_zone())
            )
        except Invalid as exc:
            raise self.fail(column, f"{field.name}: {exc.message}") from None
        except OverflowError:
            raise self.fail(edge, self._out_of_range(field, text)) from None
        day = when.date
        if field.kind == "date":
            self.params.append(day.isoformat())
            return f"({col} IS NOT NULL AND {col} {op} ?)"
        zone = clock.local_zone()
        try:
            if when.time is not None and op != "=":
                self.params.append(clock.stamp(when.instant(zone).astimezone(UTC)))
                return f"({col} IS NOT NULL AND {col} {op} ?)"
            start = clock.stamp(datetime.combine(day, datetime.min.time(), zone).astimezone(UTC))
            end = clock.stamp(
                datetime.combine(day + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
            )
        except OverflowError:
            raise self.fail(edge, self._out_of_range(field, text)) from None
        if op == "=":
            self.params += [start, end]
            return f"({col} IS NOT NULL AND {col} >= ? AND {col} < ?)"
        bound, sign = {">": (end, ">="), ">=": (start, ">="), "<": (start, "<"), "<=": (end, "<")}[
            op
        ]
        self.params.append(bound)
        return f"({col} IS NOT NULL AND {col} {sign} ?)"

    def _out_of_range(self, field: Field, text: str) -> str:
        return f"{field.name}: {text!r} is out of range: give a day from 0001-01-02 to 9999-12-30"
