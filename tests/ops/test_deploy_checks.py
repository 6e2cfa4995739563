"""`manage.py check --deploy` is clean with a production environment, and the production
invariants PulseRx adds are enforced."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import override_settings

from pulserx.ops.checks import (
    check_memory_budget,
    check_passkey_rp_id,
    check_redis_url,
    check_site_url,
)

ROOT = Path(__file__).resolve().parents[2]
# Variables that would make the run describe this machine rather than a production one.
LOCAL_ONLY = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CELERY_BROKER_URL",
              "RENDER_EXTERNAL_HOSTNAME", "SECURE_SSL_REDIRECT", "SECURE_COOKIES",
              "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "CSRF_TRUSTED_ORIGINS",
              "DJANGO_SETTINGS_MODULE")


def production_env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCAL_ONLY}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        ALLOWED_HOSTS="example.org",
        SITE_URL="https://example.org",
        # Closed ports: the checks must not need (or try) a connection.
        DATABASE_URL="postgresql://pulserx:secret@127.0.0.1:1/pulserx",
        REDIS_URL="redis://127.0.0.1:1/0",
        EMAIL_URL="smtp+tls://pulserx:secret@127.0.0.1:1",
    )
    env.update(changes)
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_in_production() -> None:
    result = check_deploy(production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_fails_on_a_development_setup_in_production() -> None:
    env = production_env(SITE_URL="http://example.org")
    del env["REDIS_URL"], env["SECRET_KEY"], env["EMAIL_URL"]

    result = check_deploy(env)

    assert result.returncode == 1
    for check_id in ("pulserx.E002", "pulserx.E004", "pulserx.E005", "pulserx.E007"):
        assert check_id in result.stderr, result.stderr


def test_production_needs_an_external_redis() -> None:
    with override_settings(DEBUG=False, REDIS_IS_EMBEDDED=True):
        assert [error.id for error in check_redis_url()] == ["pulserx.E004"]
    with override_settings(DEBUG=False, REDIS_IS_EMBEDDED=False):
        assert check_redis_url() == []
    with override_settings(DEBUG=True, REDIS_IS_EMBEDDED=True):
        assert check_redis_url() == [], "development runs the embedded redis-server"


def test_production_needs_an_https_site_url() -> None:
    with override_settings(DEBUG=False, SITE_URL="http://127.0.0.1:8000"):
        assert [error.id for error in check_site_url()] == ["pulserx.E005"]
    with override_settings(DEBUG=False, SITE_URL="https://example.org"):
        assert check_site_url() == []


def test_the_memory_budget_must_fit_under_the_platform_limit() -> None:
    with override_settings(PULSERX_WORKER_MAX_RSS_MB=512, PULSERX_WORKER_MEMORY_LIMIT_MB=512):
        assert [error.id for error in check_memory_budget()] == ["pulserx.E006"]
    with override_settings(PULSERX_WORKER_MAX_RSS_MB=200, PULSERX_WORKER_MEMORY_LIMIT_MB=512):
        assert check_memory_budget() == []


def test_the_passkey_rp_id_is_the_sites_host_or_a_domain_above_it() -> None:
    with override_settings(SITE_URL="https://app.pulserx.example", PULSERX_PASSKEY_RP_ID=""):
        assert check_passkey_rp_id() == []
    with override_settings(SITE_URL="https://app.pulserx.example",
                           PULSERX_PASSKEY_RP_ID="pulserx.example"):
        assert check_passkey_rp_id() == []
    for wrong in ("other.example", "xpulserx.example", "www.app.pulserx.example"):
        with override_settings(SITE_URL="https://app.pulserx.example",
                               PULSERX_PASSKEY_RP_ID=wrong):
            assert [error.id for error in check_passkey_rp_id()] == ["pulserx.E025"]
