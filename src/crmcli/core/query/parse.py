"""Reading a `--where` query into a tree: a tokenizer and a recursive-descent parser.

    query  := or EOF
    or     := and ("OR" and)*
    and    := unary (["AND"] unary)*        two terms side by side are ANDed
    unary  := "NOT" unary | "-" unary | "(" or ")" | term
    term   := FIELD ":" [">" | ">=" | "<" | "<=" | "="] VALUE | VALUE
    VALUE  := a bare word | "a quoted phrase" | LOW..HIGH (either end may be left out)

`OR`, `AND` and `NOT` are operators in capitals only: a lower-case "or" is a word to look
for. AND binds tighter than OR: `a b OR c` is `(a AND b) OR c`. A field name is letters,
digits, `.` and `_`, starting with a letter, right before its colon (`deal.stage:`); put
text with a colon in quotes to look for it as text. Every error names the column (1-based)
where reading stopped, and shows the query with a caret under it.

A query nests at most `MAX_DEPTH` levels of parentheses, NOT and `-`, and holds at most
`MAX_TERMS` terms: past either, an error at the column where the limit was crossed (never
Python's recursion limit, nor an engine's expression limit, which differ between SQLite
and PostgreSQL).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from crmcli.core.errors import Invalid

OPERATORS = (">=", "<=", ">", "<", "=")
KEYWORDS = ("OR", "AND", "NOT")
_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_.]*(?=:)")
_STOP = frozenset('()"')  # a bare word ends at white space, a parenthesis or a quote
# Levels of "(", NOT and "-". SQLite's parser (the one Python ships with) has a stack of
# ~100: each level the compiler cannot flatten (NOT NOT, an AND in an AND) costs it about
# four, and a query 22 levels deep no longer runs there while PostgreSQL answers it.
MAX_DEPTH = 12
MAX_TERMS = 1000  # terms in one query: bounds the SQL and its parameters on either engine


def _cells(text: str) -> int:
    """Terminal cells `text` takes: 2 for a wide (CJK, emoji) character, 0 for a combining
    mark, else 1, so the caret stands under the right character."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


class QueryError(Invalid):
    """A query that cannot be read: the column, why, and the query with a caret under it.

    `headline` is the one line (for a tool error); `message` adds the query and the caret
    line under it, which the CLI prints after `crm: `.
    """

    multiline = True

    def __init__(self, query: str, column: int, reason: str, label: str = "--where") -> None:
        self.query = query
        self.column = column
        self.reason = reason
        self.headline = f"cannot read {label} at column {column}: {reason}"
        # Control characters (a tab, a newline) shown as spaces keep the caret in place.
        shown = "".join(" " if ch < " " or ch == "\x7f" else ch for ch in query)
        pad = " " * _cells(shown[: column - 1])
        super().__init__(f"{self.headline}\n  {shown}\n  {pad}^")


@dataclass(frozen=True)
class Term:
    """One condition: `field:op value` (field None for free text), where it was written.

    `op` is ":" (matches), one of OPERATORS, or ".." for a range `low..high` (either end
    may be empty). `column` is the term's first column, `value_column` its value's.
    """

    field: str | None
    op: str
    value: str
    high: str | None
    column: int
    value_column: int
    quoted: bool = False

    @property
    def written(self) -> str:
        """The term's field and operator as typed, for messages: `tag:`, `amount:>`."""
        if self.field is None:
            return repr(self.value)
        return f"{self.field}:{'' if self.op in (':', '..') else self.op}"


@dataclass(frozen=True)
class Not:
    node: Node
    column: int


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Not | And | Or


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "-", "OR", "AND", "NOT", "term", "end"
    column: int
    term: Term | None = None


class _Lexer:
    def __init__(self, text: str, label: str) -> None:
        self.text = text
        self.label = label
        self.at = 0

    def fail(self, index: int, reason: str) -> QueryError:
        return QueryError(self.text, index + 1, reason, self.label)

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        text = self.text
        while True:
            while self.at < len(text) and text[self.at].isspace():
                self.at += 1
            if self.at >= len(text):
                out.append(_Token("end", len(text) + 1))
                return out
            start = self.at
            char = text[start]
            if char in "()":
                self.at += 1
                out.append(_Token(char, start + 1))
            elif char == "-":
                self.at += 1
                if self.at >= len(text) or text[self.at].isspace():
                    raise self.fail(start, "expected a term right after '-' (no space between)")
                out.append(_Token("-", start + 1))
            elif char == '"':
                value = self._quoted()
                out.append(_Token("term", start + 1, Term(None, ":", value, None, start + 1,
                                                          start + 1, quoted=True)))  # fmt: skip
            else:
                out.append(self._word(start))

    def _quoted(self) -> str:
        """A "quoted phrase" from the quote at `self.at`; \\" and \\\\ inside are escapes."""
        start = self.at
        self.at += 1
        out: list[str] = []
        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if char == "\\" and self.at + 1 < len(text) and text[self.at + 1] in '"\\':
                out.append(text[self.at + 1])
                self.at += 2
                continue
            if char == '"':
                self.at += 1
                return "".join(out)
            out.append(char)
            self.at += 1
        raise self.fail(start, 'this quote is never closed: end the phrase with another "')

    def _bare(self) -> str:
        start = self.at
        text = self.text
        while self.at < len(text) and not text[self.at].isspace() and text[self.at] not in _STOP:
            self.at += 1
        return text[start : self.at]

    def _word(self, start: int) -> _Token:
        text = self.text
        field = _FIELD.match(text, start)
        if field is None:
            word = self._bare()
            if word in KEYWORDS:
                return _Token(word, start + 1)
            return _Token("term", start + 1, Term(None, ":", word, None, start + 1, start + 1))
        name = field.group()
        self.at = field.end() + 1  # past the colon
        op = ":"
        for candidate in OPERATORS:
            if text.startswith(candidate, self.at):
                op = candidate
                self.at += len(candidate)
                break
        value_at = self.at
        after = f"'{name}:{'' if op == ':' else op}'"
        if self.at < len(text) and text[self.at] == '"':
            value, quoted = self._quoted(), True
        else:
            value, quoted = self._bare(), False
            if not value:
                raise self.fail(value_at, f"expected a value after {after}")
        high: str | None = None
        if not quoted and ".." in value:
            if op != ":":
                raise self.fail(value_at, f"a range low..high takes no {op!r} before it")
            low, _, high = value.partition("..")
            if not low and not high:
                raise self.fail(value_at, "a range needs a low end, a high end, or both")
            if ".." in high:
                raise self.fail(value_at + len(low) + 2 + high.index(".."), "one '..' per range")
            value, op = low, ".."
        term = Term(name, op, value, high, start + 1, value_at + 1, quoted)
        return _Token("term", start + 1, term)


class _Parser:
    def __init__(self, text: str, label: str) -> None:
        self.lexer = _Lexer(text, label)
        self.tokens = self.lexer.tokens()
        self.at = 0
        self.opened: list[int] = []  # columns of the "(" still open
        self.depth = 0  # levels of "(", NOT and "-" around the current token
        self.terms = 0

    def fail(self, column: int, reason: str) -> QueryError:
        return self.lexer.fail(column - 1, reason)

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise self.fail(1, "the query is empty: give a term such as tag:vip")
        node = self.or_()
        token = self.token
        if token.kind == ")":
            raise self.fail(token.column, "this ')' closes no '('")
        assert token.kind == "end", token
        return node

    def or_(self) -> Node:
        nodes = [self.and_()]
        while self.token.kind == "OR":
            word = self.token
            self.at += 1
            nodes.append(self.and_(after=word))
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def and_(self, after: _Token | None = None) -> Node:
        nodes = [self.unary(after)]
        while self.token.kind not in ("OR", ")", "end"):
            word = None
            if self.token.kind == "AND":
                word = self.token
                self.at += 1
            nodes.append(self.unary(word))
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def unary(self, after: _Token | None = None) -> Node:
        token = self.token
        if token.kind in ("NOT", "-", "("):
            if self.depth >= MAX_DEPTH:
                raise self.fail(
                    token.column,
                    f"too deeply nested: at most {MAX_DEPTH} levels of parentheses, NOT and -",
                )
            self.depth += 1
            node = self.nested(token)
            self.depth -= 1
            return node
        if token.kind == "term":
            self.terms += 1
            if self.terms > MAX_TERMS:
                raise self.fail(token.column, f"too many terms: a query takes at most {MAX_TERMS}")
            self.at += 1
            assert token.term is not None
            return token.term
        if token.kind in ("OR", "AND") and after is None:
            raise self.fail(token.column, f"{token.kind} needs a term before it")
        if after is not None:
            shown = "-" if after.kind == "-" else after.kind
            raise self.fail(token.column, f"expected a term after '{shown}'")
        if token.kind == ")":
            raise self.fail(token.column, "this ')' closes no '('")
        raise self.fail(token.column, "expected a term")  # pragma: no cover - end handled above

    def nested(self, token: _Token) -> Node:
        """What follows a NOT, a `-` or a `(` (at `token`), one level deeper."""
        self.at += 1
        if token.kind in ("NOT", "-"):
            return Not(self.unary(token), token.column)
        self.opened.append(token.column)
        if self.token.kind == ")":
            raise self.fail(self.token.column, "expected a term between '(' and ')'")
        if self.token.kind == "end":
            raise self.fail(self.token.column, "expected a term after '('")
        node = self.or_()
        if self.token.kind != ")":
            raise self.fail(
                self.token.column, f"expected ')' to close the '(' at column {token.column}"
            )
        self.opened.pop()
        self.at += 1
        return node


def parse(text: str, *, label: str = "--where") -> Node:
    """The tree of a query; `QueryError` (exit 2) naming the column where reading stopped.

    `label` names the query in messages: `--where` for the CLI, `where` for a tool.
    """
    return _Parser(text, label).parse()
