"""{% sso_providers as providers %}: the providers whose buttons the sign-in page shows."""

from __future__ import annotations

from django import template
from django.conf import settings

from pulserx.accounts.sso.config import ProviderConfig

register = template.Library()


@register.simple_tag
def sso_providers() -> list[ProviderConfig]:
    return list(settings.PULSERX_OIDC_PROVIDERS.values())
