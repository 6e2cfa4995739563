"""The OpenID Connect protocol, done by Authlib's Django client: the authorization request
(state, nonce and a PKCE S256 challenge, kept in the session), the code exchange, and the
ID token checked against the provider's published keys, its issuer, this client's id as the
audience, and the nonce.

The discovery document (and the keys) are fetched the first time a provider is used and kept
for `METADATA_FOR`; a provider that cannot be reached then is `ProviderUnavailable`, said on
the sign-in page, not a 500.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from authlib.integrations.django_client.apps import DjangoOAuth2App
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from joserfc.errors import JoseError

from pulserx.accounts.sso.config import ProviderConfig
from pulserx.accounts.sso.identities import ProviderIdentity

log = logging.getLogger(__name__)

SCOPE = "openid email profile"
METADATA_FOR = 3600.0  # seconds: a provider's new keys are fetched on an unknown key id anyway
_clients: dict[ProviderConfig, DjangoOAuth2App] = {}


class ProviderUnavailable(Exception):
    """The provider could not be asked (down, or its discovery document is not right)."""


class ProviderRefused(Exception):
    """The provider's answer was refused: an error it sent, a state or nonce that does not
    match this browser's sign-in, or an ID token that fails a check."""


def client_for(config: ProviderConfig) -> DjangoOAuth2App:
    client = _clients.get(config)
    loaded_at = client.server_metadata.get("_loaded_at", 0.0) if client else 0.0
    if client is None or (loaded_at and time.time() - loaded_at > METADATA_FOR):
        client = OAuth().register(
            name=f"oidc_{config.name}", client_id=config.client_id,
            client_secret=config.client_secret, server_metadata_url=config.discovery_url,
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                           "default_timeout": settings.PULSERX_OIDC_TIMEOUT.total_seconds()})
        _clients[config] = client
    return client


def discovered(config: ProviderConfig) -> dict[str, Any]:
    """The provider's discovery document, fetched once; its issuer must be the configured one
    (OpenID Connect Discovery 1.0 §4.3), since ID tokens are checked against it."""
    client = client_for(config)
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        log.warning("OpenID provider %s: discovery at %s failed: %s", config.name,
                    config.discovery_url, type(error).__name__)
        raise ProviderUnavailable(str(error)) from None
    issuer = metadata.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != config.issuer.rstrip("/"):
        client.server_metadata.pop("_loaded_at", None)  # ask again next time
        log.warning("OpenID provider %s: discovery names issuer %r, configured %r",
                    config.name, issuer, config.issuer)
        raise ProviderUnavailable("issuer mismatch")
    return metadata


def redirect_to_provider(request: HttpRequest, config: ProviderConfig,
                         redirect_uri: str) -> HttpResponse:
    discovered(config)
    try:
        response: HttpResponse = client_for(config).authorize_redirect(request, redirect_uri)
    except (requests.RequestException, ValueError, RuntimeError) as error:
        raise ProviderUnavailable(str(error)) from None
    return response


def identity_from_callback(request: HttpRequest, config: ProviderConfig) -> ProviderIdentity:
    """Exchange the callback's code and check the ID token; who it names."""
    metadata = discovered(config)
    client = client_for(config)
    returned_issuer = request.GET.get("iss")
    says_issuer = metadata.get("authorization_response_iss_parameter_supported") is True
    if returned_issuer != metadata["issuer"] and (returned_issuer or says_issuer):
        # RFC 9207: the answer names who sent it; another provider's answer (a mix-up) stops
        # here, before its code is sent anywhere.
        log.warning("OpenID provider %s: callback names another issuer", config.name)
        raise ProviderRefused("iss")
    try:
        token = client.authorize_access_token(request, claims_options={
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": config.client_id}})
        claims = token.get("userinfo")
        if not claims:  # Authlib checks the ID token only when the session held a nonce
            raise ProviderRefused("no checked ID token")
        if "email" not in claims and metadata.get("userinfo_endpoint"):
            # Some providers put profile claims only in the userinfo response.
            extra = client.userinfo(token=token)
            if extra.get("sub") == claims["sub"]:
                claims = {**extra, **claims}
    except requests.RequestException as error:
        log.warning("OpenID provider %s: %s", config.name, type(error).__name__)
        raise ProviderUnavailable(type(error).__name__) from None
    except (AuthlibBaseError, JoseError, KeyError, ValueError) as error:
        # The reason's code only ("mismatching_state", "invalid_client"), never the error's
        # text: it may quote a claim or the token.
        log.warning("OpenID provider %s: callback refused: %s %s", config.name,
                    type(error).__name__, getattr(error, "error", "") or "")
        raise ProviderRefused(getattr(error, "error", "") or type(error).__name__) from None
    return ProviderIdentity(
        provider=config.name, label=config.label, issuer=metadata["issuer"],
        subject=str(claims["sub"]), email=str(claims.get("email") or ""),
        email_verified=claims.get("email_verified") is True,
        name=str(claims.get("name") or claims.get("given_name") or ""))
