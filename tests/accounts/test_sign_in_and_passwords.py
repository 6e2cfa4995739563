"""Signing in and out, changing and resetting a password."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import Patient, User
from tests.support import https_client

from .helpers import PASSWORD, link_in_last_email

pytestmark = pytest.mark.django_db


def test_sign_in_with_email_in_any_case_then_sign_out(client: Client, patient: Patient) -> None:
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">Email</label>' in page
    response = client.post(reverse("login"), {"username": "Alex@EXAMPLE.org",
                                              "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("today")
    assert client.session["_auth_user_id"] == str(patient.user.pk)

    assert client.get(reverse("logout")).status_code == 405  # sign-out is POST only
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_with_a_message(client: Client, patient: Patient) -> None:
    response = client.post(reverse("login"), {"username": "alex@example.org",
                                              "password": "wrong horse"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_caregiver_lands_on_the_people_they_look_after(client: Client, caregiver: User) -> None:
    response = client.post(reverse("login"), {"username": caregiver.email, "password": PASSWORD})
    assert response["Location"] == reverse("care_home")


def test_password_reset_email_link_sets_a_new_password(client: Client, patient: Patient) -> None:
    response = client.post(reverse("password_reset"), {"email": "alex@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alex@example.org"]
    assert mail.outbox[0].subject == "Reset your PulseRx password"

    form_page = client.get(link_in_last_email(), follow=True)
    assert form_page.status_code == 200 and b"Choose a new password" in form_page.content
    done = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"})
    assert done["Location"] == reverse("password_reset_complete")
    signed_in = https_client().post(reverse("login"), {"username": "alex@example.org",
                                                       "password": "a brand new secret 42"})
    assert signed_in.status_code == 302

    reused = client.get(link_in_last_email(), follow=True)
    assert b"This link no longer works" in reused.content


def test_password_reset_for_an_unknown_address_sends_nothing(client: Client, db: None) -> None:
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_an_account_made_through_a_provider_sets_its_first_password_by_email(
        client: Client, patient: Patient) -> None:
    from pulserx.accounts.models import SignInIdentity

    user = patient.user
    user.set_unusable_password()
    user.save()
    client.post(reverse("password_reset"), {"email": user.email})
    assert mail.outbox == []  # no password and no other way in: nothing to reset
    SignInIdentity.objects.create(user=user, provider="test", issuer="https://id.example.org",
                                  subject="alex", email=user.email)
    client.post(reverse("password_reset"), {"email": user.email})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    form_page = client.get(link_in_last_email(), follow=True)
    client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "a first own secret 42", "new_password2": "a first own secret 42"})
    signed_in = https_client().post(reverse("login"), {"username": user.email,
                                                       "password": "a first own secret 42"})
    assert signed_in.status_code == 302


def test_password_change(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "a brand new secret 42",
        "new_password2": "a brand new secret 42"})
    assert response["Location"] == reverse("password_change_done")
    patient.user.refresh_from_db()
    assert patient.user.check_password("a brand new secret 42")
