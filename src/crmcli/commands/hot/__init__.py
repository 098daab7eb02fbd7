"""The hot commands' bodies: plain functions of parsed values, importing no Typer.

Each takes the command's `AppState` and the values its Typer declaration (in
`commands/`) parsed, and returns the exit code. Each runs two ways: called by that
declaration, a one-line wrapper, and by the fast path (`crmcli.fastpath`), which reads
well-formed command lines itself from a spec generated from the declarations.
Import-linter holds this package off typer, click and pydantic.
"""
