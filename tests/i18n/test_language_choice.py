"""The reader's language: chosen in Settings (kept on the account and in the language cookie)
or, before signing in, on the sign-in and sign-up pages; the pages say which language and
direction they are written in, and the scripts' catalog is served beside them.

No translation catalogs exist yet, so these tests read the mechanics (`<html lang dir>`, the
cookie, the saved choice) rather than translated words."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from pulserx.accounts.models import Patient
from tests.support import https_client

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "es", "de", "fr", "pt-br", "it", "ar"]


def test_the_site_speaks_the_projects_languages() -> None:
    assert [code for code, name in django_settings.LANGUAGES] == LANGUAGES


def test_pages_are_english_and_left_to_right_by_default() -> None:
    page = https_client().get(reverse("login")).content.decode()
    assert '<html lang="en" dir="ltr">' in page


def test_the_sign_in_page_offers_every_language_in_its_own_name() -> None:
    page = https_client().get(reverse("login")).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    for name in ("English", "Español", "Deutsch", "Français", "Português Brasileiro",
                 "Italiano", "العربيّة"):
        assert f">{name}</option>" in page, name
    assert 'name="next" value="/accounts/login/"' in page


@pytest.mark.parametrize("page_name", ["login", "signup"])
def test_a_visitor_chooses_german_and_the_next_page_says_so(page_name: str) -> None:
    client = https_client()
    path = reverse(page_name)
    response = client.post(reverse("set_language"), {"language": "de", "next": path})
    assert response.status_code == 302 and response["Location"] == path
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "de"
    page = client.get(path).content.decode()
    assert '<html lang="de" dir="ltr">' in page
    assert '<option value="de" lang="de" selected>Deutsch</option>' in page


def test_arabic_pages_are_written_right_to_left() -> None:
    client = https_client()
    client.post(reverse("set_language"), {"language": "ar", "next": reverse("login")})
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_a_browser_asking_for_arabic_gets_right_to_left_pages() -> None:
    page = https_client(headers={"Accept-Language": "ar"}).get(reverse("login")).content
    assert '<html lang="ar" dir="rtl">' in page.decode()


def test_settings_has_a_language_section(patient: Patient) -> None:
    client = https_client()
    client.force_login(patient.user)
    page = client.get(reverse("account_settings")).content.decode()
    assert '<h2 id="language-heading">Language</h2>' in page
    assert f'action="{reverse("language_settings")}"' in page
    assert '<label for="id_language">' in page and 'id="id_language" name="language"' in page
    assert ">Deutsch</option>" in page and ">العربيّة</option>" in page


def test_the_choice_in_settings_is_kept_and_the_next_page_is_in_it(patient: Patient) -> None:
    client = https_client()
    client.force_login(patient.user)
    response = client.post(reverse("language_settings"), {"language": "pt-br"})
    assert response.status_code == 302 and response["Location"] == reverse("account_settings")
    patient.user.refresh_from_db()
    assert patient.user.language == "pt-br"
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "pt-br"
    page = client.get(reverse("account_settings")).content.decode()
    assert '<html lang="pt-br" dir="ltr">' in page
    assert '<option value="pt-br" lang="pt-br" selected>' in page


@pytest.mark.parametrize("code", ["xx", "", "en-us", "de; DROP"])
def test_an_unknown_code_changes_nothing(patient: Patient, code: str) -> None:
    client = https_client()
    client.force_login(patient.user)
    before = patient.user.language
    response = client.post(reverse("language_settings"), {"language": code})
    assert response.status_code == 302
    patient.user.refresh_from_db()
    assert patient.user.language == before
    assert django_settings.LANGUAGE_COOKIE_NAME not in client.cookies
    page = client.get(reverse("account_settings")).content.decode()
    assert '<html lang="en" dir="ltr">' in page


def test_the_language_setting_needs_a_signed_in_post(patient: Patient) -> None:
    client = https_client()
    response = client.post(reverse("language_settings"), {"language": "de"})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(patient.user)
    assert client.get(reverse("language_settings")).status_code == 405


def test_the_scripts_catalog_is_javascript() -> None:
    response = https_client().get(reverse("javascript-catalog"))
    assert reverse("javascript-catalog") == "/jsi18n/"
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "django.gettext" in body and "interpolate" in body
    assert "max-age=3600" in response["Cache-Control"]
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]


def test_the_catalog_loads_before_the_pages_module_scripts(patient: Patient) -> None:
    client = https_client()
    client.force_login(patient.user)
    page = client.get(reverse("today")).content.decode()
    catalog = page.index('<script src="/jsi18n/?l=en"></script>')
    assert catalog < page.index('<script type="module"')
    # The Content-Security-Policy lets the page load it: it is the site's own origin.
    policy = client.get(reverse("javascript-catalog"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
