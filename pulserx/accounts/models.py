"""People: users who sign in, the patients they are, and the caregivers they invite."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext_lazy, pgettext_lazy

from pulserx.accounts.zones import validate_timezone
from pulserx.reminders.schedule import TravelPolicy

# Sent after a user's new password is saved (change, reset, admin): sessions of other
# browsers already end through Django's session hash; tokens and sockets listen here.
password_changed = Signal()


def new_token() -> str:
    return secrets.token_urlsafe(24)


class AccountType(models.TextChoices):
    PATIENT = "patient", gettext_lazy("Patient — I take medications")
    CAREGIVER = "caregiver", gettext_lazy("Caregiver — I look after someone")


class ClockFormat(models.TextChoices):
    """How a reader writes a time of day (`pulserx.wall_time`)."""

    TWELVE_HOUR = "12h", gettext_lazy("12-hour (8:00 PM)")
    TWENTY_FOUR_HOUR = "24h", gettext_lazy("24-hour (20:00)")


class EmailUserManager(UserManager["User"]):
    def create_user(self, email, password=None, **extra):  # type: ignore[no-untyped-def,override]
        email = self.normalize_email(email)
        return super().create_user(email, email, password, **extra)

    def create_superuser(self, email, password=None, **extra):  # type: ignore[no-untyped-def,override]
        email = self.normalize_email(email)
        return super().create_superuser(email, email, password, **extra)


def reads_twelve_hour(chosen: str, language_default: str) -> bool:
    """The reader's clock: their choice, else their language's (the dispatcher's rows carry
    the two fields without a `User`)."""
    return (chosen or language_default) == ClockFormat.TWELVE_HOUR


class User(AbstractUser):
    """Signs in with an email address; `username` mirrors it for Django's admin."""

    email = models.EmailField("email address", unique=True)
    account_type = models.CharField(
        max_length=16, choices=AccountType.choices, default=AccountType.PATIENT
    )
    # Set by the link in the verification email. Until then no invitation can be accepted
    # with this account and no reminder is emailed to the address.
    email_verified = models.BooleanField(default=False)
    # A caregiver's own clock (a patient's lives on their profile), kept up to date by
    # their browser; times of a patient's doses are shown to them with the zone named.
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    # Set when the user asks for their account to be deleted: the purge removes it once this
    # time has passed, unless signing in before then cleared it (`accounts.deletion`).
    delete_after = models.DateTimeField(null=True, blank=True)
    # How times are written for this reader on every page and channel: their choice in
    # Settings, or while they have made none, as their browser's language writes them
    # (read from Accept-Language at sign-up, sign-in and when the browser reports its zone).
    clock_format = models.CharField(max_length=3, choices=ClockFormat.choices, blank=True)
    language_clock_format = models.CharField(max_length=3, choices=ClockFormat.choices,
                                             default=ClockFormat.TWENTY_FOUR_HOUR)
    # The language every page and message this user reads is written in (`pulserx.languages`):
    # their browser's at sign-up, then their choice in Settings.
    language = models.CharField(max_length=7, choices=settings.LANGUAGES, default="en")

    USERNAME_FIELD = "email"  # type: ignore[misc]
    REQUIRED_FIELDS = []  # type: ignore[misc]
    objects = EmailUserManager()  # type: ignore[misc]

    @property
    def twelve_hour(self) -> bool:
        """Whether this reader's times are written on the 12-hour clock ("8:00 PM")."""
        return reads_twelve_hour(self.clock_format, self.language_clock_format)

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.username = self.email
        # Django keeps the raw password in _password until the save that stores its hash.
        new_password = self.pk is not None and getattr(self, "_password", None) is not None
        super().save(*args, **kwargs)
        if new_password:
            password_changed.send(sender=User, user=self)


class Patient(models.Model):
    """The profile of someone who takes medications: their clock and how to reach them."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    current_timezone = models.CharField(
        max_length=64, blank=True, validators=[validate_timezone],
        help_text="Where the patient said they are (the zone a travel choice was made for).",
    )
    reported_timezone = models.CharField(
        max_length=64, blank=True, validators=[validate_timezone],
        help_text="Where the patient's browser last said they are.",
    )
    travel_policy = models.CharField(
        max_length=8,
        choices=[
            (TravelPolicy.HOME_CLOCK, gettext_lazy("Keep my home clock when I travel")),
            (TravelPolicy.LOCAL_CLOCK, gettext_lazy("Follow the clock where I am")),
        ],
        default=TravelPolicy.HOME_CLOCK,
    )
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    notify_email = models.BooleanField("email reminders", default=False)
    notify_push = models.BooleanField("push notifications", default=True)
    missed_after_minutes = models.PositiveIntegerField(default=60)
    realert_every_minutes = models.PositiveIntegerField(
        default=0, help_text="Remind again every N minutes until I act (0: never)."
    )
    realert_limit = models.PositiveIntegerField(default=2)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_token)

    def __str__(self) -> str:
        return f"patient {self.pk}"


def patient_of(user: object) -> Patient | None:
    """The user's patient profile, or None for caregivers, staff and anonymous visitors."""
    return getattr(user, "patient", None) if isinstance(user, User) else None


class CareLinkStatus(models.TextChoices):
    INVITED = "invited", pgettext_lazy("invitation status", "Invited")
    ACCEPTED = "accepted", pgettext_lazy("invitation status", "Accepted")
    REVOKED = "revoked", pgettext_lazy("invitation status", "Revoked")


class CareRole(models.TextChoices):
    """What a member of a person's care team may do. Each role includes the ones before it."""

    SEES = "sees", gettext_lazy("Sees — follows the day and the history")
    GIVES = "gives", gettext_lazy("Gives — may also record doses taken or skipped")
    MANAGES = "manages", gettext_lazy("Manages — may also change medications, schedules and stock")

    @property
    def rank(self) -> int:
        return list(CareRole).index(self)

    def allows(self, needed: CareRole) -> bool:
        return self.rank >= CareRole(needed).rank


class CareLink(models.Model):
    """A caregiver invited by a patient: what they may do and whether they hear of misses."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_links")
    caregiver = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="care_links"
    )
    invited_email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=new_token)
    status = models.CharField(
        max_length=16, choices=CareLinkStatus.choices, default=CareLinkStatus.INVITED
    )
    role = models.CharField(max_length=8, choices=CareRole.choices, default=CareRole.SEES)
    alert_on_missed = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "invited_email"], name="one_invite_per_email"
            )
        ]

    def __str__(self) -> str:
        return f"care link {self.pk}"


class AccessKind(models.TextChoices):
    """What of a patient's health data someone other than the patient read."""

    DAY = "day", pgettext_lazy("health data read", "day")
    HISTORY = "history", pgettext_lazy("health data read", "history")
    REPORT = "report", pgettext_lazy("health data read", "report")
    EXPORT = "export", pgettext_lazy("health data read", "dose export")
    API = "api", pgettext_lazy("health data read", "data (API)")


class AccessRecord(models.Model):
    """Someone read a patient's health data in this hour: who, whose, what kind — never the
    data itself. At most one row per reader, subject, kind and hour (`accounts.access_log`)."""

    reader = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="access_records")
    kind = models.CharField(max_length=16, choices=AccessKind.choices)
    hour = models.DateTimeField(help_text="The start of the hour (UTC) of the first read.")
    first_read_at = models.DateTimeField()
    token_name = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reader", "subject", "kind", "hour"],
                                    name="one_access_record_per_hour")
        ]
        indexes = [models.Index(fields=["subject", "-hour"], name="access_by_subject")]

    def __str__(self) -> str:
        return f"access record {self.pk}"


class SignedInSession(models.Model):
    """A browser session signed in to this account, for Settings → Signed-in sessions: written
    at sign-in, `last_seen` (and the address it was seen from) refreshed at most every few
    minutes, removed at sign-out. The addresses are the client's as `pulserx.clientaddress`
    reads it; None when it was not known."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()
    signed_in_from = models.GenericIPAddressField(null=True, blank=True)
    last_seen_from = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"session of user {self.user_id}"


class SignInIdentity(models.Model):
    """An account at an OpenID Connect provider that signs in as this user: the provider's
    issuer and its subject (`sub`), which together name one person for good (an email address
    at the provider may change hands; the subject never does)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_identities")
    provider = models.CharField(max_length=32, help_text="Its name in PULSERX_OIDC_PROVIDERS.")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    email = models.EmailField(blank=True, help_text="The address the provider gave at linking.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_identity")
        ]

    def __str__(self) -> str:
        return f"sign-in identity {self.pk}"


class Passkey(models.Model):
    """A passkey (a WebAuthn credential) that signs its user in: the key pair stays on their
    device or in their password manager; PulseRx keeps the public half (`pulserx.accounts.
    passkeys`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=64)
    # base64url, as the browser names it (up to 1023 bytes).
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()  # COSE_Key
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    # The WebAuthn user handle the passkey was made for (random; one per user).
    user_handle = models.BinaryField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"passkey {self.pk} of user {self.user_id}"


class PendingEmailChange(models.Model):
    """An address the user asked to sign in with instead, until the link emailed to it is
    opened (`accounts.email_change`). One per user: a new request replaces it, and its new
    `key` makes the earlier link stop working."""

    user = models.OneToOneField(User, on_delete=models.CASCADE,
                                related_name="pending_email_change")
    email = models.EmailField(max_length=254)
    key = models.CharField(max_length=64, default=new_token)
    requested_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"email change of user {self.user_id}"
