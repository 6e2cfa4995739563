"""The site navigation, as a context processor (`pulserx_nav`).

Pages are built by several apps; a link whose URL name does not exist (yet) is left out
instead of breaking every page. Everything is computed lazily, on first use in a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from pulserx.accounts.care import links_cared_for_by, pending_invites_for
from pulserx.accounts.models import Patient, User


def url_or_none(name: str, **kwargs: object) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def patient_of(user: object) -> Patient | None:
    """The user's patient profile, or None for caregivers, staff and anonymous visitors."""
    return getattr(user, "patient", None) if isinstance(user, User) else None


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool = False
    badge: int | None = None


class Navigation:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.user = request.user

    @cached_property
    def patient(self) -> Patient | None:
        return patient_of(self.user)

    @cached_property
    def unread(self) -> int:
        from pulserx.notifications.models import Notification  # imports accounts.models

        return Notification.objects.filter(recipient_id=self.user.pk, read_at__isnull=True).count()

    @cached_property
    def cares_for_someone(self) -> bool:
        assert isinstance(self.user, User)
        return (links_cared_for_by(self.user).exists()
                or pending_invites_for(self.user).exists())

    @cached_property
    def links(self) -> list[NavLink]:
        if not self.user.is_authenticated:
            return []
        wanted: list[tuple[str, str, str]] = []  # (label, url name, fragment)
        if self.patient is not None:
            wanted += [("Today", "today", ""), ("Medications", "medications", "")]
        if self.patient is None or self.cares_for_someone:
            wanted.append(("Caring for", "care_home", ""))
        wanted += [("Inbox", "inbox", ""), ("Settings", "account_settings", "")]
        if self.patient is not None:
            wanted.append(("Caregivers", "account_settings", "#caregivers"))
        return [link for label, name, fragment in wanted
                if (link := self._link(label, name, fragment)) is not None]

    def _link(self, label: str, name: str, fragment: str) -> NavLink | None:
        url = url_or_none(name)
        if url is None:
            return None
        current = not fragment and self.request.path == url
        badge = self.unread if name == "inbox" else None
        return NavLink(label, url + fragment, current, badge)


def navigation(request: HttpRequest) -> dict[str, Navigation]:
    return {"pulserx_nav": Navigation(request)}
