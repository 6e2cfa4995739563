"""People without a login: a carer adds a person they look after (a child, a parent with
dementia, a resident), manages their medications on the person's own pages, the carers who
give are reminded and record the doses, and the person may later get their own login and
keep their whole record. Nothing is ever emailed to the person's placeholder address."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from pulserx.accounts import deletion, people, verification
from pulserx.accounts.models import (
    AccessKind,
    AccessRecord,
    AccountType,
    CareLink,
    CareLinkStatus,
    CareRole,
    Patient,
    User,
)
from pulserx.dispatch.tick import tick
from pulserx.exports.dose_csv import dose_rows
from pulserx.exports.report import build_report
from pulserx.notifications.models import Channel, Delivery, Notification, NotificationKind
from pulserx.notifications.sending import attempt_delivery
from pulserx.reminders.actions import record_dose
from pulserx.reminders.adherence import adherence
from pulserx.reminders.clock import local_today
from pulserx.reminders.models import DayRoutine, Dose, DoseStatus, Medication
from tests import factories as make
from tests.care.conftest import carer, signed_in
from tests.support import https_client
from tests.web.test_medication_form import form_data

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def caregiver_account(name: str) -> User:
    return User.objects.create_user(f"{name.lower()}@example.org", "correct horse battery",
                                    first_name=name, email_verified=True,
                                    account_type=AccountType.CAREGIVER)


@pytest.fixture
def mia() -> User:
    """Mia looks after her father; she has no patient profile of her own."""
    return caregiver_account("Mia")


@pytest.fixture
def dad(mia: User) -> Patient:
    return people.create_person(mia, "Dad", "Europe/Lisbon")


def internal_mail() -> list[str]:
    return [address for message in mail.outbox for address in message.recipients()
            if people.is_internal_address(address)]


# Adding a person ---------------------------------------------------------------------------

def test_a_carer_adds_a_person_from_their_home_page(mia: User):
    client = signed_in(mia)
    page = client.get("/accounts/care/").content.decode()
    assert "Add a person you look after" in page and 'action="/accounts/care/people/new/"' in page

    response = client.post("/accounts/care/people/new/",
                           {"name": "  Grandma Rosa ", "timezone": "Europe/Rome"})

    person = Patient.objects.select_related("user").get(user__first_name="Grandma Rosa")
    assert response.status_code == 302 and response["Location"] == f"/care/{person.pk}/"
    assert person.timezone == "Europe/Rome"
    user = person.user
    assert not user.has_usable_password() and not user.email_verified
    assert re.fullmatch(r"person-[0-9a-f]{24}@people\.invalid", user.email)
    assert user.account_type == AccountType.PATIENT
    link = CareLink.objects.get(patient=person)
    assert (link.caregiver, link.status, link.role) == (mia, CareLinkStatus.ACCEPTED,
                                                        CareRole.MANAGES)
    # The day routine starts at its defaults; the manager may change it.
    assert not DayRoutine.objects.filter(patient=person).exists()
    assert client.get(f"/care/{person.pk}/day").status_code == 200
    # The person is on Mia's list and their day page links to their medications.
    assert "Grandma Rosa" in client.get("/accounts/care/").content.decode()
    day = client.get(f"/care/{person.pk}/").content.decode()
    assert f'href="/care/{person.pk}/medications/"' in day
    assert "Give them their own login" in day
    assert mail.outbox == []


def test_their_day_is_set_as_they_are_added(mia: User):
    client = signed_in(mia)
    page = client.get("/accounts/care/").content.decode()
    assert 'name="wake" value="07:00"' in page and 'name="bedtime" value="22:30"' in page
    client.post("/accounts/care/people/new/", {"name": "Leo", "timezone": "Europe/Paris",
                                               "wake": "6:15 am", "bedtime": "19:30",
                                               "lunch": ""})
    day = DayRoutine.day_of(Patient.objects.get(user__first_name="Leo"))
    assert (day.wake, day.breakfast, day.lunch, day.bedtime) == \
        (time(6, 15), time(7, 30), time(12, 30), time(19, 30))

    response = client.post("/accounts/care/people/new/",
                           {"name": "Ivo", "timezone": "Europe/Paris", "wake": "25:00"})
    assert response.status_code == 400
    assert "“25:00” is not a time of day." in response.content.decode()
    assert not Patient.objects.filter(user__first_name="Ivo").exists()


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "localtime"])
def test_a_bad_zone_is_refused_with_a_clear_message_and_nothing_saved(mia: User, zone: str):
    users, patients, links = User.objects.count(), Patient.objects.count(), \
        CareLink.objects.count()
    response = signed_in(mia).post("/accounts/care/people/new/",
                                   {"name": "Leo", "timezone": zone})

    assert response.status_code == 400
    page = response.content.decode()
    if zone:
        assert f"“{zone}” is not a time zone we know. Choose one from the list, for example " \
               "Europe/London." in page
    else:
        assert "Choose their time zone, for example Europe/London." in page
    assert (User.objects.count(), Patient.objects.count(), CareLink.objects.count()) == \
        (users, patients, links)


def test_the_model_rule_refuses_a_bad_zone_too(mia: User):
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError, match="is not an IANA time zone"):
        people.create_person(mia, "Leo", "Europe/Atlantis")
    assert not Patient.objects.exists()


def test_a_person_cannot_sign_in(dad: Patient):
    email = dad.user.email
    client = https_client()
    response = client.post("/accounts/login/", {"username": email, "password": "whatever"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    for password in ("", "correct horse battery", dad.user.password):
        assert authenticate(RequestFactory().post("/accounts/login/"), username=email,
                            password=password) is None
    # No way in through a reset or a verification link either: neither is ever sent.
    https_client().post("/accounts/password/reset/", {"email": email})
    assert mail.outbox == []
    assert verification.send_verification(dad.user) is False
    assert mail.outbox == []


def test_no_email_ever_goes_to_the_placeholder_address(dad: Patient, mia: User):
    # Someone signs up with the address: the "you already have an account" email is not sent.
    https_client().post("/accounts/signup/", {
        "email": dad.user.email, "first_name": "X", "account_type": AccountType.PATIENT,
        "password1": "a much longer passphrase", "password2": "a much longer passphrase",
        "timezone": "Europe/London"})
    # A patient invites the address as a caregiver: the invitation is not emailed.
    from pulserx.accounts import care, emails
    assert emails.send_invite(care.invite_caregiver(make.make_patient("ivy@example.org"),
                                                    dad.user.email)) is False
    # Mia deletes her account: the people at the other end of her links are told, not Dad
    # (whom Bo, who gives his doses, manages from then on).
    carer(dad, "Bo", CareRole.GIVES)
    assert deletion.people_to_tell(mia) == []
    deletion.purge_account(mia)
    # The reminder email, had anyone turned it on, is refused for an unverified address.
    Patient.objects.filter(pk=dad.pk).update(notify_email=True)
    with time_machine.travel(NOW - timedelta(hours=12), tick=False):
        make.medication(dad, time(8), start=NOW.date())
    lisbon_eight = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)  # 08:00 in Lisbon (WEST)
    with time_machine.travel(lisbon_eight + timedelta(seconds=1), tick=False):
        tick()
        for delivery in Delivery.objects.filter(channel=Channel.EMAIL):
            attempt_delivery(delivery.pk)
    assert internal_mail() == []
    assert [message.to for message in mail.outbox] == [["bo@example.org"]]  # "you manage Dad"


# Acting for the person ---------------------------------------------------------------------

@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_manager_manages_their_medications(frozen, mia: User, dad: Patient):
    client = signed_in(mia)
    base = f"/care/{dad.pk}/medications/"
    assert client.get(base).status_code == 200
    assert client.get(base + "new").status_code == 200

    response = client.post(base + "new", form_data())
    assert response.status_code == 302 and response["Location"] == base
    medication = Medication.objects.get(patient=dad)
    assert medication.schedule.times == [{"at": "08:00", "amount": "1"},
                                         {"at": "20:00", "amount": "2"}]
    assert medication.schedule.next_due_at == datetime(2025, 6, 2, 19, 0, tzinfo=UTC)  # Lisbon
    page = client.get(base).content.decode()
    assert "Dad\u2019s medications" in page
    dad.refresh_from_db()
    assert reverse("calendar-feed", args=[dad.calendar_token]) in page
    for url in (f"{base}{medication.pk}/edit", f"{base}{medication.pk}/delete",
                f"{base}{medication.pk}/pause", f"/care/{dad.pk}/medications/import",
                f"/care/{dad.pk}/medications/export.fhir.json", f"/care/{dad.pk}/day"):
        assert f'"{url}"' in page

    response = client.post(f"{base}{medication.pk}/edit", form_data(
        recurrence="as_needed", name="Paracetamol", time=["", ""], amount=["1", ""]))
    assert response.status_code == 302
    medication.refresh_from_db()
    assert medication.name == "Paracetamol"

    client.post(f"{base}{medication.pk}/pause", {"paused": "1"})
    medication.refresh_from_db()
    assert medication.paused

    history = client.get(f"/care/{dad.pk}/history/").content.decode()
    assert f'action="{base}{medication.pk}/refill"' in history
    response = client.post(f"{base}{medication.pk}/refill", {"amount": "20"})
    assert response["Location"] == f"/care/{dad.pk}/history/#supply"
    medication.refresh_from_db()
    assert medication.stock == Decimal("50")

    bundle = client.get(f"/care/{dad.pk}/medications/export.fhir.json")
    assert bundle.status_code == 200 and json.loads(bundle.content)["resourceType"] == "Bundle"
    for path in ("report", "report.pdf", "doses.csv"):
        assert client.get(f"/care/{dad.pk}/history/{path}").status_code == 200

    response = client.post(f"{base}{medication.pk}/delete")
    assert response["Location"] == base
    assert not Medication.objects.filter(patient=dad).exists()
    # Mia's reads are in Dad's "who saw what" log, as every carer's are.
    assert set(AccessRecord.objects.filter(reader=mia, subject=dad)
               .values_list("kind", flat=True)) >= {AccessKind.DAY, AccessKind.HISTORY,
                                                    AccessKind.REPORT, AccessKind.EXPORT}


def test_only_the_manager_reaches_the_medication_pages(frozen, mia: User, dad: Patient,
                                                       patient: Patient):
    medication = make.medication(dad)
    giver = carer(dad, "Ana", CareRole.GIVES)
    watcher = carer(dad, "Sol", CareRole.SEES)
    stranger = caregiver_account("Zed")
    # Mia manages someone else too: Dad's medication is not reachable under their id.
    CareLink.objects.create(patient=patient, caregiver=mia, invited_email=mia.email,
                            status=CareLinkStatus.ACCEPTED, role=CareRole.MANAGES)
    base = f"/care/{dad.pk}/medications/"
    gets = [base, base + "new", f"{base}{medication.pk}/edit", f"{base}{medication.pk}/delete",
            f"/care/{dad.pk}/medications/import", f"/care/{dad.pk}/medications/export.fhir.json",
            f"/care/{dad.pk}/day"]
    posts = [f"{base}{medication.pk}/pause", f"{base}{medication.pk}/refill",
             f"{base}{medication.pk}/delete", base + "new"]
    for user in (giver, watcher, stranger):
        client = signed_in(user)
        for url in gets:
            assert client.get(url).status_code == 404, (user, url)
        for url in posts:
            assert client.post(url, {"paused": "1", "amount": "5"}).status_code == 404
    client = signed_in(mia)
    assert client.get(f"/care/{patient.pk}/medications/{medication.pk}/edit").status_code == 404
    # Their own pages stay their own: Dad's medication is not Ana's to edit there either.
    assert signed_in(giver).get(f"/medications/{medication.pk}/edit").status_code == 404
    # The giver's day page has no Medications link; no form for a login.
    day = signed_in(giver).get(f"/care/{dad.pk}/").content.decode()
    assert base not in day and "Give them their own login" not in day
    medication.refresh_from_db()
    assert not medication.paused and medication.stock == Decimal("10")


def test_a_patient_still_acts_for_themself(frozen, patient: Patient):
    client = signed_in(patient.user)
    response = client.post("/medications/new", form_data())
    assert response["Location"] == "/medications/"
    medication = Medication.objects.get(patient=patient)
    assert f'href="/medications/{medication.pk}/edit"' in client.get("/medications/").content \
        .decode()
    response = client.post(f"/medications/{medication.pk}/refill", {"amount": "3"})
    assert response["Location"] == "/history/#supply"
    # A patient reaches their own record through the care URL too: they are its subject.
    assert client.get(f"/care/{patient.pk}/medications/").status_code == 200


# Reminders ---------------------------------------------------------------------------------

def test_the_creator_is_reminded_as_giver(mia: User, dad: Patient):
    eight = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 08:00 in Lisbon (WET) in March
    with time_machine.travel(eight - timedelta(hours=12), tick=False):
        make.medication(dad, time(8), start=date(2026, 3, 2), name="Donepezil")
    with time_machine.travel(eight + timedelta(seconds=1), tick=False):
        tick()
    reminder = Notification.objects.get(recipient=mia)
    assert reminder.kind == NotificationKind.GIVER_REMINDER
    assert reminder.patient_id == dad.pk
    assert mail.outbox == []


# Their own login ---------------------------------------------------------------------------

def record_of(person: Patient, first: date, last: date, now: datetime) -> tuple[object, ...]:
    rows = [list(row) for row in dose_rows(person, first, last, now)]
    report = build_report(person, first, last, now)
    return (rows, report.recorded_by_text, adherence(person, now, 7))


def follow_link(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/welcome/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_person_gets_their_own_login_and_keeps_their_record(mia: User, dad: Patient):
    ana = carer(dad, "Ana", CareRole.GIVES)
    medication = make.medication(dad, time(8), time(20), start=date(2026, 3, 1),
                                 name="Donepezil")
    morning = make.dose(medication, datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    evening = make.dose(medication, datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    now = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        record_dose(morning.pk, DoseStatus.TAKEN, mia)
        record_dose(evening.pk, DoseStatus.TAKEN, ana)
        day = local_today(dad)
        before = record_of(dad, day - timedelta(days=6), day, now)
        assert before[1] == "Recorded by Mia (1), Ana (1)"
        history_before = signed_in(mia).get(f"/care/{dad.pk}/history/?day={day}") \
            .content.decode()

        client = signed_in(mia)
        response = client.post(f"/accounts/care/people/{dad.pk}/login/",
                               {"email": "Rui@Example.org"})
        assert response["Location"] == f"/care/{dad.pk}/#own-login"
        [message] = mail.outbox
        assert message.to == ["rui@example.org"]
        assert "Dad" in message.body and "Mia" in message.subject
        link = follow_link(message)

        person = https_client()
        page = person.get(link)
        assert page.status_code == 200 and "rui@example.org" in page.content.decode()
        response = person.post(link, {"new_password1": "a long new passphrase",
                                      "new_password2": "a long new passphrase"})
        assert response.status_code == 302 and response["Location"] == "/"
        assert person.get("/").status_code == 200  # signed in: their own Today

        dad.user.refresh_from_db()
        assert dad.user.email == "rui@example.org" and dad.user.email_verified
        assert dad.user.has_usable_password() and not people.is_without_login(dad.user)
        assert authenticate(RequestFactory().post("/accounts/login/"),
                            username="rui@example.org", password="a long new passphrase") \
            == dad.user
        assert Patient.objects.get(user=dad.user).pk == dad.pk

        after = record_of(dad, day - timedelta(days=6), day, now)
        assert after == before
        assert Dose.objects.get(pk=morning.pk).acted_by_id == mia.pk
        assert Dose.objects.get(pk=evening.pk).acted_by_id == ana.pk
        own_history = person.get(f"/history/?day={day}").content.decode()
        for words in ("Given by Mia at ", "Given by Ana at "):
            assert words in own_history and words in history_before
        # Mia stays on the care team and still manages.
        assert CareLink.objects.get(patient=dad, caregiver=mia).role == CareRole.MANAGES
        assert signed_in(mia).get(f"/care/{dad.pk}/medications/").status_code == 200
        assert "Give them their own login" not in signed_in(mia).get(
            f"/care/{dad.pk}/").content.decode()

        # The link works once.
        assert https_client().get(link).status_code == 410
        assert len(mail.outbox) == 1 and internal_mail() == []


def test_the_login_link_is_only_for_a_manager_and_a_free_address(mia: User, dad: Patient,
                                                                 patient: Patient):
    ana = carer(dad, "Ana", CareRole.GIVES)
    url = f"/accounts/care/people/{dad.pk}/login/"
    assert signed_in(ana).post(url, {"email": "rui@example.org"}).status_code == 404
    # Not for someone who signs in already.
    CareLink.objects.create(patient=patient, caregiver=mia, invited_email=mia.email,
                            status=CareLinkStatus.ACCEPTED, role=CareRole.MANAGES)
    assert signed_in(mia).post(f"/accounts/care/people/{patient.pk}/login/",
                               {"email": "x@example.org"}).status_code == 404
    # An address with an account, or the placeholder itself, is refused.
    for email in (patient.user.email, dad.user.email, "person-1@people.invalid"):
        signed_in(mia).post(url, {"email": email})
    assert mail.outbox == []
    # A link whose address was taken meanwhile no longer works.
    signed_in(mia).post(url, {"email": "rui@example.org"})
    link = follow_link(mail.outbox[0])
    caregiver_account("Rui")
    assert https_client().get(link).status_code == 410
    assert https_client().get("/accounts/welcome/forged/").status_code == 410
    dad.user.refresh_from_db()
    assert people.is_without_login(dad.user)


# When the one who manages leaves ----------------------------------------------------------


def test_deleting_the_only_manager_hands_the_person_to_whoever_gives(dad: Patient, mia: User):
    make.medication(dad, time(8), start=NOW.date())
    bo = carer(dad, "Bo", CareRole.SEES)
    ana = carer(dad, "Ana", CareRole.GIVES)
    User.objects.filter(pk=ana.pk).update(language="de")
    page = signed_in(mia).get(reverse("delete_account")).content.decode()
    assert "Dad has no login of their own" in page and "Ana will manage them after you" in page

    deletion.purge_account(mia)
    assert CareLink.objects.get(patient=dad, caregiver=ana).role == CareRole.MANAGES
    assert CareLink.objects.get(patient=dad, caregiver=bo).role == CareRole.SEES
    assert Medication.objects.filter(patient=dad).count() == 1
    told = [m for m in mail.outbox if m.to == [ana.email]]
    assert len(told) == 1 and "Dad" in told[0].subject
    assert "Mia" in told[0].body and "Hallo Ana" in told[0].body  # in Ana's own language


def test_deleting_the_only_one_on_the_team_purges_the_person_too(dad: Patient, mia: User):
    make.medication(dad, time(8), start=NOW.date())
    page = signed_in(mia).get(reverse("delete_account")).content.decode()
    assert "nobody else is on their care team" in page
    deletion.purge_account(mia)
    assert not User.objects.filter(pk=dad.user.pk).exists()
    assert not Medication.objects.filter(patient_id=dad.pk).exists()
    assert internal_mail() == []


def test_another_manager_or_a_login_of_their_own_keeps_things_as_they_are(
        dad: Patient, mia: User):
    zoe = carer(dad, "Zoe", CareRole.MANAGES)
    ivy = make.make_patient("ivy@example.org")  # has her own login; Mia manages her too
    CareLink.objects.create(patient=ivy, caregiver=mia, invited_email=mia.email,
                            status=CareLinkStatus.ACCEPTED, role=CareRole.MANAGES)
    assert people.handovers(mia) == []
    deletion.purge_account(mia)
    assert User.objects.filter(pk__in=[dad.user.pk, ivy.user.pk]).count() == 2
    assert [link.caregiver for link in CareLink.objects.filter(patient=dad)] == [zoe]
