"""Asking before destroying: --yes goes ahead, a terminal is asked, a script is refused."""

from __future__ import annotations

import io
import sys

import pytest
import typer

from crmcli.commands._confirm import confirm, confirm_by_typing, offer
from crmcli.core.errors import Refused


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _answers(monkeypatch: pytest.MonkeyPatch, *, tty: bool, answer: object = None) -> list[str]:
    """stdin as a terminal or a pipe; typer's questions answered with `answer`."""
    asked: list[str] = []
    monkeypatch.setattr(sys, "stdin", _Terminal() if tty else io.StringIO())

    def reply(question: str, **kwargs: object) -> object:
        asked.append(question)
        return answer

    monkeypatch.setattr(typer, "confirm", reply)
    monkeypatch.setattr(typer, "prompt", reply)
    return asked


def test_yes_goes_ahead_without_asking(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _answers(monkeypatch, tty=False)
    confirm("Merge?", yes=True, not_doing="not merging", declined="not merged")
    confirm_by_typing(
        "Type it", yes=True, not_doing="not erasing", matches=lambda _: False, declined="no"
    )
    assert asked == []


def test_without_a_terminal_nothing_is_destroyed(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _answers(monkeypatch, tty=False)
    with pytest.raises(Refused) as refused:
        confirm("Merge?", yes=False, not_doing="not merging", declined="not merged")
    assert refused.value.message == "not merging without --yes (no terminal to ask on)"
    with pytest.raises(Refused, match=r"^not erasing #1 Ann without --yes"):
        confirm_by_typing(
            "Type it", yes=False, not_doing="not erasing #1 Ann", matches=bool, declined="no"
        )
    assert asked == []


def test_on_a_terminal_the_answer_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _answers(monkeypatch, tty=True, answer=True)
    confirm("Delete #1 Ann?", yes=False, not_doing="not deleting", declined="not deleted")
    asked = _answers(monkeypatch, tty=True, answer=False)
    with pytest.raises(Refused, match=r"^not deleted$"):
        confirm("Delete #1 Ann?", yes=False, not_doing="not deleting", declined="not deleted")
    assert asked == ["Delete #1 Ann?"]


def test_typing_the_name_back(monkeypatch: pytest.MonkeyPatch) -> None:
    _answers(monkeypatch, tty=True, answer="ann lee")
    confirm_by_typing(
        "Type their name",
        yes=False,
        not_doing="not erasing",
        matches=lambda typed: typed.title() == "Ann Lee",
        declined="the name did not match; nothing erased",
    )
    _answers(monkeypatch, tty=True, answer="bob")
    with pytest.raises(Refused, match="the name did not match; nothing erased"):
        confirm_by_typing(
            "Type their name",
            yes=False,
            not_doing="not erasing",
            matches=lambda typed: typed == "Ann Lee",
            declined="the name did not match; nothing erased",
        )


def test_an_offer_defaults_to_no(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def reply(question: str, **kwargs: object) -> bool:
        seen.update(kwargs, question=question)
        return False

    monkeypatch.setattr(typer, "confirm", reply)
    assert offer("Merge?") is False
    assert seen == {"question": "Merge?", "default": False}
