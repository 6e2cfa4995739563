"""Providers come from the environment; a missing variable is named by `manage.py check` and
said plainly on the sign-in page, never a 500; discovery waits until someone uses a provider,
and the worker never loads Authlib."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from pulserx.accounts.sso.config import ProviderConfig, providers_from_env
from tests.support import https_client

ROOT = Path(__file__).resolve().parent.parent.parent


def test_several_providers_are_read_in_order_with_their_labels():
    providers = providers_from_env({
        "PULSERX_OIDC_PROVIDERS": "authentik, Keycloak",
        "PULSERX_OIDC_AUTHENTIK_ISSUER": "https://auth.example.org/application/o/pulserx/",
        "PULSERX_OIDC_AUTHENTIK_CLIENT_ID": "a", "PULSERX_OIDC_AUTHENTIK_CLIENT_SECRET": "s",
        "PULSERX_OIDC_AUTHENTIK_LABEL": "Company login",
        "PULSERX_OIDC_KEYCLOAK_ISSUER": "https://kc.example.org/realms/care",
        "PULSERX_OIDC_KEYCLOAK_CLIENT_ID": "k", "PULSERX_OIDC_KEYCLOAK_CLIENT_SECRET": "t",
    })
    assert list(providers) == ["authentik", "keycloak"]
    assert providers["authentik"].label == "Company login"
    assert providers["keycloak"].label == "Keycloak"
    assert all(config.usable for config in providers.values())
    assert providers["keycloak"].discovery_url == (
        "https://kc.example.org/realms/care/.well-known/openid-configuration")
    assert providers["authentik"].discovery_url == (
        "https://auth.example.org/application/o/pulserx/.well-known/openid-configuration")


def test_nothing_listed_means_no_single_sign_on():
    assert providers_from_env({}) == {}


def test_a_missing_variable_is_named():
    providers = providers_from_env({"PULSERX_OIDC_PROVIDERS": "authentik",
                                    "PULSERX_OIDC_AUTHENTIK_CLIENT_ID": "a"})
    assert providers["authentik"].problem == (
        "set PULSERX_OIDC_AUTHENTIK_ISSUER, PULSERX_OIDC_AUTHENTIK_CLIENT_SECRET")
    bad = providers_from_env({"PULSERX_OIDC_PROVIDERS": "x",
                              "PULSERX_OIDC_X_ISSUER": "auth.example.org",
                              "PULSERX_OIDC_X_CLIENT_ID": "a",
                              "PULSERX_OIDC_X_CLIENT_SECRET": "s"})
    assert "PULSERX_OIDC_X_ISSUER must be" in bad["x"].problem
    assert "may hold only letters" in providers_from_env(
        {"PULSERX_OIDC_PROVIDERS": "my-idp"})["my-idp"].problem


@pytest.mark.django_db
def test_a_provider_not_set_up_is_said_on_the_sign_in_page_and_by_the_system_check(settings):
    settings.PULSERX_OIDC_PROVIDERS = providers_from_env({
        "PULSERX_OIDC_PROVIDERS": "authentik", "PULSERX_OIDC_AUTHENTIK_LABEL": "Authentik"})
    client = https_client()
    assert "Sign in with Authentik" in client.get(reverse("login")).content.decode()

    response = client.get(reverse("sso_start", kwargs={"name": "authentik"}))

    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = client.get(response["Location"]).content.decode()
    assert "Signing in with Authentik is not set up correctly on this server." in page
    errors = [e for e in run_checks() if e.id == "pulserx.E020"]
    assert len(errors) == 1 and "PULSERX_OIDC_AUTHENTIK_ISSUER" in errors[0].msg


@pytest.mark.django_db
def test_the_sign_in_page_shows_no_provider_buttons_when_none_is_configured(settings):
    settings.PULSERX_OIDC_PROVIDERS = {}
    assert "Or sign in with" not in https_client().get(reverse("login")).content.decode()


def test_a_provider_is_not_asked_anything_at_start_up():
    """Settings only read the variables: an issuer nobody listens on starts fine."""
    config = ProviderConfig(name="x", issuer="http://127.0.0.1:9", client_id="a",
                            client_secret="s", label="X")
    assert config.usable


def test_the_worker_never_loads_authlib():
    """The worker loads the URL configuration (to write links in emails), and with it the
    sign-in views, but not the protocol module they import when a request comes."""
    code = ("import sys, django; django.setup(); from pulserx.celery import app; "
            "app.loader.import_default_modules(); import pulserx.dispatch.worker; "
            "import pulserx.urls; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('authlib', 'joserfc') "
            "or m == 'pulserx.accounts.sso.client'))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pulserx.settings",
           "PULSERX_OIDC_PROVIDERS": "authentik",
           "PULSERX_OIDC_AUTHENTIK_ISSUER": "https://auth.example.org/",
           "PULSERX_OIDC_AUTHENTIK_CLIENT_ID": "a", "PULSERX_OIDC_AUTHENTIK_CLIENT_SECRET": "s"}
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True).stdout.strip().splitlines()[-1]
    assert loaded == "[]"
