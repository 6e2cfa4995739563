"""Tokens that travel in URL paths (calendar feed, email links, invitations, verification,
password reset) never reach a log line: django.request lines are redacted and the production
web commands run uvicorn without access logs."""

from __future__ import annotations

import logging
import shlex
from pathlib import Path

import pytest
import yaml

from pulserx.devserver import web_command
from pulserx.logredact import REDACTED, redact
from tests.support import https_client

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-TOKEN-value_123"


@pytest.mark.parametrize("path", [
    f"/calendar/{SECRET}.ics",
    f"/email/dose/{SECRET}/",
    f"/accounts/care/accept/{SECRET}/",
    f"/accounts/verify/{SECRET}/",
])
@pytest.mark.django_db
def test_django_request_warnings_do_not_carry_the_token(path, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = https_client().get(path)

    assert response.status_code in (400, 404, 410, 302)
    lines = [record.getMessage() for record in caplog.records if record.name == "django.request"]
    if response.status_code >= 400:
        assert lines, "the request was expected to be logged"
    assert all(SECRET not in line for line in lines), lines


def test_password_reset_links_are_redacted_too():
    line = redact(f"Not Found: /accounts/password/reset/MQ/{SECRET}/")
    assert SECRET not in line and REDACTED in line
    assert redact("Not Found: /accounts/password/reset/done/") == \
        "Not Found: /accounts/password/reset/done/"


def uvicorn_argv(command: str) -> list[str]:
    return shlex.split(command.replace("$PORT", "8000"))


def test_production_web_commands_turn_off_uvicorn_access_logs():
    procfile = (ROOT / "Procfile").read_text()
    web_line = next(line for line in procfile.splitlines() if line.startswith("web:"))
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    render_web = next(s for s in blueprint["services"] if s["type"] == "web")

    for argv in (uvicorn_argv(web_line.removeprefix("web:")),
                 uvicorn_argv(render_web["startCommand"]),
                 web_command("127.0.0.1", "8000")):
        assert "uvicorn" in " ".join(argv)
        assert "--no-access-log" in argv, argv
