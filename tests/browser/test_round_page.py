"""The carer's round in a real Chromium: usable with one hand on a phone, accessible at phone
and desktop widths, live when another carer gives a dose, and never a double dose."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from pulserx.accounts.models import CareLink, CareLinkStatus, CareRole, Patient, User
from pulserx.reminders.models import Dose, DoseStatus
from tests import factories as make
from tests.browser.conftest import (
    HOME_ZONE,
    WebServer,
    axe_violations,
    screenshot,
    sign_in,
    wait_live,
)
from tests.care.conftest import carer

pytestmark = pytest.mark.browser


def gives_to(user: User, patient: Patient) -> None:
    CareLink.objects.create(patient=patient, caregiver=user, invited_email=user.email,
                            status=CareLinkStatus.ACCEPTED, role=CareRole.GIVES)


@pytest.fixture
def team(patient: Patient, other_patient: Patient) -> tuple[User, User]:
    """Ana and Ben give to Alex (London) and Sam (New York); both keep London's clock."""
    ana, ben = carer(patient, "Ana", CareRole.GIVES), carer(patient, "Ben", CareRole.GIVES)
    for user in (ana, ben):
        gives_to(user, other_patient)
    User.objects.filter(pk__in=[ana.pk, ben.pk]).update(timezone=HOME_ZONE)
    return ana, ben


@pytest.fixture
def doses(patient: Patient, other_patient: Patient) -> dict[str, Dose]:
    now = timezone.now()
    metformin = make.medication(patient, name="Metformin", stock=10)
    lisinopril = make.medication(other_patient, name="Lisinopril", strength="10 mg")
    return {"alex": make.dose(metformin, now - timedelta(minutes=3), DoseStatus.NOTIFIED),
            "sam": make.dose(lisinopril, now - timedelta(minutes=1), DoseStatus.NOTIFIED)}


def round_page(browser: Browser, server: WebServer, email: str, width: int = 390) -> Page:
    context = browser.new_context(base_url=server.url, timezone_id=HOME_ZONE,
                                  viewport={"width": width, "height": 844})
    page = context.new_page()
    sign_in(page, email)
    expect(page.locator("#site-menu a[href='/care/round/']")).to_have_text("Round")
    page.goto("/care/round/")
    wait_live(page)
    return page


def test_the_round_on_a_phone_and_a_desktop(
        browser: Browser, web_server: WebServer, team: tuple[User, User],
        doses: dict[str, Dose], patient: Patient, other_patient: Patient):
    page = round_page(browser, web_server, team[0].email)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your round")
    headings = page.get_by_role("heading", level=2)
    expect(headings).to_have_text(["alex", "sam"])  # Alex's dose was due first
    expect(page.locator(f"#round-person-{other_patient.pk} ~ span")).to_contain_text(
        "Times in America/New York, their clock")
    given = page.get_by_role("button", name=re.compile(
        r"^Given\W+Metformin at \d{1,2}:\d\d( [AP]M)?, to alex$"))
    expect(given).to_have_count(1)
    expect(page.get_by_role("button", name=re.compile(r"^Skip\W+Lisinopril"))).to_have_count(1)

    # Big buttons, within reach of the thumb: the inline end, none past the screen's edge.
    box = given.bounding_box()
    assert box is not None
    assert box["height"] >= 44 and box["x"] + box["width"] <= 390
    assert box["x"] + box["width"] >= 390 - 48  # at the right-hand edge of the card
    assert axe_violations(page) == []
    screenshot(page, "round-390")

    page.set_viewport_size({"width": 1280, "height": 900})
    assert axe_violations(page) == []
    screenshot(page, "round-1280")


def test_another_carers_given_shows_on_the_round_at_once_and_a_second_press_is_told_who(
        browser: Browser, web_server: WebServer, team: tuple[User, User],
        doses: dict[str, Dose]):
    ana, ben = (round_page(browser, web_server, user.email) for user in team)

    # Ben gives Alex's dose: Ana's round says so within 2 s, with no reload.
    dose = doses["alex"]
    ben.get_by_role("button", name=re.compile(r"^Given\W+Metformin")).click()
    expect(ben.locator(".round")).to_contain_text("Given by Ben at ")
    started = time.monotonic()
    ana_dose = ana.locator(f"#round-dose-{dose.pk}")
    expect(ana_dose).to_contain_text("Already given by Ben at ", timeout=2_000)
    assert time.monotonic() - started < 2
    expect(ana_dose.get_by_role("button")).to_have_count(0)
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == team[1]

    # Both press Given for Sam's dose at the same instant: one record, and the other is
    # told who gave it, in the words every page uses.
    sam = doses["sam"]
    at = time.time() * 1000 + 1500
    for page in (ana, ben):
        page.evaluate("""([id, at]) => setTimeout(() => document.querySelector(
            `#round-state-${id} form[action$="/take"] button`).click(),
            Math.max(0, at - Date.now()))""", [sam.pk, at])
    rows = [page.locator(f"#round-dose-{sam.pk}") for page in (ana, ben)]
    for row in rows:
        expect(row.get_by_role("button")).to_have_count(0, timeout=5_000)
    sam.refresh_from_db()
    assert Dose.objects.filter(pk=sam.pk, status=DoseStatus.TAKEN).count() == 1
    winner, loser = (0, 1) if sam.acted_by == team[0] else (1, 0)
    name = sam.acted_by.first_name
    expect(rows[loser]).to_contain_text(f"Already given by {name} at ", timeout=2_000)
    expect(rows[winner]).to_contain_text(f"Given by {name} at ")
    expect(rows[winner]).not_to_contain_text("Already")
