"""A small but real OpenID Connect provider for tests, served on 127.0.0.1 by a thread.

Authorization-code flow with PKCE (S256) and client_secret_post/basic client authentication;
RS256 ID tokens signed with PyJWT; JWKS, userinfo. Knobs let a test make it misbehave (sign
with another key, answer with another nonce or audience, claim another subject in userinfo).
"""

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "tinhso-test"
CLIENT_SECRET = "bi-mat-cua-ung-dung"


@functools.cache
def _key(name: str):
    # Generating RSA keys is slow; one pair per test session is enough.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Provider:
    claims: dict = field(default_factory=dict)  # what the person who signs in gives
    id_token_claims: dict = field(default_factory=dict)  # extra/overriding ID-token claims
    sign_with_wrong_key: bool = False
    userinfo_subject: str | None = None
    key: object = field(default_factory=lambda: _key("provider"))
    wrong_key: object = field(default_factory=lambda: _key("impostor"))
    kid: str = "khoa-1"
    codes: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    token_requests: list = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def issuer(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "Provider":
        provider = self

        class Handler(_Handler):
            pass

        Handler.provider = provider
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def jwks(self) -> dict:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def id_token(self, *, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": self.claims["sub"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": self.claims.get("name", ""),
            **self.id_token_claims,
        }
        key = self.wrong_key if self.sign_with_wrong_key else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})


class _Handler(BaseHTTPRequestHandler):
    provider: Provider

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/authorize":
            return self._authorize(query)
        if url.path == "/jwks":
            return self._json(200, self.provider.jwks())
        if url.path == "/userinfo":
            return self._userinfo()
        return self._json(404, {"error": "not_found"})

    def do_POST(self):
        if urlsplit(self.path).path != "/token":
            return self._json(404, {"error": "not_found"})
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        return self._token(form)

    def _authorize(self, query):
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return self._json(400, {"error": "invalid_request"})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return self._json(400, {"error": "invalid_request", "error_description": "PKCE"})
        code = secrets.token_urlsafe(16)
        self.provider.codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "challenge": query["code_challenge"],
        }
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _client_authenticated(self, form) -> bool:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        return client_id == CLIENT_ID and secret == CLIENT_SECRET

    def _token(self, form):
        self.provider.token_requests.append(form)
        if not self._client_authenticated(form):
            return self._json(401, {"error": "invalid_client"})
        grant = self.provider.codes.pop(form.get("code", ""), None)  # codes are single-use
        if grant is None or form.get("grant_type") != "authorization_code":
            return self._json(400, {"error": "invalid_grant"})
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._json(400, {"error": "invalid_grant", "error_description": "redirect"})
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
        access_token = secrets.token_urlsafe(24)
        self.provider.tokens[access_token] = dict(self.provider.claims)
        return self._json(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.provider.id_token(nonce=grant["nonce"]),
            },
        )

    def _userinfo(self):
        header = self.headers.get("Authorization", "")
        claims = self.provider.tokens.get(header.removeprefix("Bearer "))
        if claims is None:
            return self._json(401, {"error": "invalid_token"})
        if self.provider.userinfo_subject is not None:
            claims = {**claims, "sub": self.provider.userinfo_subject}
        return self._json(200, claims)
