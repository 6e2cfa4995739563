"""Email: the reminder in text and HTML, through Django's email backend (SMTP in production)."""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from pulserx.notifications.models import Channel, Delivery, DeliveryCause
from pulserx.notifications.render import reading, stored_message
from pulserx.notifications.shapes import email_context
from pulserx.notifications.transports.base import (
    Transport,
    TransportError,
    ensure_still_wanted,
    load_notification,
    not_sent,
)


class EmailTransport(Transport):
    def send(self, delivery: Delivery) -> None:
        notification = load_notification(delivery)
        ensure_still_wanted(notification, Channel.EMAIL)
        if not notification.recipient.email:
            raise not_sent("the recipient has no email address", DeliveryCause.NO_ADDRESS)
        if not notification.recipient.email_verified:
            raise not_sent("the recipient's email address is not verified",
                           DeliveryCause.NO_ADDRESS)
        message = stored_message(notification)
        context = email_context(message)
        with reading(message.language):  # the templates' words in the recipient's language
            text = render_to_string("notifications/email/notification.txt", context)
            html = render_to_string("notifications/email/notification.html", context)
        email = EmailMultiAlternatives(
            subject=context["subject"], body=text, to=[notification.recipient.email],
            headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        )
        email.attach_alternative(html, "text/html")
        try:
            sent = email.send()
        except smtplib.SMTPRecipientsRefused:
            raise TransportError("the mail server refused the recipient's address",
                                 cause=DeliveryCause.ADDRESS_REFUSED, permanent=True) from None
        except smtplib.SMTPResponseException as error:
            raise TransportError(f"the mail server answered {error.smtp_code}",
                                 cause=DeliveryCause.UNREACHABLE) from None
        except (smtplib.SMTPException, OSError) as error:
            raise TransportError(
                f"the mail server could not be reached ({type(error).__name__})",
                cause=DeliveryCause.UNREACHABLE) from None
        if not sent:
            raise TransportError("the email backend sent nothing", cause=DeliveryCause.OURS)
