"""The fast path: the hot commands' well-formed command lines, run without loading Typer.

`entry.py` asks it first; it reads argv against a spec generated from the Typer app
(`spec.py`, by tools/make_fast_spec.py), runs the command's body (`commands/hot/`) and
declines everything it does not fully understand, which Typer then runs as always.
May import the commands' bodies and the core; never typer, click, rich's console or
pydantic (import-linter).
"""
