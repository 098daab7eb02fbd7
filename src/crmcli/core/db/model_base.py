"""What every model shares: the autoincrement flag and the columns of an owned record.

Its own module so that the schema's two model modules (`models`, `models_automation`)
both build on it without importing each other.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

AUTOINC = {"sqlite_autoincrement": True}


class Owned(SQLModel):
    """Columns every record carries: who owns it, its row version and its times."""

    owner: str = Field(default="me", index=True)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: str
    updated_at: str
