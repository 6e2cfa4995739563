"""The OpenID Connect providers, as the environment describes them. Read by settings, so it
imports nothing from Django; what is missing is said by a system check and, to people, on
the sign-in page (`ProviderConfig.problem`), never by a crash at start-up.

    PULSERX_OIDC_PROVIDERS=authentik,keycloak
    PULSERX_OIDC_AUTHENTIK_ISSUER=https://auth.example.org/application/o/pulserx/
    PULSERX_OIDC_AUTHENTIK_CLIENT_ID=...
    PULSERX_OIDC_AUTHENTIK_CLIENT_SECRET=...
    PULSERX_OIDC_AUTHENTIK_LABEL=Authentik      (the button says "Sign in with Authentik")
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,31}$")
REQUIRED = ("ISSUER", "CLIENT_ID", "CLIENT_SECRET")


@dataclass(frozen=True)
class ProviderConfig:
    """One provider: `name` is its key in URLs and variables, `label` what people read."""

    name: str
    issuer: str
    client_id: str
    client_secret: str
    label: str
    problem: str = ""  # for operators: why this provider cannot be used, if it cannot

    @property
    def usable(self) -> bool:
        return not self.problem

    @property
    def discovery_url(self) -> str:
        """OpenID Connect Discovery 1.0 §4: the issuer with the well-known path appended."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def variable(name: str, field: str) -> str:
    return f"PULSERX_OIDC_{name.upper()}_{field}"


def provider_from_env(name: str, environ: Mapping[str, str]) -> ProviderConfig:
    def read(field: str) -> str:
        return environ.get(variable(name, field), "").strip()

    values = {field: read(field) for field in REQUIRED}
    missing = [variable(name, field) for field, value in values.items() if not value]
    problem = f"set {', '.join(missing)}" if missing else ""
    issuer = urlsplit(values["ISSUER"])
    if values["ISSUER"] and (issuer.scheme not in ("https", "http") or not issuer.netloc):
        problem = f"{variable(name, 'ISSUER')} must be the issuer's https:// address"
    return ProviderConfig(name=name, issuer=values["ISSUER"], client_id=values["CLIENT_ID"],
                          client_secret=values["CLIENT_SECRET"],
                          label=read("LABEL") or name.replace("_", " ").title(),
                          problem=problem)


def providers_from_env(environ: Mapping[str, str]) -> dict[str, ProviderConfig]:
    """Every provider PULSERX_OIDC_PROVIDERS lists, in its order, by name."""
    names = [item.strip().lower() for item in environ.get("PULSERX_OIDC_PROVIDERS", "").split(",")
             if item.strip()]
    providers: dict[str, ProviderConfig] = {}
    for name in names:
        if not NAME.match(name):
            providers[name] = ProviderConfig(
                name=name, issuer="", client_id="", client_secret="", label=name,
                problem=(f"the name {name!r} in PULSERX_OIDC_PROVIDERS may hold only letters, "
                         "digits and _ (it becomes part of variable names and URLs)"))
            continue
        providers[name] = provider_from_env(name, environ)
    return providers
