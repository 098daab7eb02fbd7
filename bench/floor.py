"""The floor: a minimal Typer application, timed beside crm's hot commands.

Same Python, same Typer; two commands, one of which opens the SQLite database
and runs one query. A crm command cannot start faster than this, so the
benchmarks report each command as a ratio to it.
"""

import sqlite3

import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    print(f"hello {name}")


@app.command()
def query(db: str) -> None:
    conn = sqlite3.connect(db)
    print(conn.execute("SELECT count(*) FROM contact").fetchone()[0])


if __name__ == "__main__":
    app()
