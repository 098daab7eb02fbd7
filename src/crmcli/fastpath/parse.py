"""A hot command's line read as Typer would read it, or declined.

Only what is certain is read: the command's words, then its options as the spec
spells them (`--limit 5`, `--limit=5`, `-n 5`, flags alone), values that are
checked as cheaply as Typer checks them (a plain whole number within bounds, one
of an enum's choices written exactly) and its arguments, each given or left to its
default. Anything else is declined (None), for Typer to run, explain or refuse:
help, completion, `--`, an unknown or abbreviated option, a short option glued to
its value (`-n5`), a flag given a value, a number with a sign, a choice in capitals,
a missing or extra argument. Declining is always safe; reading a line differently
from Typer never is, which is why every case the code reads mirrors the vendored
click parser (values taken whatever they look like, the last of a repeated option
winning, arguments and options in any order) and the rest is declined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from crmcli.argv import hoist_db
from crmcli.fastpath.spec import COMMANDS, DECLINE

if TYPE_CHECKING:
    from crmcli.fastpath.shapes import Param


class Call(NamedTuple):
    """A command line read: the body to run, the database named, the values by name."""

    run: str
    db: str | None
    values: dict[str, object]


class Declined(Exception):
    """The line is not one the fast path reads with certainty."""


# A whole number Typer reads as the same int: digits only, no sign, no leading zero,
# and short enough to be an int anywhere.
_MAX_DIGITS = 18


def parse(argv: list[str]) -> Call | None:
    """The hot command this line runs, with its values; None to leave it to Typer."""
    if any(word in DECLINE for word in argv):
        return None
    words = hoist_db(argv)  # as the CLI does, so --db may come anywhere before `--`
    db: str | None = None
    while words and (words[0] == "--db" or words[0].startswith("--db=")):
        if words[0] == "--db":
            if len(words) < 2:
                return None  # no value: Typer's error to give
            db, words = words[1], words[2:]
        else:
            db, words = words[0].removeprefix("--db="), words[1:]
    if not words:
        return None
    name, rest = command_name(words)
    if name is None:
        return None
    try:
        values = _values(name, rest)
    except Declined:
        return None
    return Call(COMMANDS[name]["run"], db, values)


def command_name(words: list[str]) -> tuple[str | None, list[str]]:
    """The hot command the words start with ("find", "contact show"), and the words after.

    A group and its command are two words: "contact show" as one word is no command.
    """
    if not words or " " in words[0]:
        return None, words
    if words[0] in COMMANDS:
        return words[0], words[1:]
    name = " ".join(words[:2])
    return (name, words[2:]) if len(words) > 1 and name in COMMANDS else (None, words)


def _values(name: str, words: list[str]) -> dict[str, object]:
    """Every parameter's value, from the words after the command's name."""
    command = COMMANDS[name]
    params, options = command["params"], command["options"]
    values = {key: param["default"] for key, param in params.items() if "default" in param}
    positional: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if len(word) < 2 or word[0] != "-":  # `-` alone is an argument, as for click
            positional.append(word)
            continue
        spelling, equals, attached = word.partition("=") if word[1] == "-" else (word, "", "")
        if spelling not in options:
            raise Declined
        key, flag = options[spelling]
        if flag is not None:
            if equals:
                raise Declined  # a flag given a value: Typer's error to give
            values[key] = flag
            continue
        if equals:
            text = attached
        elif i < len(words):
            text, i = words[i], i + 1  # whatever it looks like, as click takes it
        else:
            raise Declined
        values[key] = value_of(params[key], text)
    arguments = command["arguments"]
    if len(arguments) == 1 and params[arguments[0]].get("many"):
        if not positional:
            raise Declined
        values[arguments[0]] = [value_of(params[arguments[0]], w) for w in positional]
        return values
    if len(positional) > len(arguments):
        raise Declined
    for key, word in zip(arguments, positional, strict=False):
        values[key] = value_of(params[key], word)
    if any(params[key]["required"] for key in arguments[len(positional) :]):
        raise Declined
    return values


def value_of(param: Param, text: str) -> object:
    """The value Typer would pass for `text`, or Declined where it might differ."""
    kind = param["kind"]
    if kind == "str":
        return text
    if kind == "int":
        if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
            raise Declined
        if len(text) > 1 and text[0] == "0":
            raise Declined
        number = int(text)
        low, high = param["min"], param["max"]
        if (low is not None and number < low) or (high is not None and number > high):
            raise Declined  # Typer's range error to give
        return number
    if kind == "enum" and text in param["choices"]:
        module, _, cls = param["enum"].partition(":")
        return getattr(__import__(module, fromlist=[cls]), cls)(text)
    raise Declined
