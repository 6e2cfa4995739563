"""The inbox (Notification), how each notification went out (Delivery), push subscriptions."""

from __future__ import annotations

from django.db import models

from pulserx.accounts.models import Patient, User
from pulserx.reminders.models import Dose, RefillReminder


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", "Time to take"
    REALERT = "realert", "Reminder again"
    MISSED_SUMMARY = "missed_summary", "Missed while away"
    CAREGIVER_MISSED = "caregiver_missed", "Missed dose"
    CAREGIVER_OVERRIDE = "caregiver_override", "Limit overridden"
    REFILL = "refill", "Time to refill"


# The kinds that ask the patient to act on a dose (and offer Take / Skip / Snooze).
ALERT_KINDS = (NotificationKind.REMINDER, NotificationKind.REALERT)
# What a caregiver receives about the patient: read on the caregiver's own clock.
CAREGIVER_KINDS = (NotificationKind.CAREGIVER_MISSED, NotificationKind.CAREGIVER_OVERRIDE)


class Notification(models.Model):
    """One entry in a user's inbox. Unique per (recipient, dose, kind, sequence): a dose can
    never reach an inbox twice for the same alert, however often a claim is retried."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    dose = models.ForeignKey(Dose, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notifications")
    refill = models.ForeignKey(RefillReminder, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="notifications")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    sequence = models.PositiveIntegerField(default=0)
    count = models.PositiveIntegerField(default=1, help_text="Doses summarised by this entry.")
    late = models.BooleanField(default=False)
    # Written inside the patient's quiet hours: shown silently, and push and email held back
    # until then (pulserx.reminders.clock.quiet_ends_at).
    quiet_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dose", "kind", "sequence"],
                                    name="one_notification_per_alert"),
            models.UniqueConstraint(fields=["recipient", "refill"],
                                    condition=models.Q(refill__isnull=False),
                                    name="one_notification_per_refill_reminder"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="inbox_unread")]

    def __str__(self) -> str:
        return f"notification {self.pk}"


class Channel(models.TextChoices):
    WEB = "web", "In the app"
    PUSH = "push", "Push notification"
    EMAIL = "email", "Email"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent"


class Delivery(models.Model):
    """One channel's attempt(s) at one notification. Retries are rows with a due time
    (`next_attempt_at`) that the dispatcher re-sends: no task waits in worker memory."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"],
                                    name="one_delivery_per_channel"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_retry",
                         condition=models.Q(next_attempt_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk}"


class PushSubscription(models.Model):
    """A browser's Web Push endpoint and keys (RFC 8030 / RFC 8291)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"push subscription {self.pk}"
