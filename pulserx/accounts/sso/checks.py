"""`manage.py check` names what is missing in the single sign-on settings (the sign-in page
only says that the provider is not set up, and logs the same detail)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_oidc_providers(**kwargs: Any) -> list[Error]:
    return [Error(f"OpenID provider {config.name!r}: {config.problem}.",
                  hint="See the README's configuration section (single sign-on).",
                  id="pulserx.E020")
            for config in settings.PULSERX_OIDC_PROVIDERS.values() if config.problem]
