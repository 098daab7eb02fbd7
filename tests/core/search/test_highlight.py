"""A snippet reads the text only as far as it needs, and says what a full read says.

`highlight` cuts every search result's snippet (on both engines): it stops at the
window's end instead of splitting and folding a whole long email body. The property
below holds it to the whole-text reading it replaced, on random texts: matches at the
start, the end, none, several, texts shorter than the window, leading punctuation.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core.search.fulltext import highlight
from crmcli.core.values.text import fold

_WORD = re.compile(r"\w+")


def whole_text(text: str, words: list[str], *, width: int = 12) -> str:
    """The reading before: every word of the text split and folded."""
    tokens = list(_WORD.finditer(text))
    hits = [i for i, t in enumerate(tokens) if any(fold(t.group()).startswith(w) for w in words)]
    if not tokens:
        return text
    first = max(0, (hits[0] if hits else 0) - width // 3)
    last = min(len(tokens), first + width)
    first = max(0, last - width)
    start, end = tokens[first].start(), tokens[last - 1].end()
    out, at = [], start
    for i in range(first, last):
        token = tokens[i]
        out.append(text[at : token.start()])
        out.append(f"[{token.group()}]" if i in hits else token.group())
        at = token.end()
    out.append(text[at:end])
    prefix = "…" if start > 0 else ""
    suffix = "…" if last < len(tokens) else text[end:].rstrip()
    return " ".join((prefix + "".join(out) + suffix).split())


VOCABULARY = [
    "pricing",
    "Prix",
    "résumé",
    "Élan",
    "_x1",
    "12ab",
    "sent",
    "the",
    "quote",
    "call",
    "...",
    ",",
    "-",
    "\n",
]


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(st.sampled_from(VOCABULARY), max_size=60),
    words=st.lists(
        st.sampled_from(["pric", "resume", "quo", "zz", "the", "prix", "elan", "x1", "1"]),
        min_size=1,
        max_size=2,
    ),
    width=st.integers(1, 14),
    lead=st.sampled_from(["", " ", "… ", "("]),
)
def test_the_snippet_is_the_whole_texts_reading(
    parts: list[str], words: list[str], width: int, lead: str
) -> None:
    text = lead + " ".join(parts)
    assert highlight(text, words, width=width) == whole_text(text, words, width=width)


def test_a_long_body_is_read_only_to_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Words are folded up to the match and in the window, not through the whole body."""
    from crmcli.core.search import fulltext

    body = "lorem ipsum dolor sit amet " * 40_000 + "the pricing sheet"  # ~1 MB, match last
    early = "the pricing sheet " + "lorem ipsum dolor sit amet " * 40_000
    assert highlight(body, ["pric"]) == whole_text(body, ["pric"])
    assert highlight(early, ["pric"]) == whole_text(early, ["pric"])
    folded: list[str] = []

    def counting(text: str) -> str:
        folded.append(text)
        return fold(text)

    monkeypatch.setattr(fulltext, "fold", counting)
    assert highlight(early, ["pric"]).startswith("the [pricing] sheet lorem")
    assert len(folded) <= 2 * 12  # (the 200,003 words of the body: not one more window)
