"""Single sign-on over OpenID Connect: PulseRx as a relying party of the providers the
operator lists in PULSERX_OIDC_PROVIDERS.

- `config`: the providers as the environment describes them (read by settings; no Django).
- `identities`: which account an identity at a provider signs in as, and linking.
- `client` and `views`: the protocol, through Authlib, imported only by the web process's
  URLs (the worker never loads Authlib).
"""
