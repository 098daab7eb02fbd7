"""The bearer token that guards `crm mcp --http`: one secret in a 0600 file beside the config.

A client on the same machine sends it as `Authorization: Bearer TOKEN`; the server
refuses any request without it. It is generated on first use, rotated on request, and
read once when a server starts (a rotation takes effect at the next start). A token
file that others can read is refused, as ssh refuses a private key with loose modes:
the token gives the book to whoever holds it.
"""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

from crmcli.core import atomic
from crmcli.core.errors import Invalid, Refused

TOKEN_FILE = "mcp-token"
TOKEN_BYTES = 32  # 256 bits, 43 URL-safe characters


def token_path(config_file: Path) -> Path:
    """Where the token lives: beside the config file (`~/.config/crmcli/mcp-token`)."""
    return config_file.with_name(TOKEN_FILE)


def load_or_create(path: Path) -> tuple[str, bool]:
    """The token, made and stored first if there is none; and whether it was just made."""
    if not path.exists():
        return rotate(path), True
    return read(path), False


def read(path: Path) -> str:
    """The stored token; refused if the file is readable by others, or not a token."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a token"
        raise Invalid(f"cannot read the token file {path}: {reason}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise Refused(
            f"the token file {path} is open to other users (mode {stat.S_IMODE(mode):o}): "
            f"`chmod 600 {path}`, or `crm mcp --new-token` to replace it"
        )
    token = text.strip()
    if len(token) < 32 or not token.isascii() or not token.isprintable() or " " in token:
        raise Invalid(
            f"the token file {path} holds no usable token: `crm mcp --new-token` writes one"
        )
    return token


def rotate(path: Path) -> str:
    """A fresh token, replacing any before it (written whole, mode 0600)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(path, token + "\n")
    except OSError as exc:
        raise Invalid(f"cannot write the token file {path}: {exc.strerror}") from exc
    return token
