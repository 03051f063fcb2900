"""A small, real OpenID Connect provider for the tests, built with Authlib's server side, served on 127.0.0.1.

Discovery (``/.well-known/openid-configuration``), the authorization endpoint (it signs in ``provider.person``
at once: no login form), the token endpoint (authorization code grant with PKCE required and the ID token of
OpenID Connect, RS256, with the nonce of the request) and the JWKS. The test can make it misbehave:

- ``provider.mode = "tampered"``: the ID token's payload is changed after signing (its signature no longer fits);
- ``provider.mode = "expired"``: the ID token expired ten minutes ago (past any clock leeway);
- ``provider.mode = "wrong-issuer"``: the ID token names another issuer;
- ``provider.discovery_issuer``: the issuer the discovery document names (an unknown issuer when changed).

``provider.codes_used`` counts codes exchanged; ``provider.last_authorize`` is the last authorization request's
query (the test checks the client sent PKCE S256, state and nonce).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.models import ClientMixin
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, request
from joserfc.jwk import KeySet, RSAKey


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: dict
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class Provider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"},
                                       private=True)
        self.codes: dict[str, Code] = {}
        self.clients: dict[str, Client] = {}
        self.person = {"sub": "alice-1", "email": "alice@acme.test", "email_verified": True, "name": "Alice"}
        self.mode = "ok"
        self.discovery_issuer: str | None = None
        self.codes_used = 0
        self.last_authorize: dict = {}
        self.url = ""
        self.app = self._make_app()

    @property
    def issuer(self) -> str:
        return self.url

    def add_client(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.clients[client_id] = Client(client_id, client_secret, [redirect_uri])

    def reset(self) -> None:
        self.mode, self.discovery_issuer = "ok", None
        self.person = {"sub": "alice-1", "email": "alice@acme.test", "email_verified": True, "name": "Alice"}

    # --- the Flask app with Authlib's authorization server --------------------------------------------

    def _make_app(self) -> Flask:
        provider = self
        app = Flask("test-oidc-provider")
        app.config["SECRET_KEY"] = "provider"

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post", "client_secret_basic"]

            def save_authorization_code(self, code, request):
                data = request.payload.data
                provider.codes[code] = Code(code, request.client.get_client_id(), request.payload.redirect_uri,
                                            request.scope, data.get("nonce"), data.get("code_challenge"),
                                            data.get("code_challenge_method"), request.user)

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.get_client_id() else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)
                provider.codes_used += 1

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IDToken(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client):
                return provider.key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": "test-key"}

            def get_client_claims(self, client):
                now = int(time.time())
                claims = {"iss": provider.issuer, "aud": [client.get_client_id()], "iat": now, "exp": now + 300}
                if provider.mode == "expired":
                    claims.update(iat=now - 1200, exp=now - 600, auth_time=now - 1200)
                if provider.mode == "wrong-issuer":
                    claims["iss"] = "https://evil.example"
                return claims

            def generate_user_info(self, user, scope):
                return UserInfo(**user)

        server = AuthorizationServer(app, query_client=lambda cid: provider.clients.get(cid),
                                     save_token=lambda token, request: None)
        server.register_grant(CodeGrant, [CodeChallenge(required=True), IDToken(require_nonce=True)])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = provider.url
            return jsonify(issuer=provider.discovery_issuer or provider.issuer,
                           authorization_endpoint=f"{base}/authorize", token_endpoint=f"{base}/token",
                           jwks_uri=f"{base}/jwks", response_types_supported=["code"],
                           subject_types_supported=["public"], id_token_signing_alg_values_supported=["RS256"],
                           code_challenge_methods_supported=["S256"], scopes_supported=["openid", "email", "profile"],
                           token_endpoint_auth_methods_supported=["client_secret_post", "client_secret_basic"])

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([provider.key]).as_dict(private=False))

        @app.get("/authorize")
        def authorize():
            provider.last_authorize = request.args.to_dict()
            person = dict(provider.person)
            grant = server.get_consent_grant(end_user=person)  # validates the request (PKCE, nonce, redirect URI)
            return server.create_authorization_response(grant=grant, grant_user=person)

        @app.post("/token")
        def token():
            response = server.create_token_response()
            if provider.mode == "tampered" and response.status_code == 200:
                body = json.loads(response.get_data())
                header, payload, signature = body["id_token"].split(".")
                claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
                claims["email"] = "mallory@acme.test"  # another person, with the signature of the real token
                forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
                body["id_token"] = ".".join([header, forged, signature])
                response.set_data(json.dumps(body))
            return response

        return app


def serve(provider: Provider):
    """Start the provider on a free port of 127.0.0.1 in a thread; returns (server, thread)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, provider.app, threaded=True)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
