"""Emails the accounts side sends (the password-reset email is Django's own view), each in
its reader's language."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping

from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from pulserx.accounts.models import CareLink, User
from pulserx.accounts.people import can_receive_mail
from pulserx.notifications.render import reading
from pulserx.siteurl import site_url

log = logging.getLogger(__name__)


def accept_url(link: CareLink, request: HttpRequest | None = None) -> str:
    return f"{site_url(request)}{reverse('care_accept', kwargs={'token': link.token})}"


def send_invite(link: CareLink, request: HttpRequest | None = None) -> bool:
    """Email the invitation. Returns False when the mail server refused it: the patient can
    still copy the link from their settings page. Never sent to the placeholder address of
    a person without a login."""
    if not can_receive_mail(link.invited_email):
        return False
    inviter = link.patient.user
    context = {"inviter": inviter.get_full_name() or inviter.email,
               "accept_url": accept_url(link, request), "site_url": site_url(request)}
    subject = render_to_string("accounts/email/invite_subject.txt", context).strip()
    body = render_to_string("accounts/email/invite.txt", context)
    try:
        send_mail(subject, body, None, [link.invited_email])
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("care invite %s not sent: %s", link.pk, type(exc).__name__)
        return False
    return True


def send_words(reader: User, template: str, context: Mapping[str, object],
               to: str = "") -> bool:
    """Email `reader` the account template `template`, in their own language, at their
    address or at `to`; False when the mail server refused it."""
    words = {**context, "first_name": reader.first_name}
    with reading(reader.language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", words).strip()
        body = render_to_string(f"accounts/email/{template}.txt", words)
    try:
        send_mail(subject, body, None, [to or reader.email])
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("%s email not sent: %s", template, type(exc).__name__)
        return False
    return True
