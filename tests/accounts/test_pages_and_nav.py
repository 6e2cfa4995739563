"""Every accounts page renders for the right person; the navigation survives missing pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pulserx.accounts.models import CareLink, Patient, User
from pulserx.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["login", "signup", "password_reset", "password_reset_done",
                                  "password_reset_complete"])
def test_public_pages_render(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-user-id" not in html and 'id="toasts"' in html


@pytest.mark.parametrize("name", ["account_settings", "care_home", "password_change",
                                  "password_change_done"])
def test_signed_in_pages_render_for_patient_and_caregiver(
    client: Client, patient: Patient, caregiver: User, name: str
) -> None:
    for user in (patient.user, caregiver):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", ["account_settings", "care_home", "password_change"])
def test_signed_in_pages_send_visitors_to_sign_in(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_base_page_carries_what_the_scripts_need(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    html = client.get(reverse("account_settings")).content.decode()
    body = re.search(r"<body[^>]*>", html)
    assert body is not None
    assert f'data-user-id="{patient.user.pk}"' in body.group(0)
    assert 'data-ws-url="/ws/notifications/"' in body.group(0)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color"' in html
    assert 'href="#main"' in html and '<main id="main"' in html
    assert '<div id="toasts" aria-live="polite"></div>' in html
    assert html.count("pulserx/live.js") == 1  # every signed-in page listens for reminders
    assert "<script>" not in html and " style=" not in html  # the CSP allows neither


def test_nav_has_every_page_and_the_unread_count(client: Client, patient: Patient) -> None:
    Notification.objects.create(recipient=patient.user, patient=patient,
                                kind=NotificationKind.REMINDER, created_at=timezone.now())
    client.force_login(patient.user)
    nav = nav_html(client.get(reverse("account_settings")).content.decode())
    labels = [label.strip() for label in re.findall(r'<a href="[^"]*"[^>]*>([A-Za-z ]+)', nav)]
    assert labels == ["Today", "Medications", "History", "Inbox", "Settings", "Caregivers"]
    assert re.search(r'Inbox <span class="badge-count" data-unread-count>1</span>', nav)
    assert re.search(r'href="/accounts/settings/" aria-current="page"', nav)


def test_caregiver_home_links_to_each_patient_day(client: Client, patient: Patient,
                                                  caregiver: User) -> None:
    client.force_login(caregiver)
    html = client.get(reverse("care_home")).content.decode()
    assert f'href="/care/{patient.pk}/"' in html
    nav = nav_html(html)
    assert "Caring for" in nav and "Medications" not in nav


def test_admin_pages_render(client: Client, patient: Patient, caregiver: User) -> None:
    client.force_login(User.objects.create_superuser("root@example.org", "an admin secret 9"))
    link = CareLink.objects.get(caregiver=caregiver)
    for path in ("/admin/accounts/user/", "/admin/accounts/user/add/",
                 f"/admin/accounts/user/{patient.user.pk}/change/", "/admin/accounts/patient/",
                 f"/admin/accounts/patient/{patient.pk}/change/", "/admin/accounts/carelink/",
                 f"/admin/accounts/carelink/{link.pk}/change/"):
        assert client.get(path).status_code == 200, path
    # Credentials are never shown to staff: the calendar address, the invitation token.
    patient_page = client.get(f"/admin/accounts/patient/{patient.pk}/change/").content.decode()
    assert patient.calendar_token not in patient_page
    link_page = client.get(f"/admin/accounts/carelink/{link.pk}/change/").content.decode()
    assert link.token not in link_page
    response = client.post("/admin/accounts/user/add/", {
        "email": "new@example.org", "account_type": "caregiver", "usable_password": "true",
        "password1": "a new staff secret 7", "password2": "a new staff secret 7"})
    assert response.status_code == 302
    assert User.objects.get(email="new@example.org").check_password("a new staff secret 7")


def test_no_health_data_is_registered_in_the_admin() -> None:
    """Staff read no medication, dose or message in the admin, so no staff read is missing
    from the patient's "who saw what" page; registering one must add it to that log."""
    from django.contrib import admin

    registered = {model._meta.app_label for model in admin.site._registry}
    assert not registered & {"reminders", "notifications", "record", "api"}, registered


def nav_html(html: str) -> str:
    match = re.search(r'<nav class="site-nav[^"]*".*?</nav>', html, re.S)
    assert match is not None
    return match.group(0)


def test_an_admin_who_is_neither_patient_nor_caregiver_starts_in_the_admin(
        client: Client, patient: Patient, caregiver: User) -> None:
    client.force_login(User.objects.create_superuser("root@example.org", "an admin secret 9"))
    assert client.get("/").headers["Location"] == "/admin/"
    client.force_login(caregiver)
    assert client.get("/").headers["Location"] == reverse("care_home")
