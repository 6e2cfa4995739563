"""Signing up: a patient gets a Patient row with their zone, a caregiver does not."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import AccountType, CareLink, CareLinkStatus, Patient, User
from tests.support import https_client

from .helpers import PASSWORD, link_in_last_email

pytestmark = pytest.mark.django_db


def sign_up(client: Client, **overrides: str):  # type: ignore[no-untyped-def]
    data = {"email": "new@example.org", "first_name": "Nina", "password1": PASSWORD,
            "password2": PASSWORD, "account_type": "patient", "timezone": "Asia/Tokyo",
            **overrides}
    return client.post(reverse("signup"), data)


def confirm(client: Client):  # type: ignore[no-untyped-def]
    """Open the link of the email sign-up sent: it confirms the address and signs in."""
    return client.get(link_in_last_email())


def test_patient_sign_up_creates_the_patient_with_their_zone(client: Client) -> None:
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("signup_sent")
    assert "_auth_user_id" not in client.session  # not before the address is confirmed
    assert confirm(client)["Location"] == reverse("today")
    user = User.objects.get(email="new@example.org")
    assert user.email_verified
    assert user.account_type == AccountType.PATIENT and user.first_name == "Nina"
    assert user.check_password(PASSWORD)
    assert Patient.objects.get(user=user).timezone == "Asia/Tokyo"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_caregiver_sign_up_creates_no_patient(client: Client) -> None:
    response = sign_up(client, account_type="caregiver", timezone="")
    assert response.status_code == 302
    assert confirm(client)["Location"] == reverse("care_home")
    user = User.objects.get(email="new@example.org")
    assert user.account_type == AccountType.CAREGIVER
    assert not Patient.objects.filter(user=user).exists()


def test_caregiver_sign_up_stores_their_own_zone(client: Client) -> None:
    response = sign_up(client, account_type="caregiver", timezone="America/New_York")

    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.timezone == "America/New_York"
    assert not Patient.objects.filter(user=user).exists()


def test_unknown_time_zone_is_an_error_next_to_the_field(client: Client) -> None:
    response = sign_up(client, timezone="Mars/Olympus_Mons")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_timezone_error"' in html
    assert "is not a time zone we know" in html
    assert 'aria-invalid="true"' in html and "id_timezone_error" in html
    assert not User.objects.exists()


def test_patient_must_choose_a_zone(client: Client) -> None:
    response = sign_up(client, timezone="")
    assert "Choose your home time zone." in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_does_not_say_whether_an_address_has_an_account(
        client: Client, patient: Patient) -> None:
    taken = sign_up(client, email="ALEX@Example.org")
    fresh = sign_up(https_client(), email="nobody-yet@example.org")

    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"] == reverse("signup_sent")
    assert User.objects.filter(email__iexact="alex@example.org").count() == 1
    owner_mail = next(m for m in mail.outbox if m.to == ["alex@example.org"])
    assert owner_mail.subject == "You already have a PulseRx account"
    assert not patient.user.check_password(PASSWORD + "x")  # nothing about it changed


def test_mismatched_passwords_save_nothing(client: Client) -> None:
    response = sign_up(client, password2="another horse battery")
    assert 'id="id_password2_error"' in response.content.decode()
    assert not User.objects.exists() and not Patient.objects.exists()


def test_a_pending_invite_stays_pending_and_is_offered(client: Client, patient: Patient) -> None:
    link = CareLink.objects.create(patient=patient, invited_email="new@example.org")
    sign_up(client, account_type="caregiver", timezone="")
    confirm(client)
    link.refresh_from_db()
    assert link.status == CareLinkStatus.INVITED and link.caregiver is None
    home = client.get(reverse("care_home")).content.decode()
    assert reverse("care_accept", kwargs={"token": link.token}) in home


def test_sign_up_returns_to_the_invitation(client: Client, patient: Patient) -> None:
    link = CareLink.objects.create(patient=patient, invited_email="new@example.org")
    accept = reverse("care_accept", kwargs={"token": link.token})
    sign_up(client, account_type="caregiver", timezone="", next=accept)
    assert confirm(client)["Location"] == accept


def test_sign_up_ignores_an_offsite_next(client: Client) -> None:
    sign_up(client, next="https://evil.example/")
    assert confirm(client)["Location"] == reverse("today")


def test_the_page_offers_every_zone_and_fills_it_from_the_browser(client: Client) -> None:
    html = client.get(reverse("signup")).content.decode()
    assert '<option value="Europe/London">' in html
    assert "data-timezone-autofill" in html
    assert "timezone.js" in html and "<script>" not in html


def test_after_an_error_the_page_says_why_the_password_fields_are_empty(client: Client) -> None:
    page = sign_up(client, timezone="Atlantis/Capital").content.decode()
    assert "type it in both fields again" in page
    assert PASSWORD not in page  # never echoed into the HTML
    fresh = client.get(reverse("signup")).content.decode()
    assert "type it in both fields again" not in fresh
