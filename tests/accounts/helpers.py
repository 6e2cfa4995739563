"""Small helpers shared by the accounts tests."""

from __future__ import annotations

import re

from django.conf import settings
from django.core import mail
from django.test import Client

PASSWORD = "correct horse battery"


def link_in_last_email() -> str:
    """The site-relative path of the first link in the last email sent."""
    body = mail.outbox[-1].body
    # The page's own address while SITE_URL is the development default (pulserx.siteurl).
    match = re.search(r"(?:https://testserver|" + re.escape(settings.SITE_URL) + r")(/\S+)", body)
    assert match, body
    return match.group(1)


def csrf_token_of(client: Client, path: str) -> str:
    """The CSRF token a page hands to its scripts, read the way the browser reads it."""
    html = client.get(path).content.decode()
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no csrf-token meta tag"
    return match.group(1)
