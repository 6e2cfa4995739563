"""The carer's round: every dose due now and in the next hours of everyone a carer gives to,
by person and in time order, with Given / Skip through the one place doses are recorded."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pulserx.accounts.models import CareLink, CareLinkStatus, CareRole, Patient, User
from pulserx.reminders.models import Dose, DoseStatus, RecordedVia
from pulserx.web.round_views import OVERDUE_REACH, ROUND_AHEAD
from tests import factories as make
from tests.care.conftest import carer, signed_in

# A Monday in summer: London is UTC+1, New York UTC-4.
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def at_nine() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def gives_to(user: User, patient: Patient, role: CareRole = CareRole.GIVES) -> None:
    CareLink.objects.create(patient=patient, caregiver=user, invited_email=user.email,
                            status=CareLinkStatus.ACCEPTED, role=role)


def round_page(user: User) -> str:
    answer = signed_in(user).get(reverse("round"))
    assert answer.status_code == 200
    return answer.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def two_people(patient: Patient, other_patient: Patient, ana: User) -> dict[str, Dose]:
    """Alex (London) has a dose due since 09:55 their time and the 11:30 one planned; Sam
    (New York) has the 06:15 one, 10:15 UTC. Ana gives to both and keeps London's clock."""
    gives_to(ana, other_patient)
    User.objects.filter(pk=ana.pk).update(timezone="Europe/London")
    metformin = make.medication(patient, "11:30", name="Metformin", strength="500 mg")
    due = make.dose(metformin, NOW - timedelta(minutes=5), DoseStatus.NOTIFIED)
    make.medication(other_patient, "06:15", name="Lisinopril", strength="10 mg")
    return {"due": due}


def test_the_round_lists_each_person_in_time_order_on_their_own_clock(
        patient: Patient, other_patient: Patient, ana: User, two_people: dict[str, Dose]):
    html = round_page(ana)

    assert html.count("<h1") == 1 and "Your round" in text_of(html)
    alex = html.index(f'<h2 id="round-person-{patient.pk}">alex</h2>')
    sam = html.index(f'<h2 id="round-person-{other_patient.pk}">sam</h2>')
    assert alex < sam  # Alex's first dose (08:55 UTC) is before Sam's (10:15 UTC)
    alex_part, sam_part = text_of(html[alex:sam]), text_of(html[sam:])
    assert alex_part.index("09:55") < alex_part.index("11:30")  # due, then planned
    assert "Lisinopril" in sam_part and "06:15" in sam_part
    assert "Times in America/New York, their clock" in sam_part
    assert "their clock" not in alex_part  # Ana's clock is Alex's: no zone to name
    assert len(re.findall(r"<h2 id=\"round-person-\d+\"", html)) == 2
    # Only the dose due has buttons, named for a screen reader with what and when.
    due = two_people["due"]
    assert html.count('class="round-button"') == 1
    assert f'action="{reverse("dose_take", args=[due.pk])}"' in html
    assert f'action="{reverse("dose_skip", args=[due.pk])}"' in html
    assert re.search(r"Given<span class=\"visually-hidden\">: Metformin at 09:55, to alex",
                     html)
    assert re.search(r"Skip<span class=\"visually-hidden\">: Metformin at 09:55, for alex",
                     html)


def test_the_round_window_is_open_overdue_doses_and_the_next_hours(
        patient: Patient, ana: User):
    metformin = make.medication(patient, "23:00", name="Metformin")
    old = make.dose(metformin, NOW - OVERDUE_REACH - timedelta(minutes=1), DoseStatus.MISSED)
    missed = make.dose(metformin, NOW - timedelta(hours=3), DoseStatus.MISSED)
    taken = make.dose(metformin, NOW - timedelta(hours=2), DoseStatus.TAKEN,
                      acted_at=NOW - timedelta(hours=2), acted_by=patient.user)
    later = make.dose(metformin, NOW + ROUND_AHEAD + timedelta(minutes=1),
                      DoseStatus.SCHEDULED)
    make.dose(None, NOW - timedelta(minutes=1), patient=patient)  # their test reminder

    html = round_page(ana)

    assert f"round-dose-{missed.pk}" in html  # still recordable: given late
    for gone in (old, taken, later):
        assert f"round-dose-{gone.pk}\"" not in html
    assert "Test reminder" not in html and html.count('class="round-button"') == 1


def test_given_on_the_round_records_once_and_the_second_carer_is_told_who(
        patient: Patient, ana: User, ben: User, two_people: dict[str, Dose]):
    due = two_people["due"]
    fields = {"fragment": "state", "next": reverse("round")}

    first = signed_in(ana).post(reverse("dose_take", args=[due.pk]), fields, headers=HTMX)
    assert first.status_code == 200
    assert "Given by Ana at 10:00" in first.content.decode()
    due.refresh_from_db()
    assert due.status == DoseStatus.TAKEN and due.acted_by == ana
    assert due.recorded_via == RecordedVia.PAGE

    second = signed_in(ben).post(reverse("dose_take", args=[due.pk]), fields, headers=HTMX)
    assert "Already given by Ana at 10:00." in second.content.decode()
    assert Dose.objects.get(pk=due.pk).acted_by == ana
    metformin = due.medication
    assert metformin is not None
    metformin.refresh_from_db()
    assert metformin.stock == 9  # taken from the stock once

    # Ben's round says the same where the buttons were; Ana's says she gave it.
    assert "Already given by Ana at 10:00." in round_page(ben)
    ana_round = round_page(ana)
    assert "Given by Ana at 10:00" in ana_round and "Already" not in ana_round
    assert 'class="round-button"' not in ana_round


def test_the_round_without_script_goes_back_to_the_round(
        patient: Patient, ana: User, two_people: dict[str, Dose]):
    due = two_people["due"]
    answer = signed_in(ana).post(reverse("dose_skip", args=[due.pk]),
                                 {"next": reverse("round")})
    assert answer.status_code == 302 and answer["Location"] == reverse("round")
    assert Dose.objects.get(pk=due.pk).status == DoseStatus.SKIPPED


def test_the_list_alone_is_the_live_region(ana: User, two_people: dict[str, Dose]):
    html = signed_in(ana).get(reverse("round_list")).content.decode()
    assert html.startswith("<div id=\"round\"")
    assert 'data-live-region="doses"' in html
    assert f'data-refresh-url="{reverse("round_list")}"' in html
    assert "<h1" not in html and "Metformin" in html


def test_who_only_sees_or_was_revoked_has_no_round_for_that_person(
        patient: Patient, other_patient: Patient, sol: User, ana: User):
    make.medication(patient, "09:30", name="Metformin")
    make.medication(other_patient, "06:15", name="Lisinopril")
    gives_to(sol, other_patient)
    CareLink.objects.filter(caregiver=sol, patient=other_patient).update(
        status=CareLinkStatus.REVOKED)

    html = round_page(sol)
    assert "Metformin" not in html and "Lisinopril" not in html
    assert "You do not give doses to anyone yet." in html
    assert ">Round<" not in html  # and no link to it
    assert ">Round<" in round_page(ana)


def test_someone_who_gives_to_nobody_sees_a_friendly_empty_round(db: None):
    nobody = User.objects.create_user("dana@example.org", "correct horse battery",
                                      email_verified=True)
    html = round_page(nobody)
    assert "You do not give doses to anyone yet." in html
    assert html.count("<h1") == 1


def test_a_patient_without_anyone_to_give_to_sees_the_empty_round_too(patient: Patient):
    assert "You do not give doses to anyone yet." in round_page(patient.user)


def test_a_person_with_nothing_due_is_still_on_the_round(patient: Patient, ana: User):
    text = text_of(round_page(ana))
    assert "alex" in text and "Nothing due now or in the next 4 hours." in text


def test_a_manager_has_the_round_too(patient: Patient):
    mia = carer(patient, "Mia", CareRole.MANAGES)
    make.medication(patient, "11:30", name="Metformin")
    assert "Metformin" in round_page(mia)


def people_with_doses(count: int, offset: int) -> list[Patient]:
    """`count` people, each with 6 doses on the round: 2 due (stored), 4 planned."""
    people = []
    for n in range(count):
        person = make.make_patient(f"p{offset + n}@example.org",
                                   tz="America/New_York" if n % 2 else "Europe/London")
        zone_hour = 5 if n % 2 else 10  # 09:00 UTC on their clock
        times = [f"{zone_hour + h:02d}:{m:02d}" for h in range(1, 3) for m in (0, 30)]
        medication = make.medication(person, times=times, name=f"Med{n}")
        for minutes in (10, 40):
            make.dose(medication, NOW - timedelta(minutes=minutes), DoseStatus.NOTIFIED)
        people.append(person)
    return people


def round_queries(user: User) -> tuple[int, str]:
    client = signed_in(user)
    client.get(reverse("round"))  # the session and the access log's hour are warm
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("round")).content.decode()
    return len(queries), html


def test_the_round_reads_in_as_many_queries_for_twenty_people_as_for_two(db: None):
    few, many = (User.objects.create_user(f"{name}@example.org", "correct horse battery",
                                          first_name=name, email_verified=True)
                 for name in ("Few", "Many"))
    for person in people_with_doses(2, 0):
        gives_to(few, person)
    for person in people_with_doses(20, 100):
        gives_to(many, person)

    (few_count, few_html), (many_count, many_html) = round_queries(few), round_queries(many)

    assert few_html.count('round-button"') == 2 * 2 * 2  # Given and Skip, 2 due each
    assert many_html.count('round-button"') == 20 * 2 * 2
    assert many_html.count('class="round-dose ') == 20 * 6
    assert few_count == many_count
