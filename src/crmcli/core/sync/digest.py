"""HTTP Digest authentication (RFC 7616), for the DAV servers that ask for it instead of Basic.

Baïkal, among others, can be set to accept Digest only. A `Digest` answers one
server challenge (`WWW-Authenticate: Digest realm=..., nonce=..., qop=auth`) for
each request, counting its uses of the nonce as the RFC requires; MD5 and
SHA-256, with or without "-sess", and qop "auth" or none. The standard library
has the hashes; nothing else is needed.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable

_PARAM = re.compile(r'([A-Za-z][A-Za-z0-9_-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)')
_HASHES = {"MD5": "md5", "SHA-256": "sha256"}


def challenge(offered: Iterable[str]) -> dict[str, str] | None:
    """The parameters of the first Digest challenge among `WWW-Authenticate` values we can answer.

    A server may send several challenges (Basic and Digest), in one header or
    several; the parameter names come back lower-case, the values unquoted.
    """
    for header in offered:
        for part in re.split(r"(?i)(?:^|,)\s*(?=digest\s)", header):
            if not part.lower().startswith("digest "):
                continue
            params = {name.lower(): _unquoted(value) for name, value in _PARAM.findall(part[7:])}
            algorithm = params.get("algorithm", "MD5").upper()
            qops = {q.strip().lower() for q in params.get("qop", "").split(",") if q.strip()}
            if (
                algorithm.removesuffix("-SESS") in _HASHES
                and "nonce" in params
                and "realm" in params
                and (not qops or "auth" in qops)
            ):
                return params
    return None


class Digest:
    """Answers to one challenge, for one user; a new nonce needs a new `Digest`."""

    def __init__(self, params: dict[str, str], user: str, password: str) -> None:
        self.params = params
        self.user = user
        self.algorithm = params.get("algorithm", "MD5").upper()
        self.hash = _HASHES[self.algorithm.removesuffix("-SESS")]
        self.qop = "auth" if params.get("qop") else ""
        self.count = 0
        self._secret = f"{user}:{params['realm']}:{password}"

    @property
    def stale(self) -> bool:
        """Did the server refuse only because the nonce expired (retry with the new one)?"""
        return self.params.get("stale", "").lower() == "true"

    def authorization(self, method: str, uri: str, cnonce: str | None = None) -> str:
        """The Authorization header for `method` on `uri` (the path, as sent)."""
        self.count += 1
        nonce = self.params["nonce"]
        cnonce = cnonce or os.urandom(16).hex()
        count = f"{self.count:08x}"
        first = self._h(self._secret)
        if self.algorithm.endswith("-SESS"):
            first = self._h(f"{first}:{nonce}:{cnonce}")
        second = self._h(f"{method}:{uri}")
        if self.qop:
            answer = self._h(f"{first}:{nonce}:{count}:{cnonce}:{self.qop}:{second}")
        else:
            answer = self._h(f"{first}:{nonce}:{second}")
        fields = [
            f'username="{_escaped(self.user)}"',
            f'realm="{_escaped(self.params["realm"])}"',
            f'nonce="{_escaped(nonce)}"',
            f'uri="{_escaped(uri)}"',
            f'response="{answer}"',
            f"algorithm={self.algorithm}",
        ]
        if self.qop:
            fields += [f"qop={self.qop}", f"nc={count}", f'cnonce="{cnonce}"']
        if "opaque" in self.params:
            fields.append(f'opaque="{_escaped(self.params["opaque"])}"')
        return "Digest " + ", ".join(fields)

    def _h(self, text: str) -> str:
        return hashlib.new(self.hash, text.encode()).hexdigest()


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
