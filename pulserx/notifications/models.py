"""The inbox (Notification), how each notification went out (Delivery), push subscriptions."""

from __future__ import annotations

from functools import cached_property

from django.db import models
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from pulserx.accounts.models import Patient, User
from pulserx.reminders.models import Dose, Medication, RefillReminder


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", gettext_lazy("Time to take")
    REALERT = "realert", gettext_lazy("Reminder again")
    MISSED_SUMMARY = "missed_summary", gettext_lazy("Missed while away")
    CAREGIVER_MISSED = "caregiver_missed", gettext_lazy("Missed dose")
    CAREGIVER_OVERRIDE = "caregiver_override", gettext_lazy("Limit overridden")
    REFILL = "refill", gettext_lazy("Time to refill")
    # A member of the care team who gives (or manages) is reminded of the person's dose.
    GIVER_REMINDER = "giver_reminder", gettext_lazy("Time to give")


# The kinds that ask the patient to act on a dose (and offer Take / Skip / Snooze).
ALERT_KINDS = (NotificationKind.REMINDER, NotificationKind.REALERT)
# The kinds whose message offers to record the dose: the patient's, and a giver's (Given / Skip).
RECORDABLE_KINDS = (*ALERT_KINDS, NotificationKind.GIVER_REMINDER)
# What a caregiver receives about the patient: read on the caregiver's own clock.
CAREGIVER_KINDS = (NotificationKind.CAREGIVER_MISSED, NotificationKind.CAREGIVER_OVERRIDE,
                   NotificationKind.GIVER_REMINDER)


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
    WEB = "web", gettext_lazy("In the app")
    PUSH = "push", gettext_lazy("Push notification")
    EMAIL = "email", gettext_lazy("Email")
    # A message to one of the recipient's own channels (`Delivery.target`).
    SERVICE = "service", pgettext_lazy("a way a notification is delivered", "Channel")
    MQTT = "mqtt", "Home Assistant (MQTT)"


# The channels a notification has at most one delivery on; the others have one per target.
SINGLE_CHANNELS = (Channel.WEB, Channel.PUSH, Channel.EMAIL)


class Service(models.TextChoices):
    """Where a user's channel sends (see pulserx.notifications.channels.catalogue)."""

    NTFY = "ntfy", "ntfy"
    GOTIFY = "gotify", "Gotify"
    TELEGRAM = "telegram", "Telegram"
    SIGNAL = "signal", "Signal (signal-cli REST API)"
    MATRIX = "matrix", "Matrix"
    PUSHOVER = "pushover", "Pushover"
    DISCORD = "discord", "Discord"
    WEBHOOK = "webhook", "Webhook (JSON)"
    TWILIO = "twilio", "SMS (Twilio)"
    MQTT = "mqtt", "Home Assistant (MQTT)"

    @property
    def channel(self) -> Channel:
        return Channel.MQTT if self == Service.MQTT else Channel.SERVICE


class UserChannel(models.Model):
    """A place outside PulseRx where one user (patient or carer) reads messages: an ntfy
    topic, a Telegram chat, a phone number for SMS. Its settings, credentials included, are
    sealed (`pulserx.notifications.channels.sealing`) and never shown again in full."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="channels")
    service = models.CharField(max_length=16, choices=Service.choices)
    name = models.CharField(max_length=60)
    paused = models.BooleanField(default=False)
    sealed_settings = models.TextField()
    for_reminders = models.BooleanField(default=True)
    for_realerts = models.BooleanField(default=True)
    for_missed = models.BooleanField(default=True)
    for_refills = models.BooleanField(default=True)
    # Only messages about these medications; none chosen: every medication's.
    medications = models.ManyToManyField(Medication, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="one_channel_name_per_user"),
        ]

    def __str__(self) -> str:
        return f"channel {self.pk}"

    @property
    def kind(self) -> Channel:
        """The Delivery channel of this channel's messages."""
        return Service(self.service).channel

    def wants(self, kind: str, medication_id: int | None = None) -> bool:
        """Whether this channel carries notifications of `kind` about that medication (None:
        about no one medication, such as a summary of several), and is not paused."""
        field = KIND_FIELDS.get(kind)  # type: ignore[call-overload]
        if self.paused or field is None or not getattr(self, field):
            return False
        chosen = self.chosen_medications
        return medication_id is None or not chosen or medication_id in chosen

    @cached_property
    def chosen_medications(self) -> frozenset[int]:
        """The ids of `medications` (empty: every medication); `load_chosen_medications`
        fills it for many channels in one query."""
        return frozenset(self.medications.values_list("id", flat=True))


def load_chosen_medications(channels: list[UserChannel]) -> None:
    chosen: dict[int, set[int]] = {channel.pk: set() for channel in channels}
    for channel_id, medication_id in UserChannel.medications.through.objects.filter(
            userchannel_id__in=chosen).values_list("userchannel_id", "medication_id"):
        chosen[channel_id].add(medication_id)
    for channel in channels:
        channel.__dict__["chosen_medications"] = frozenset(chosen[channel.pk])


def medication_of(notification: Notification) -> int | None:
    """The medication a notification is about (None: a summary, a test reminder)."""
    if notification.dose_id is not None:
        return notification.dose.medication_id if notification.dose else None
    return notification.refill.medication_id if notification.refill else None


# Which of a channel's choices covers each kind of notification.
KIND_FIELDS = {
    NotificationKind.REMINDER: "for_reminders",
    NotificationKind.REALERT: "for_realerts",
    NotificationKind.MISSED_SUMMARY: "for_missed",
    NotificationKind.CAREGIVER_MISSED: "for_missed",
    NotificationKind.CAREGIVER_OVERRIDE: "for_missed",
    NotificationKind.REFILL: "for_refills",
    NotificationKind.GIVER_REMINDER: "for_reminders",
}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery status", "Sending")
    SENT = "sent", pgettext_lazy("delivery status", "Sent")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")
    SKIPPED = "skipped", pgettext_lazy("delivery status", "Not sent")


class DeliveryCause(models.TextChoices):
    """Why a delivery failed or was not sent, in a few kinds a person can read (`last_error`
    keeps the technical reason, for operators)."""

    UNREACHABLE = "unreachable", gettext_lazy("Service unreachable")
    SETTINGS_REFUSED = "settings_refused", gettext_lazy("Channel settings refused")
    ADDRESS_REFUSED = "address_refused", gettext_lazy("Email address refused")
    NO_ADDRESS = "no_address", gettext_lazy("No confirmed email address")
    SUBSCRIPTION_ENDED = "subscription_ended", gettext_lazy("Browser subscription ended")
    NO_DEVICE = "no_device", gettext_lazy("No device for notifications")
    SWITCHED_OFF = "switched_off", gettext_lazy("Channel turned off")
    NOT_NEEDED = "not_needed", gettext_lazy("No longer needed")
    REPLACED = "replaced", gettext_lazy("Replaced by a later reminder")
    NOT_SET_UP = "not_set_up", gettext_lazy("Not set up on this site")
    OURS = "ours", gettext_lazy("Error on our side")


# What each cause tells the reader (the inbox, under "How it was delivered"): what happened
# and, where they can, what to do.
CAUSE_SENTENCES = {
    DeliveryCause.UNREACHABLE: gettext_lazy(
        "The service could not be reached; PulseRx tries again."),
    DeliveryCause.SETTINGS_REFUSED: gettext_lazy(
        "The service refused this channel's settings; check them in Settings → Channels."),
    DeliveryCause.ADDRESS_REFUSED: gettext_lazy(
        "The mail server refused your email address; check it in Settings → Email address."),
    DeliveryCause.NO_ADDRESS: gettext_lazy(
        "Not sent: your email address is missing or not confirmed yet."),
    DeliveryCause.SUBSCRIPTION_ENDED: gettext_lazy(
        "This browser stopped accepting notifications; turn them on again on that device."),
    DeliveryCause.NO_DEVICE: gettext_lazy(
        "Not sent: none of your browsers receives notifications; turn them on in the one "
        "you use."),
    DeliveryCause.SWITCHED_OFF: gettext_lazy(
        "Not sent: this channel was turned off, paused or removed for this kind of message."),
    DeliveryCause.NOT_NEEDED: gettext_lazy(
        "Not sent: by then it was no longer needed (the dose was recorded, for example)."),
    DeliveryCause.REPLACED: gettext_lazy(
        "Not sent: a later reminder of the same dose replaced it."),
    DeliveryCause.NOT_SET_UP: gettext_lazy(
        "Not sent: this PulseRx site is not set up to send on this channel."),
    DeliveryCause.OURS: gettext_lazy(
        "Something went wrong on our side; PulseRx tries again."),
}


def cause_sentence(cause: str, status: str, attempts: int) -> str:
    """The reader's sentence for a delivery's cause ("" without one): a retried cause
    that failed for good says how often it was tried."""
    if not cause:
        return ""
    if status == DeliveryStatus.FAILED and cause == DeliveryCause.UNREACHABLE:
        # Translators: a reminder could not be delivered; %(tries)d is how often it was tried.
        return ngettext("The service could not be reached; PulseRx gave up after %(tries)d "
                        "try.", "The service could not be reached; PulseRx gave up after "
                        "%(tries)d tries.", attempts) % {"tries": attempts}
    if status == DeliveryStatus.FAILED and cause == DeliveryCause.OURS:
        # Translators: a reminder could not be delivered; %(tries)d is how often it was tried.
        return ngettext("Something went wrong on our side; PulseRx gave up after %(tries)d "
                        "try.", "Something went wrong on our side; PulseRx gave up after "
                        "%(tries)d tries.", attempts) % {"tries": attempts}
    return str(CAUSE_SENTENCES[DeliveryCause(cause)])


class Delivery(models.Model):
    """One channel's attempt(s) at one notification. Retries are rows with a due time
    (`next_attempt_at`) that the dispatcher re-sends: no task waits in worker memory."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # The user's channel a SERVICE or MQTT delivery goes to (None once it is removed).
    target = models.ForeignKey(UserChannel, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="deliveries")
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # Why it failed or was not sent, for the reader (blank when sent, and on older rows).
    cause = models.CharField(max_length=20, choices=DeliveryCause.choices, blank=True,
                             default="", db_default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    # The id the service gave the sent message (a Matrix event id, a Twilio message SID):
    # a reply in a Matrix room names the reminder it answers by it. The dispatcher inserts
    # deliveries with SQL of its own, hence the database default.
    provider_ref = models.CharField(max_length=255, blank=True, default="", db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"],
                                    condition=models.Q(channel__in=SINGLE_CHANNELS),
                                    name="one_delivery_per_channel"),
            models.UniqueConstraint(fields=["notification", "target"],
                                    condition=models.Q(target__isnull=False),
                                    name="one_delivery_per_user_channel"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_retry",
                         condition=models.Q(next_attempt_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk}"

    def cause_sentence(self) -> str:
        return cause_sentence(self.cause, self.status, self.attempts)


class ReplyCursor(models.Model):
    """How far PulseRx has read the replies in a channel's Matrix room: the stream token
    after the last event read, moved by one guarded UPDATE before the events are acted on,
    so that each reply is read once however many workers read at once."""

    channel = models.OneToOneField(UserChannel, on_delete=models.CASCADE, primary_key=True,
                                   related_name="reply_cursor")
    room_id = models.CharField(max_length=255, blank=True)  # the room's id (an alias resolved)
    bot_user = models.CharField(max_length=255, blank=True)  # who sends: its words are not replies
    position = models.CharField(max_length=255, blank=True)  # "" until the room is first read
    read_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reply cursor of channel {self.channel_id}"


class PushSubscription(models.Model):
    """A browser's Web Push endpoint and keys (RFC 8030 / RFC 8291)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"push subscription {self.pk}"
