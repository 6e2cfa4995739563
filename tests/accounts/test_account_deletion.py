"""Delete my account: password again, a week's grace that signing in cancels, then a purge
that leaves no row of the person behind and tells their caregivers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import mail
from django.db.models import Model, Q
from django.urls import reverse
from django.utils import timezone

from pulserx.accounts.access_log import record_read
from pulserx.accounts.deletion import CANCELLED_MESSAGE, purge_expired
from pulserx.accounts.models import AccessKind, Patient, PendingEmailChange, User
from pulserx.api.models import ApiToken
from pulserx.notifications.models import (
    Channel,
    Delivery,
    Notification,
    NotificationKind,
    PushSubscription,
    ReplyCursor,
    Service,
    UserChannel,
)
from pulserx.reminders.models import Dose
from tests.factories import dose as make_dose
from tests.factories import medication
from tests.support import https_client

PASSWORD = "correct horse battery"


def paths_to_people(model: type[Model], depth: int = 3) -> list[str]:
    """Lookup paths from `model` through forward foreign keys to a User or a Patient."""
    found: list[str] = []

    def walk(current: type[Model], prefix: str, left: int) -> None:
        for field in current._meta.get_fields():
            if not (field.many_to_one or field.one_to_one) or field.auto_created:
                continue
            target = field.related_model
            if not isinstance(target, type):
                continue
            path = f"{prefix}{field.name}"
            if target in (User, Patient):
                found.append(path)
            elif left > 1:
                walk(target, f"{path}__", left - 1)

    walk(model, "", depth)
    return found


def rows_of(patient: Patient) -> dict[str, int]:
    """Rows per table that belong to or name the patient or their user (the ids are the
    ones in memory: the rows may be gone)."""
    user, patient_id = patient.user, patient.pk
    counts: dict[str, int] = {}
    for model in apps.get_models():
        query = Q(pk=user.pk) if model is User else Q(pk=patient_id) if model is Patient else Q()
        for path in paths_to_people(model):
            target = User if path_ends_at(model, path) is User else Patient
            query |= Q(**{path: user.pk if target is User else patient_id})
        if query:
            counts[model._meta.label] = model.objects.filter(query).distinct().count()
    counts["sessions.Session(decoded)"] = sum(
        1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))
    counts["axes.AccessAttempt(username)"] = AccessAttempt.objects.filter(
        username=user.email).count()
    return counts


def path_ends_at(model: type[Model], path: str) -> type[Model]:
    current = model
    for name in path.split("__"):
        related = current._meta.get_field(name).related_model
        assert isinstance(related, type)
        current = related
    return current


def fill_every_table(patient: Patient, caregiver: User) -> None:
    user = patient.user
    taken = make_dose(medication(patient, "08:00", "20:00"), timezone.now())
    dose = Dose.objects.get(pk=taken.pk)
    dose.acted_by = caregiver  # a dose the caregiver recorded stays the patient's
    dose.save(update_fields=["acted_by"])
    now = timezone.now()
    for recipient in (user, caregiver):
        note = Notification.objects.create(recipient=recipient, patient=patient, dose=dose,
                                           kind=NotificationKind.REMINDER, created_at=now)
        Delivery.objects.create(notification=note, channel=Channel.EMAIL)
    UserChannel.objects.create(user=user, service=Service.NTFY, name="phone",
                               sealed_settings="sealed")
    room = UserChannel.objects.create(user=user, service=Service.MATRIX, name="room",
                                      sealed_settings="sealed")
    ReplyCursor.objects.create(channel=room, room_id="!room:example.org", position="s1")
    PushSubscription.objects.create(user=user, endpoint="https://push.example/abc",
                                    p256dh="key", auth="auth")
    ApiToken.issue(user, "script")
    PendingEmailChange.objects.create(user=user, email="nova@example.org",
                                      requested_at=now)
    record_read(caregiver, patient, AccessKind.HISTORY)
    https_client().force_login(user)
    https_client().post(reverse("login"), {"username": user.email, "password": "wrong one"})


@pytest.mark.django_db(transaction=True)
def test_the_purge_leaves_no_row_of_the_deleted_patient(patient, caregiver, other_patient):
    fill_every_table(patient, caregiver)
    make_dose(medication(other_patient, "09:00"), timezone.now())
    user = patient.user
    before = rows_of(patient)
    others_before = rows_of(other_patient)
    for label in ("reminders.Dose", "notifications.Notification", "notifications.Delivery",
                  "notifications.UserChannel", "notifications.ReplyCursor",
                  "notifications.PushSubscription",
                  "api.ApiToken", "accounts.CareLink", "accounts.AccessRecord",
                  "accounts.SignedInSession", "accounts.PendingEmailChange",
                  "sessions.Session(decoded)", "axes.AccessAttempt(username)"):
        assert before[label] > 0, label

    client = https_client()
    client.force_login(user)
    asked = client.post(reverse("delete_account"), {"password": PASSWORD})
    assert asked.status_code == 200 and b"will be deleted" in asked.content
    assert purge_expired(timezone.now() + timedelta(days=6)).accounts == 0
    assert User.objects.filter(pk=user.pk).exists()

    assert purge_expired(timezone.now() + timedelta(days=7, minutes=1)).accounts == 1
    after = rows_of(patient)
    assert {label: n for label, n in after.items() if n} == {}
    assert rows_of(other_patient) == others_before
    assert User.objects.filter(pk=caregiver.pk).exists()
    told = [m for m in mail.outbox if caregiver.email in m.to]
    assert len(told) == 1 and "deleted their PulseRx account" in told[0].subject


@pytest.mark.django_db
def test_signing_in_during_the_grace_period_cancels_the_deletion(patient):
    client, phone = https_client(), https_client()
    client.force_login(patient.user)
    phone.force_login(patient.user)
    client.post(reverse("delete_account"), {"password": PASSWORD})
    patient.user.refresh_from_db()
    assert patient.user.delete_after is not None
    assert client.get(reverse("account_settings")).status_code == 302  # signed out
    assert phone.get(reverse("account_settings")).status_code == 302  # everywhere

    signed_in = client.post(reverse("login"), {"username": patient.user.email,
                                               "password": PASSWORD}, follow=True)
    assert CANCELLED_MESSAGE in signed_in.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.delete_after is None
    assert purge_expired(timezone.now() + timedelta(days=30)).accounts == 0
    assert User.objects.filter(pk=patient.user.pk).exists()


@pytest.mark.django_db
def test_tokens_and_the_calendar_rest_while_the_account_waits_to_be_deleted(patient):
    _, token = ApiToken.issue(patient.user, "script")
    script = https_client(headers={"Authorization": f"Bearer {token}"})
    feed = reverse("calendar-feed", args=[patient.calendar_token])
    assert script.get("/api/v1/medications").status_code == 200
    assert https_client().get(feed).status_code == 200

    client = https_client()
    client.force_login(patient.user)
    client.post(reverse("delete_account"), {"password": PASSWORD})
    refused = script.get("/api/v1/medications")
    assert refused.status_code == 403
    assert "waiting to be deleted" in refused.json()["detail"]
    assert https_client().get(feed).status_code == 404

    client.post(reverse("login"), {"username": patient.user.email, "password": PASSWORD})
    assert script.get("/api/v1/medications").status_code == 200
    assert https_client().get(feed).status_code == 200


@pytest.mark.django_db
def test_deletion_needs_the_password_again(patient):
    client = https_client()
    client.force_login(patient.user)
    refused = client.post(reverse("delete_account"), {"password": "not it"})
    assert refused.status_code == 200 and b"That is not your password." in refused.content
    patient.user.refresh_from_db()
    assert patient.user.delete_after is None


@pytest.mark.django_db
def test_guessing_the_password_to_delete_ends_in_a_lockout(patient, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = https_client()
    client.force_login(patient.user)
    statuses = [client.post(reverse("delete_account"), {"password": f"guess {n}"}).status_code
                for n in range(4)]
    assert statuses == [200, 200, 429, 429]
    assert client.post(reverse("delete_account"), {"password": PASSWORD}).status_code == 429
    patient.user.refresh_from_db()
    assert patient.user.delete_after is None


@pytest.mark.django_db
def test_the_purge_command_deletes_accounts_whose_week_has_passed(patient):
    from io import StringIO

    from django.core.management import call_command

    User.objects.filter(pk=patient.user.pk).update(
        delete_after=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "accounts deleted: 1" in out.getvalue()
    assert not User.objects.filter(pk=patient.user.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_purges_on_its_first_tick(patient):
    import time

    from pulserx.dispatch.worker import TickThread

    User.objects.filter(pk=patient.user.pk).update(
        delete_after=timezone.now() - timedelta(minutes=1))
    thread = TickThread()
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while User.objects.filter(pk=patient.user.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        thread.stopping.set()
        thread.join(timeout=30)
    assert not User.objects.filter(pk=patient.user.pk).exists()


@pytest.mark.django_db
def test_a_caregiver_who_deletes_their_account_is_gone_and_the_patient_is_told(
        patient, caregiver):
    User.objects.filter(pk=caregiver.pk).update(
        delete_after=timezone.now() - timedelta(minutes=1))
    assert purge_expired().accounts == 1
    assert not patient.care_links.exists()
    [told] = mail.outbox
    assert told.to == [patient.user.email] and "Carol" in told.subject


@pytest.mark.django_db
def test_the_link_ended_email_is_in_the_reader_s_language(patient, caregiver):
    User.objects.filter(pk=patient.user.pk).update(language="es")
    User.objects.filter(pk=caregiver.pk).update(
        delete_after=timezone.now() - timedelta(minutes=1))
    purge_expired()
    [told] = mail.outbox
    assert told.body.startswith("Hola") and "eliminó" in told.body and "Carol" in told.subject
