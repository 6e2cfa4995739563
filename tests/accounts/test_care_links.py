"""Inviting a caregiver, accepting once, revoking; nobody acts on someone else's links."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import AccountType, CareLink, CareLinkStatus, Patient, User
from tests.support import https_client

from .helpers import PASSWORD, link_in_last_email

pytestmark = pytest.mark.django_db


def make_user(email: str, **fields: object) -> User:
    fields.setdefault("email_verified", True)
    return User.objects.create_user(email, PASSWORD, account_type=AccountType.CAREGIVER,
                                    **fields)


def invite(client: Client, patient: Patient, email: str = "dana@example.org") -> CareLink:
    client.force_login(patient.user)
    response = client.post(reverse("care_invite"), {"email": email})
    assert response.status_code == 302, response.content.decode()
    return CareLink.objects.get(patient=patient, invited_email=email)


def test_invite_email_link_accepted_by_another_user(patient: Patient) -> None:
    link = invite(https_client(), patient)
    assert link.status == CareLinkStatus.INVITED
    assert mail.outbox[-1].to == ["dana@example.org"]
    accept_path = link_in_last_email()
    assert accept_path == reverse("care_accept", kwargs={"token": link.token})

    dana = make_user("dana@example.org", first_name="Dana")
    client = https_client()
    client.force_login(dana)
    page = client.get(accept_path)
    assert page.status_code == 200 and b"alex@example.org" in page.content
    response = client.post(accept_path)
    assert response["Location"] == reverse("care_home")
    link.refresh_from_db()
    assert link.status == CareLinkStatus.ACCEPTED and link.caregiver == dana
    assert b"alex" in client.get(reverse("care_home")).content


def test_the_link_works_once(patient: Patient) -> None:
    link = invite(https_client(), patient)
    first, second = https_client(), https_client()
    first.force_login(make_user("dana@example.org"))
    second.force_login(make_user("eve@example.org"))
    path = reverse("care_accept", kwargs={"token": link.token})
    assert first.post(path).status_code == 302
    assert second.get(path).status_code == 410
    assert second.post(path).status_code == 410
    link.refresh_from_db()
    assert link.caregiver is not None and link.caregiver.email == "dana@example.org"


def test_a_patient_cannot_accept_their_own_invite(client: Client, patient: Patient) -> None:
    link = invite(client, patient)
    path = reverse("care_accept", kwargs={"token": link.token})
    assert client.get(path).status_code == 403
    response = client.post(path)
    assert response.status_code == 403 and b"your own invitation" in response.content
    link.refresh_from_db()
    assert link.status == CareLinkStatus.INVITED and link.caregiver is None


def test_a_revoked_invite_cannot_be_accepted(client: Client, patient: Patient) -> None:
    link = invite(client, patient)
    assert client.post(reverse("care_revoke", args=[link.pk])).status_code == 302
    dana = https_client()
    dana.force_login(make_user("dana@example.org"))
    response = dana.post(reverse("care_accept", kwargs={"token": link.token}))
    assert response.status_code == 410 and b"withdrawn" in response.content
    link.refresh_from_db()
    assert link.status == CareLinkStatus.REVOKED and link.caregiver is None


def test_inviting_a_revoked_address_again_makes_a_new_link(client: Client,
                                                          patient: Patient) -> None:
    link = invite(client, patient)
    old_token = link.token
    client.post(reverse("care_revoke", args=[link.pk]))
    again = invite(client, patient)
    assert again.pk == link.pk and again.status == CareLinkStatus.INVITED
    assert again.token != old_token
    stale = reverse("care_accept", kwargs={"token": old_token})
    assert client.get(stale).status_code == 404


def test_a_signed_out_invitee_reads_who_invites_them_and_to_what(client: Client,
                                                                 patient: Patient) -> None:
    link = CareLink.objects.create(patient=patient, invited_email="dana@example.org")
    path = reverse("care_accept", kwargs={"token": link.token})
    page = client.get(path).content.decode()
    assert "asks you to look after their medications in PulseRx" in page
    assert patient.user.email in page and "dana@example.org" in page
    assert f'href="{reverse("login")}?next=' in page
    signup = re.search(r'href="(/accounts/signup/\?[^"]+)"', page)
    assert signup
    form = client.get(signup.group(1).replace("&amp;", "&")).content.decode()
    assert 'value="caregiver" id="id_account_type_1" checked' in form \
        or re.search(r'value="caregiver"[^>]*checked', form)
    assert 'value="dana@example.org"' in form
    response = client.post(path)  # accepting needs an account
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")
    link.refresh_from_db()
    assert link.status == CareLinkStatus.INVITED


def test_invite_errors_are_shown_next_to_the_field(client: Client, patient: Patient,
                                                   caregiver: User) -> None:
    client.force_login(patient.user)
    for email, message in (("alex@example.org", "your own address"),
                           ("carol@example.org", "already looks after you"),
                           ("not-an-email", "valid email")):
        response = client.post(reverse("care_invite"), {"email": email})
        html = response.content.decode()
        assert response.status_code == 200
        assert message in html and 'id="invite_email_error"' in html
    assert CareLink.objects.filter(patient=patient).count() == 1
    assert mail.outbox == []


def test_toggle_missed_dose_alerts(client: Client, patient: Patient, caregiver: User) -> None:
    link = CareLink.objects.get(caregiver=caregiver)
    client.force_login(patient.user)
    client.post(reverse("care_alerts", args=[link.pk]), {"alert_on_missed": "off"})
    link.refresh_from_db()
    assert link.alert_on_missed is False
    client.post(reverse("care_alerts", args=[link.pk]), {"alert_on_missed": "on"})
    link.refresh_from_db()
    assert link.alert_on_missed is True
    bad = client.post(reverse("care_alerts", args=[link.pk]), {"alert_on_missed": "maybe"})
    assert bad.status_code == 400


def test_other_patient_can_neither_see_nor_touch_the_links(
    client: Client, patient: Patient, caregiver: User, other_patient: Patient
) -> None:
    link = CareLink.objects.get(caregiver=caregiver)
    client.force_login(other_patient.user)
    assert b"carol@example.org" not in client.get(reverse("account_settings")).content
    assert client.post(reverse("care_revoke", args=[link.pk])).status_code == 404
    assert client.post(reverse("care_alerts", args=[link.pk]),
                       {"alert_on_missed": "off"}).status_code == 404
    link.refresh_from_db()
    assert link.status == CareLinkStatus.ACCEPTED and link.alert_on_missed is True


def test_a_caregiver_cannot_invite_or_revoke(client: Client, patient: Patient,
                                             caregiver: User) -> None:
    link = CareLink.objects.get(caregiver=caregiver)
    client.force_login(caregiver)
    assert client.post(reverse("care_invite"), {"email": "x@example.org"}).status_code == 404
    assert client.post(reverse("care_revoke", args=[link.pk])).status_code == 404


def test_care_actions_are_post_only(client: Client, patient: Patient, caregiver: User) -> None:
    link = CareLink.objects.get(caregiver=caregiver)
    client.force_login(patient.user)
    assert client.get(reverse("care_revoke", args=[link.pk])).status_code == 405
    assert client.get(reverse("care_invite")).status_code == 405


def test_caregiver_home_lists_only_accepted_links(client: Client, patient: Patient,
                                                  caregiver: User,
                                                  other_patient: Patient) -> None:
    CareLink.objects.create(patient=other_patient, caregiver=caregiver,
                            invited_email=caregiver.email, status=CareLinkStatus.REVOKED)
    client.force_login(caregiver)
    html = client.get(reverse("care_home")).content.decode()
    assert "<strong>alex</strong>" in html and "<strong>sam</strong>" not in html
