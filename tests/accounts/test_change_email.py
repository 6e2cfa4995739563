"""Changing the sign-in address: asked with the password, made only when the link emailed to
the new address is opened; the old address is told. An address another account has gets a
note instead of a link, and the asker sees the same as for any address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pulserx.accounts.models import (
    AccountType,
    CareLink,
    CareLinkStatus,
    Patient,
    PendingEmailChange,
    SignInIdentity,
    User,
)
from tests.support import https_client

from .helpers import PASSWORD, link_in_last_email

pytestmark = pytest.mark.django_db

CONFIRM_PATH = "/accounts/email/confirm/"


def signed_in(user: User) -> Client:
    client = https_client()
    client.force_login(user)
    return client


def ask(client: Client, new_email: str, password: str = PASSWORD) -> Client:
    client.post(reverse("change_email"), {"new_email": new_email, "password": password})
    return client


def flash_and_section(client: Client) -> str:
    """What the asker reads on Settings after asking: the message and the Email address
    section."""
    page = client.get(reverse("account_settings")).content.decode()
    section = page[page.index('id="email-address"'):page.index('id="two-step"')]
    flashes = re.findall(r'class="flash[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", " ".join([*flashes, section]))


def signs_in(email: str) -> bool:
    response = https_client().post(reverse("login"), {"username": email, "password": PASSWORD})
    return response.status_code == 302


def confirm_link_sent_to(address: str) -> str:
    """The site-relative confirmation link of the one email sent to `address`."""
    sent = [message for message in mail.outbox if message.to == [address]]
    assert len(sent) == 1, [message.to for message in mail.outbox]
    match = re.search(r"https?://[^/\s]+(" + CONFIRM_PATH + r"\S+)", sent[0].body)
    assert match, sent[0].body
    return match.group(1)


def test_the_new_address_signs_in_once_its_link_is_opened_and_the_old_one_is_told(
        patient: Patient) -> None:
    user = patient.user
    client = signed_in(user)
    response = client.post(reverse("change_email"), {"new_email": " Nova@Example.ORG ",
                                                     "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_settings") + "#email-address"
    assert "We sent a link to nova@example.org" in flash_and_section(client)

    link = confirm_link_sent_to("nova@example.org")
    assert mail.outbox[-1].subject == "Confirm your new PulseRx sign-in address"
    # Until the link is opened, nothing changes.
    assert signs_in("alex@example.org") and not signs_in("nova@example.org")
    opened = https_client().get(link)
    assert opened.status_code == 200 and "nova@example.org" in opened.content.decode()
    user.refresh_from_db()
    assert user.email == "alex@example.org"

    done = https_client().post(link)

    assert done.status_code == 200 and "you now sign in with" in done.content.decode()
    user.refresh_from_db()
    assert (user.email, user.username, user.email_verified) == (
        "nova@example.org", "nova@example.org", True)
    assert signs_in("nova@example.org") and not signs_in("alex@example.org")
    notice = mail.outbox[-1]
    assert notice.to == ["alex@example.org"]
    assert notice.subject == "Your PulseRx sign-in address was changed"
    assert "changed to n…@example.org" in notice.body and "nova@" not in notice.body
    assert "If this was not you" in notice.body
    # The browser that asked stays signed in (only a new password ends other sessions).
    assert client.get(reverse("account_settings")).status_code == 200
    assert not PendingEmailChange.objects.exists()


def test_a_wrong_password_changes_nothing_and_counts_towards_the_lockout(
        patient: Patient, settings: object) -> None:
    settings.AXES_FAILURE_LIMIT = 3  # type: ignore[attr-defined]
    client = signed_in(patient.user)
    refused = client.post(reverse("change_email"), {"new_email": "nova@example.org",
                                                    "password": "not it"})
    assert refused.status_code == 200 and "That is not your password." in refused.content.decode()
    assert mail.outbox == [] and not PendingEmailChange.objects.exists()
    assert AccessAttempt.objects.get(username="alex@example.org").failures_since_start == 1

    statuses = [client.post(reverse("change_email"), {"new_email": "nova@example.org",
                                                      "password": f"guess {n}"}).status_code
                for n in range(3)]
    assert statuses == [200, 429, 429]
    locked = client.post(reverse("change_email"), {"new_email": "nova@example.org",
                                                   "password": PASSWORD})
    assert locked.status_code == 429
    assert mail.outbox == [] and not PendingEmailChange.objects.exists()


@pytest.mark.parametrize(("typed", "says"), [
    ("ALEX@example.org", "That is already your sign-in address."),
    ("not an address", "Enter a valid email address."),
    ("someone@people.invalid", "This address cannot receive email."),
])
def test_an_address_that_cannot_be_the_new_one_is_refused_with_a_message(
        patient: Patient, typed: str, says: str) -> None:
    response = signed_in(patient.user).post(reverse("change_email"), {
        "new_email": typed, "password": PASSWORD})
    assert response.status_code == 200 and says in response.content.decode()
    assert mail.outbox == [] and not PendingEmailChange.objects.exists()
    assert AccessAttempt.objects.count() == 0  # the password was right


def test_an_address_another_account_has_gets_a_note_and_the_asker_reads_the_same(
        patient: Patient, other_patient: Patient) -> None:
    free = ask(signed_in(patient.user), "nova@example.org")
    free_words = flash_and_section(free).replace("nova@example.org", "ADDRESS")
    PendingEmailChange.objects.all().delete()
    mail.outbox.clear()

    taken = ask(signed_in(patient.user), "Sam@Example.org")

    assert flash_and_section(taken).replace("sam@example.org", "ADDRESS") == free_words
    assert [message.to for message in mail.outbox] == [["sam@example.org"]]
    note = mail.outbox[0]
    assert note.subject == "Someone asked to move a PulseRx account to this address"
    assert "already has an account" in note.body and CONFIRM_PATH not in note.body
    assert reverse("login") in note.body
    patient.user.refresh_from_db()
    assert patient.user.email == "alex@example.org"


def test_an_address_taken_after_the_link_was_sent_is_refused_when_it_is_opened(
        patient: Patient) -> None:
    ask(signed_in(patient.user), "nova@example.org")
    link = confirm_link_sent_to("nova@example.org")
    User.objects.create_user("NOVA@example.org", PASSWORD)
    sent_before = len(mail.outbox)

    refused = https_client().post(link)

    assert refused.status_code == 409
    assert "Another PulseRx account has this address now" in refused.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.email == "alex@example.org" and len(mail.outbox) == sent_before
    assert https_client().get(link).status_code == 409


def test_a_used_link_works_no_more(patient: Patient) -> None:
    ask(signed_in(patient.user), "nova@example.org")
    link = confirm_link_sent_to("nova@example.org")
    assert https_client().post(link).status_code == 200

    again = https_client().post(link)

    assert again.status_code == 410 and "This link no longer works" in again.content.decode()


def test_asking_again_replaces_the_link_sent_before(patient: Patient) -> None:
    client = ask(signed_in(patient.user), "nova@example.org")
    first = confirm_link_sent_to("nova@example.org")
    ask(client, "nova@example.org")
    second = link_in_last_email()
    assert first != second

    assert https_client().post(first).status_code == 410
    assert https_client().post(second).status_code == 200
    patient.user.refresh_from_db()
    assert patient.user.email == "nova@example.org"


def test_a_link_stops_when_the_address_changed_another_way(patient: Patient) -> None:
    ask(signed_in(patient.user), "nova@example.org")
    link = confirm_link_sent_to("nova@example.org")
    user = patient.user
    user.email = "other@example.org"
    user.save()

    assert https_client().post(link).status_code == 410
    user.refresh_from_db()
    assert user.email == "other@example.org"


def test_an_expired_or_forged_link_changes_nothing(patient: Patient) -> None:
    ask(signed_in(patient.user), "nova@example.org")
    link = confirm_link_sent_to("nova@example.org")
    forged = link[:-3] + ("x/" if link[-2] != "x" else "y/")

    assert https_client().post(forged).status_code == 410
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert https_client().get(link).status_code == 410
        assert https_client().post(link).status_code == 410
        # Settings no longer says a link is on its way.
        assert "We sent a link" not in flash_and_section(signed_in(patient.user))
    patient.user.refresh_from_db()
    assert patient.user.email == "alex@example.org"


def test_cancelling_ends_the_link(patient: Patient) -> None:
    client = ask(signed_in(patient.user), "nova@example.org")
    link = confirm_link_sent_to("nova@example.org")

    client.post(reverse("cancel_email_change"))

    section = flash_and_section(client).split('id="email-address"')[1]
    assert "We sent a link" not in section
    assert https_client().post(link).status_code == 410


def test_an_account_without_a_password_is_asked_to_set_one_first(patient: Patient) -> None:
    user = patient.user
    user.set_unusable_password()
    user.save()
    SignInIdentity.objects.create(user=user, provider="test", issuer="https://id.example.org",
                                  subject="alex", email=user.email)
    client = signed_in(user)

    page = client.get(reverse("change_email")).content.decode()
    posted = client.post(reverse("change_email"), {"new_email": "nova@example.org",
                                                   "password": ""})

    assert "your account has none yet" in page and 'name="new_email"' not in page
    assert posted.status_code == 200 and "Set a password first" in posted.content.decode()
    assert mail.outbox == [] and not PendingEmailChange.objects.exists()
    # The button on the page sends the email that sets a first password.
    client.post(reverse("password_reset"), {"email": user.email})
    assert mail.outbox[-1].to == ["alex@example.org"]


def test_a_german_reader_gets_german_emails_and_the_other_account_its_own_language(
        patient: Patient, other_patient: Patient) -> None:
    User.objects.filter(pk=patient.user_id).update(language="de", first_name="Alex")
    patient.user.refresh_from_db()
    ask(signed_in(patient.user), "nova@example.org")
    link_email = mail.outbox[-1]
    assert link_email.to == ["nova@example.org"] and "Hallo Alex," in link_email.body

    https_client().post(link_in_last_email())

    notice = mail.outbox[-1]
    assert notice.to == ["alex@example.org"] and "Hallo Alex," in notice.body
    # An English reader's note, asked for by a German one.
    User.objects.filter(pk=other_patient.user_id).update(first_name="Sam")
    ask(signed_in(patient.user), "sam@example.org")
    assert mail.outbox[-1].to == ["sam@example.org"]
    assert mail.outbox[-1].body.startswith("Hello Sam,")


def test_invitations_follow_the_confirmed_address(patient: Patient,
                                                 other_patient: Patient) -> None:
    dana = User.objects.create_user("dana@example.org", PASSWORD, email_verified=False,
                                    account_type=AccountType.CAREGIVER)
    to_old = CareLink.objects.create(patient=patient, invited_email="dana@example.org")
    to_new = CareLink.objects.create(patient=other_patient, invited_email="dana@work.example")
    client = ask(signed_in(dana), "dana@work.example")
    https_client().post(link_in_last_email())
    dana.refresh_from_db()
    assert dana.email_verified  # opening the link proved the new address hers

    home = client.get(reverse("care_home")).content.decode()
    assert reverse("care_accept", kwargs={"token": to_new.token}) in home
    assert reverse("care_accept", kwargs={"token": to_old.token}) not in home
    assert client.post(reverse("care_accept", kwargs={"token": to_old.token})).status_code == 403
    assert client.post(reverse("care_accept", kwargs={"token": to_new.token})).status_code == 302
    to_new.refresh_from_db()
    assert to_new.status == CareLinkStatus.ACCEPTED and to_new.caregiver == dana


# --- undoing it from the old address -----------------------------------------------------------

def moved_to_nova(patient: Patient) -> tuple[Client, str]:
    """Alex's address moved to nova@ by someone who knew the password: their browser, and
    the undo link of the notice the old address got."""
    intruder = ask(signed_in(patient.user), "nova@example.org")
    https_client().post(link_in_last_email())
    notice = mail.outbox[-1]
    assert notice.to == ["alex@example.org"]
    match = re.search(r"https?://[^/\s]+(/accounts/email/undo/\S+)", notice.body)
    assert match, notice.body
    return intruder, match.group(1)


def test_the_old_address_undoes_the_change_and_locks_out_whoever_made_it(
        patient: Patient) -> None:
    intruder, undo = moved_to_nova(patient)
    assert "within 14 days" in mail.outbox[-1].body

    opened = https_client().get(undo)
    assert opened.status_code == 200 and "alex@example.org" in opened.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.email == "nova@example.org"  # opening only asks
    done = https_client().post(undo)

    assert done.status_code == 200 and "you sign in with" in done.content.decode()
    patient.user.refresh_from_db()
    assert (patient.user.email, patient.user.username, patient.user.email_verified) == (
        "alex@example.org", "alex@example.org", True)
    # The password nobody knows now: neither address signs in with the old one, the
    # intruder's browser is signed out.
    assert not signs_in("alex@example.org") and not signs_in("nova@example.org")
    assert intruder.get(reverse("account_settings")).status_code == 302
    reset = mail.outbox[-1]
    assert reset.to == ["alex@example.org"] and "/accounts/password/reset/" in reset.body
    new_password = "a fresh and long passphrase 42"
    page = https_client()
    form = page.get(link_in_last_email(), follow=True)
    page.post(form.redirect_chain[-1][0], {"new_password1": new_password,
                                            "new_password2": new_password})
    assert https_client().post(reverse("login"), {"username": "alex@example.org",
                                                  "password": new_password}).status_code == 302
    # Works once.
    assert https_client().post(undo).status_code == 410


def test_undo_ends_every_other_way_in(patient: Patient) -> None:
    """Tokens, passkeys, linked providers and two-step devices: whoever moved the address
    may have added any of them."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pulserx.accounts.models import Passkey
    from pulserx.api.models import ApiToken

    _, undo = moved_to_nova(patient)
    user = patient.user
    ApiToken.issue(user, "made by whoever moved the address")
    Passkey.objects.create(user=user, credential_id="Y3JlZA", public_key=b"key",
                           user_handle=b"handle", name="Someone's phone")
    SignInIdentity.objects.create(user=user, provider="authentik", subject="theirs",
                                  issuer="https://id.example.org")
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    kept = User.objects.create_user("sam@example.org", PASSWORD)
    ApiToken.issue(kept, "another account's")

    https_client().post(undo)

    for model in (ApiToken, Passkey, SignInIdentity, TOTPDevice, StaticDevice):
        assert not model.objects.filter(user=user).exists(), model.__name__
    assert ApiToken.objects.filter(user=kept).exists()


def test_undo_stops_once_the_address_moved_on(patient: Patient) -> None:
    intruder, undo = moved_to_nova(patient)
    ask(intruder, "third@example.org")
    https_client().post(link_in_last_email())  # nova@ -> third@
    assert https_client().get(undo).status_code == 410
    assert https_client().post(undo).status_code == 410
    patient.user.refresh_from_db()
    assert patient.user.email == "third@example.org"


def test_undo_is_refused_once_another_account_has_the_old_address(patient: Patient) -> None:
    _, undo = moved_to_nova(patient)
    User.objects.create_user("alex@example.org", PASSWORD)
    taken = https_client().post(undo)
    assert taken.status_code == 409 and "cannot be undone" in taken.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.email == "nova@example.org"


def test_an_expired_or_forged_undo_link_changes_nothing(patient: Patient) -> None:
    _, undo = moved_to_nova(patient)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert https_client().post(undo).status_code == 410
    assert https_client().post(undo[:-3] + "xyz/").status_code == 410
    patient.user.refresh_from_db()
    assert patient.user.email == "nova@example.org"
