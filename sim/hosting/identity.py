"""Who is using the dashboard: a person signed in through the council's identity provider, or,
on a laptop without sign-in, the one local user.

A person is known by the identity provider's issuer and subject (OpenID Connect's ``iss`` and
``sub``: stable, unlike a name or an e-mail address); the name shown is their display name or
e-mail address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class User:
    """A person using the dashboard: ``key`` identifies them, ``name`` is shown to colleagues."""

    key: str
    name: str


#: The one user of a dashboard run without sign-in (a laptop).
LOCAL_USER = User(key="local", name="you (this computer)")


def user_from_claims(claims: Mapping[str, Any]) -> User:
    """The user an OpenID Connect sign-in names (its ID token's claims, as ``st.user`` holds
    them).

    Raises
    ------
    ValueError
        when the claims have no subject (``sub``): nobody can be told apart without it.
    """
    sub = str(claims.get("sub") or "").strip()
    if not sub:
        raise ValueError(
            "the identity provider's sign-in has no subject (sub claim): the dashboard cannot "
            "tell users apart without it; check the provider's OpenID Connect settings"
        )
    issuer = str(claims.get("iss") or "").strip()
    name = str(claims.get("name") or claims.get("email") or sub).strip()
    return User(key=f"{issuer}|{sub}" if issuer else sub, name=name)
