"""A small OpenID Connect provider for the sign-in tests: the council's identity provider as the
dashboard meets it, on 127.0.0.1, with no network beyond that.

It does what Streamlit's ``st.login`` (Authlib) asks of a provider: discovery
(``/.well-known/openid-configuration``), the authorisation code flow with PKCE (S256), a signed
ID token (RS256, keys at ``/jwks``) carrying the nonce, and ``/userinfo``. Its sign-in page is a
form asking for a user name (any name signs in, as that user: ``sub`` is the name, ``email``
``name@council.example``), so a test can sign in as Alice in one browser and as Bob in another.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "csc-sim-dashboard"
CLIENT_SECRET = "a-test-secret-not-used-anywhere-else"


class Provider:
    """The provider's state: its key, the codes it handed out and the tokens it issued."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.sign_ins: list[str] = []
        self.issuer = ""
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        """Serve on a free port of 127.0.0.1 in a thread; returns the issuer URL."""
        provider = self

        class Handler(_Handler):
            state = provider

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.issuer

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def metadata(self) -> dict[str, Any]:
        i = self.issuer
        return {
            "issuer": i,
            "authorization_endpoint": f"{i}/authorize",
            "token_endpoint": f"{i}/token",
            "userinfo_endpoint": f"{i}/userinfo",
            "jwks_uri": f"{i}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iss", "email", "name"],
        }

    def claims(self, user: str) -> dict[str, Any]:
        return {
            "iss": self.issuer,
            "sub": user,
            "email": f"{user.lower()}@council.example",
            "name": user,
            "email_verified": True,
        }

    def id_token(self, user: str, nonce: str | None) -> str:
        now = int(time.time())
        claims = {**self.claims(user), "aud": CLIENT_ID, "iat": now, "exp": now + 600}
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class _Handler(BaseHTTPRequestHandler):
    state: Provider

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read their own output
        pass

    def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: dict[str, Any], status: int = 200) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self._json(self.state.metadata())
        elif url.path == "/jwks":
            self._json({"keys": [self.state.key.as_dict(private=False)]})
        elif url.path == "/authorize":
            self._sign_in_form(query)
        elif url.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            user = self.state.tokens.get(token)
            if user is None:
                self._json({"error": "invalid_token"}, 401)
            else:
                self._json(self.state.claims(user["user"]))
        else:
            self._json({"error": "not_found"}, 404)

    def _sign_in_form(self, query: dict[str, str]) -> None:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            self._json({"error": "unauthorized_client"}, 400)
            return
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        page = (
            "<!doctype html><title>Council sign-in</title><h1>Council sign-in</h1>"
            f'<form method="post" action="/authorize">{hidden}'
            '<label>User name <input name="username" autofocus></label>'
            '<button type="submit">Sign in</button></form>'
        )
        self._send(200, page.encode(), "text/html; charset=utf-8")

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode()
        return {k: v[0] for k, v in parse_qs(body).items()}

    def do_POST(self) -> None:
        url = urlparse(self.path)
        form = self._form()
        if url.path == "/authorize":
            code = secrets.token_urlsafe(16)
            self.state.codes[code] = {"user": form["username"], **form}
            self.state.sign_ins.append(form["username"])
            back = {"code": code, "state": form.get("state", "")}
            target = f"{form['redirect_uri']}?{urlencode(back)}"
            self._send(302, b"", "text/plain", {"Location": target})
        elif url.path == "/token":
            self._token(form)
        else:
            self._json({"error": "not_found"}, 404)

    def _client_ok(self, form: dict[str, str]) -> bool:
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            pair = base64.b64decode(basic[6:]).decode()
            client, _, secret = pair.partition(":")
        else:
            client, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client == CLIENT_ID and secret == CLIENT_SECRET

    def _token(self, form: dict[str, str]) -> None:
        grant = self.state.codes.pop(form.get("code", ""), None)
        if not self._client_ok(form) or grant is None:
            self._json({"error": "invalid_grant"}, 400)
            return
        challenge = grant.get("code_challenge")
        if challenge and _s256(form.get("code_verifier", "")) != challenge:
            self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
            return
        access = secrets.token_urlsafe(24)
        self.state.tokens[access] = {"user": grant["user"]}
        self._json(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 600,
                "scope": grant.get("scope", "openid"),
                "id_token": self.state.id_token(grant["user"], grant.get("nonce")),
            }
        )
