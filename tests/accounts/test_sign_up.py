"""Signing up: a patient gets a Patient row with their zone, a caregiver does not."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import AccountType, CareLink, CareLinkStatus, Patient, User

from .helpers import PASSWORD

pytestmark = pytest.mark.django_db


def sign_up(client: Client, **overrides: str):  # type: ignore[no-untyped-def]
    data = {"email": "new@example.org", "first_name": "Nina", "password1": PASSWORD,
            "password2": PASSWORD, "account_type": "patient", "timezone": "Asia/Tokyo",
            **overrides}
    return client.post(reverse("signup"), data)


def test_patient_sign_up_creates_the_patient_with_their_zone(client: Client) -> None:
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("today")
    user = User.objects.get(email="new@example.org")
    assert user.account_type == AccountType.PATIENT and user.first_name == "Nina"
    assert user.check_password(PASSWORD)
    assert Patient.objects.get(user=user).timezone == "Asia/Tokyo"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_caregiver_sign_up_creates_no_patient(client: Client) -> None:
    response = sign_up(client, account_type="caregiver", timezone="")
    assert response.status_code == 302
    assert response["Location"] == reverse("care_home")
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


def test_duplicate_email_is_refused_whatever_its_case(client: Client, patient: Patient) -> None:
    response = sign_up(client, email="ALEX@Example.org")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_error"' in html
    assert "An account with this email already exists" in html
    assert User.objects.count() == 1


def test_mismatched_passwords_save_nothing(client: Client) -> None:
    response = sign_up(client, password2="another horse battery")
    assert 'id="id_password2_error"' in response.content.decode()
    assert not User.objects.exists() and not Patient.objects.exists()


def test_a_pending_invite_stays_pending_and_is_offered(client: Client, patient: Patient) -> None:
    link = CareLink.objects.create(patient=patient, invited_email="new@example.org")
    sign_up(client, account_type="caregiver", timezone="")
    link.refresh_from_db()
    assert link.status == CareLinkStatus.INVITED and link.caregiver is None
    home = client.get(reverse("care_home")).content.decode()
    assert reverse("care_accept", kwargs={"token": link.token}) in home


def test_sign_up_returns_to_the_invitation(client: Client, patient: Patient) -> None:
    link = CareLink.objects.create(patient=patient, invited_email="new@example.org")
    accept = reverse("care_accept", kwargs={"token": link.token})
    response = sign_up(client, account_type="caregiver", timezone="", next=accept)
    assert response["Location"] == accept


def test_sign_up_ignores_an_offsite_next(client: Client) -> None:
    response = sign_up(client, next="https://evil.example/")
    assert response["Location"] == reverse("today")


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
