"""Which language a reader gets: their browser's at sign-up, their own afterwards, English for
anything unknown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pulserx.accounts.models import Patient, User
from pulserx.languages import supported
from tests.accounts.helpers import PASSWORD
from tests.support import https_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("code", "language"), [
    ("de", "de"), ("de-AT", "de"), ("pt-BR", "pt-br"), ("pt-PT", "pt-br"), ("PT-br", "pt-br"),
    ("ar-EG", "ar"),
    ("es-419", "es"), ("en-GB", "en"), ("xx", "en"), ("", "en"), (None, "en"),
    ("../../etc", "en"), ("de" * 200, "en")])
def test_a_code_is_one_we_speak_or_english(code: str | None, language: str) -> None:
    assert supported(code) == language


@pytest.mark.parametrize(("header", "language"), [
    ("de-DE,de;q=0.9,en;q=0.8", "de"), ("pt-BR,pt;q=0.9", "pt-br"), ("ar", "ar"),
    ("xx-YY,zz;q=0.5", "en"), ("", "en"), (";;;q=nonsense", "en")])
def test_sign_up_reads_the_browsers_language(header: str, language: str) -> None:
    client = https_client(headers={"Accept-Language": header})
    response = client.post(reverse("signup"), {
        "email": "new@example.org", "first_name": "Nina", "password1": PASSWORD,
        "password2": PASSWORD, "account_type": "patient", "timezone": "Europe/Berlin"})
    assert response.status_code == 302
    assert User.objects.get(email="new@example.org").language == language


def test_a_signed_in_reader_gets_their_own_language_whatever_the_browser(
        patient: Patient) -> None:
    patient.user.language = "ar"
    patient.user.save()
    client = https_client(headers={"Accept-Language": "de"})
    client.force_login(patient.user)
    response = client.get("/")
    assert response["Content-Language"] == "ar"
    assert 'lang="ar" dir="rtl"' in response.content.decode()


def test_a_visitor_gets_their_browsers_language_and_an_unknown_one_english(db: None) -> None:
    german = https_client(headers={"Accept-Language": "de-CH"}).get(reverse("login"))
    unknown = https_client(headers={"Accept-Language": "tlh"}).get(reverse("login"))
    assert german["Content-Language"] == "de" and unknown["Content-Language"] == "en"
    assert "Accept-Language" in german["Vary"]


def test_the_api_answers_in_english_to_a_german_reader(patient: Patient) -> None:
    patient.user.language = "de"
    patient.user.save()
    client = https_client(headers={"Accept-Language": "de"})
    client.force_login(patient.user)
    response = client.post("/api/v1/doses/999999999/take", content_type="application/json")
    assert response["Content-Language"] == "en"
    assert response.status_code == 404
