"""An invitation goes to an address, and only the verified owner of that address can
accept it; a revoked caregiver loses the alerts they already had."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from pulserx.accounts.models import AccountType, CareLink, CareLinkStatus, Patient, User
from pulserx.accounts.verification import verification_token
from pulserx.notifications.models import Notification, NotificationKind
from pulserx.reminders.models import Dose, DoseStatus, Medication
from tests.support import https_client

from .helpers import PASSWORD, link_in_last_email

pytestmark = pytest.mark.django_db


def invited(patient: Patient, email: str = "dana@example.org") -> CareLink:
    return CareLink.objects.create(patient=patient, invited_email=email)


def caregiver_named(email: str, verified: bool) -> User:
    return User.objects.create_user(email, PASSWORD, account_type=AccountType.CAREGIVER,
                                    email_verified=verified)


def accept(user: User, link: CareLink) -> int:
    client = https_client()
    client.force_login(user)
    return client.post(reverse("care_accept", kwargs={"token": link.token})).status_code


def test_sign_up_emails_a_link_that_verifies_the_address() -> None:
    response = https_client().post(reverse("signup"), {
        "first_name": "Dana", "email": "dana@example.org", "password1": PASSWORD,
        "password2": PASSWORD, "account_type": "caregiver"})
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get()
    assert not user.email_verified
    assert mail.outbox[-1].to == [user.email]

    browser = https_client()
    first = browser.get(link_in_last_email())
    again = https_client().get(link_in_last_email())

    assert first.status_code == 302 and browser.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.email_verified
    # Used once, the link only confirms: it is not a way to sign in.
    assert again.status_code == 200 and "is confirmed" in again.content.decode()


def test_a_forged_or_stale_verification_link_verifies_nothing() -> None:
    user = caregiver_named("dana@example.org", verified=False)
    token = verification_token(user)
    user.email = "other@example.org"
    user.save()

    stale = https_client().get(reverse("verify_email", kwargs={"token": token}))
    forged = https_client().get(reverse("verify_email", kwargs={"token": token[:-2] + "xx"}))

    assert stale.status_code == forged.status_code == 400
    user.refresh_from_db()
    assert not user.email_verified


def test_an_unverified_account_cannot_accept_an_invitation_to_its_address(
        patient: Patient) -> None:
    link = invited(patient)
    dana = caregiver_named("dana@example.org", verified=False)

    assert accept(dana, link) == 403
    link.refresh_from_db()
    assert link.status == CareLinkStatus.INVITED and link.caregiver is None

    User.objects.filter(pk=dana.pk).update(email_verified=True)
    dana.refresh_from_db()
    assert accept(dana, link) == 302
    link.refresh_from_db()
    assert link.status == CareLinkStatus.ACCEPTED and link.caregiver == dana


def test_an_invitation_cannot_be_accepted_by_another_address(patient: Patient) -> None:
    link = invited(patient, "dana@example.org")
    mallory = caregiver_named("mallory@example.org", verified=True)

    assert accept(mallory, link) == 403
    link.refresh_from_db()
    assert link.status == CareLinkStatus.INVITED and link.caregiver is None


def test_the_invited_address_matches_whatever_its_case(patient: Patient) -> None:
    link = invited(patient, "Dana@Example.org")
    assert accept(caregiver_named("dana@example.org", verified=True), link) == 302


def test_revoking_a_caregiver_removes_their_past_alerts(patient: Patient,
                                                       caregiver: User) -> None:
    medication = Medication.objects.create(patient=patient, name="Metformin")
    dose = Dose.objects.create(patient=patient, medication=medication, due_at=timezone.now(),
                               status=DoseStatus.MISSED)
    Notification.objects.create(recipient=caregiver, patient=patient, dose=dose,
                                kind=NotificationKind.CAREGIVER_MISSED, created_at=timezone.now())
    link = CareLink.objects.get(caregiver=caregiver)
    owner = https_client()
    owner.force_login(patient.user)
    reader = https_client()
    reader.force_login(caregiver)
    before = reader.get(reverse("inbox_since") + "?after=0").json()
    assert len(before["notifications"]) == 1
    assert "Metformin" in str(before["notifications"])

    owner.post(reverse("care_revoke", args=[link.pk]))

    after = reader.get(reverse("inbox_since") + "?after=0").json()
    assert after["notifications"] == [] and after["unread"] == 0
    assert not Notification.objects.filter(recipient=caregiver).exists()
    assert "Metformin" not in reader.get(reverse("inbox")).content.decode()


def test_settings_offer_to_resend_the_confirmation_link(patient: Patient) -> None:
    User.objects.filter(pk=patient.user_id).update(email_verified=False)
    client = https_client()
    client.force_login(patient.user)
    assert "not confirmed yet" in client.get(reverse("account_settings")).content.decode()

    response = client.post(reverse("resend_verification"),
                           {"next": reverse("account_settings")})

    assert response["Location"] == reverse("account_settings")
    assert mail.outbox[-1].to == [patient.user.email]
    assert mail.outbox[-1].subject == "Confirm your PulseRx email address"
