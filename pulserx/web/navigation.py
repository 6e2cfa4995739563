"""The site navigation, as a context processor (`pulserx_nav`), computed lazily on first use
in a template."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pulserx.accounts.care import is_staff_only, links_cared_for_by, pending_invites_for
from pulserx.accounts.models import CareRole, Patient, User, patient_of
from pulserx.notifications import inbox


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
        assert isinstance(self.user, User)
        return inbox.unread_count(self.user)

    @cached_property
    def cares_for_someone(self) -> bool:
        assert isinstance(self.user, User)
        return (links_cared_for_by(self.user).exists()
                or pending_invites_for(self.user).exists())

    @cached_property
    def gives_to_someone(self) -> bool:
        assert isinstance(self.user, User)
        return links_cared_for_by(self.user).filter(
            role__in=[role for role in CareRole if role.allows(CareRole.GIVES)]).exists()

    @cached_property
    def links(self) -> list[NavLink]:
        if not self.user.is_authenticated:
            return []
        wanted: list[tuple[str, str, str]] = []  # (label, url name, fragment)
        if self.patient is not None:
            wanted += [(pgettext("navigation", "Today"), "today", ""),
                       (pgettext("navigation", "Medications"), "medications", ""),
                       (pgettext("navigation", "History"), "history", "")]
        assert isinstance(self.user, User)
        if is_staff_only(self.user):
            wanted.append((pgettext("navigation", "Admin"), "admin:index", ""))
        elif self.patient is None or self.cares_for_someone:
            # Translators: the page of the people a caregiver looks after.
            wanted.append((pgettext("navigation", "Caring for"), "care_home", ""))
            if self.gives_to_someone:
                # Translators: the carer's round: every dose due soon of everyone they give to
                wanted.append((pgettext("navigation", "Round"), "round", ""))
        wanted += [(pgettext("navigation", "Inbox"), "inbox", ""),
                   (pgettext("navigation", "Settings"), "account_settings", "")]
        if self.patient is not None:
            wanted.append((_("Caregivers"), "account_settings", "#caregivers"))
        return [self._link(label, name, fragment) for label, name, fragment in wanted]

    def _link(self, label: str, name: str, fragment: str) -> NavLink:
        url = reverse(name)
        current = not fragment and self.request.path == url
        badge = self.unread if name == "inbox" else None
        return NavLink(label, url + fragment, current, badge)


def navigation(request: HttpRequest) -> dict[str, Navigation]:
    return {"pulserx_nav": Navigation(request)}
