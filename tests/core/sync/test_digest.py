"""Digest answers checked against RFC 7616's own worked example (section 3.9.1)."""

from __future__ import annotations

import pytest

from crmcli.core.sync.digest import Digest, challenge

NONCE = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
OPAQUE = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_the_rfc_example(algorithm: str, expected: str) -> None:
    offered = (
        f'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, '
        f'nonce="{NONCE}", opaque="{OPAQUE}"'
    )
    params = challenge([offered])
    assert params is not None
    header = Digest(params, "Mufasa", "Circle of Life").authorization(
        "GET", "/dir/index.html", cnonce=CNONCE
    )
    assert f'response="{expected}"' in header
    assert "nc=00000001" in header and f'opaque="{OPAQUE}"' in header and "qop=auth," in header


def test_challenges_we_cannot_answer_are_skipped() -> None:
    assert challenge(['Basic realm="x"']) is None
    assert challenge(['Digest realm="x", nonce="n", algorithm=SHA-512-256']) is None
    assert challenge(['Digest realm="x", nonce="n", qop="auth-int"']) is None
    # Basic and Digest in one header, the usable one found; parameters unquoted.
    params = challenge(['Basic realm="b", Digest realm="a \\"q\\"", nonce="n1", stale=TRUE'])
    assert params == {"realm": 'a "q"', "nonce": "n1", "stale": "TRUE"}
    assert Digest(params, "u", "p").stale


def test_each_use_of_a_nonce_is_counted() -> None:
    digest = Digest({"realm": "r", "nonce": "n", "qop": "auth"}, "u", "p")
    first, second = digest.authorization("GET", "/a"), digest.authorization("GET", "/a")
    assert "nc=00000001" in first and "nc=00000002" in second
    plain = Digest({"realm": "r", "nonce": "n"}, "u", "p").authorization("GET", "/a")
    assert "qop" not in plain and "nc=" not in plain
