"""Forms for signing up, signing in, a patient's settings and inviting a caregiver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from functools import lru_cache
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm, PasswordResetForm
from django.db import transaction
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pulserx.accounts.care import ROLE_REFUSED
from pulserx.accounts.models import (
    AccountType,
    CareLink,
    CareLinkStatus,
    CareRole,
    Patient,
    User,
)
from pulserx.accounts.people import can_receive_mail
from pulserx.accounts.zones import current_name, validate_timezone, zone_names
from pulserx.clock_format import page_time
from pulserx.reminders.anchors import DayAnchor, PatientDay
from pulserx.reminders.schedule import TravelPolicy
from pulserx.siteurl import site_url
from pulserx.web.time_fields import WallTimeField

ZoneChoices = list[tuple[str | Promise, Any]]  # a group's name may be translated


@lru_cache(maxsize=1)
def timezone_choices() -> ZoneChoices:
    """Every IANA zone this server knows, grouped by region ("Europe", "America", ...)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(zone_names()):
        region = name.split("/", 1)[0] if "/" in name else "Other"
        groups.setdefault(region, []).append((name, name.replace("_", " ")))
    # Translators: the group of time zones outside any region ("UTC").
    return [(gettext_lazy("Other") if region == "Other" else region, zones)
            for region, zones in sorted(groups.items())]


def timezone_field(**kwargs: Any) -> forms.TypedChoiceField:
    """A zone from the list, saved under its place's current name (a browser may have
    filled in an old one)."""
    return forms.TypedChoiceField(
        coerce=current_name,
        choices=[("", gettext_lazy("Choose a time zone…")), *timezone_choices()],
        error_messages={
            # Translators: %(value)s is what was sent as a time zone.
            "invalid_choice": gettext_lazy("“%(value)s” is not a time zone we know. Choose "
                                           "one from the list, for example Europe/London."),
        },
        **kwargs,
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


class SignUpForm(BaseUserCreationForm):
    """A new account; a patient account gets its `Patient` row in the same transaction."""

    account_type = forms.ChoiceField(
        # Translators: followed by the choice "Patient — …" or "Caregiver — …".
        label=gettext_lazy("I am a"), choices=AccountType.choices,
        initial=AccountType.PATIENT,
        widget=forms.RadioSelect,
    )
    timezone = timezone_field(
        label=gettext_lazy("Home time zone"), required=False,
        help_text=gettext_lazy("Reminders follow this clock; a caregiver sees the times of the "
                               "people they look after on it. Filled in from your browser."),
        widget=forms.Select(attrs={"data-timezone-autofill": ""}),
    )

    class Meta:
        model = User
        fields = ("email", "first_name")
        labels = {"email": gettext_lazy("Email"), "first_name": gettext_lazy("Your name")}
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
            "first_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    field_order = ["email", "first_name", "password1", "password2", "account_type", "timezone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["first_name"].help_text = _("How PulseRx and your caregivers will address "
                                                "you.")
        self.fields["password1"].help_text = _(
            "At least 8 characters. Not a common password, not only digits, and not like "
            "your name or email.")
        self.fields["password2"].label = _("Confirm password")
        self.fields["password2"].help_text = _("Type the same password again.")

    @property
    def passwords_cleared(self) -> bool:
        """A password was typed but the form comes back with errors. It is not put back into
        the page (it would sit in the HTML, the browser's cache and its back button), so the
        page says why the fields are empty."""
        return self.is_bound and bool(self.errors) and bool(self.data.get("password1"))

    def clean_email(self) -> str:
        # Whether the address already has an account is never said here (that would tell
        # anyone who has an account): the sign-up view emails the owner instead.
        return normalise_email(self.cleaned_data["email"])

    def validate_unique(self) -> None:
        exclude = self._get_validation_exclusions()  # type: ignore[attr-defined]
        exclude.add("email")
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as error:
            self._update_errors(error)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        require_home_zone(self)
        return self.cleaned_data

    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        return save_new_account(user, self.cleaned_data["account_type"],
                                self.cleaned_data["timezone"])


def require_home_zone(form: forms.BaseForm) -> None:
    """A patient's reminders follow their home clock: a new patient account names one."""
    cleaned = form.cleaned_data
    wants_zone = cleaned.get("account_type") == AccountType.PATIENT
    if wants_zone and not cleaned.get("timezone") and "timezone" not in form.errors:
        form.add_error("timezone", _("Choose your home time zone."))


def save_new_account(user: User, account_type: str, zone: str) -> User:
    """Create the user, and for a patient their profile, all or nothing."""
    user.account_type = account_type
    with transaction.atomic():
        user.save()
        if user.account_type == AccountType.PATIENT:
            Patient.objects.create(user=user, timezone=zone)
        elif zone:  # a caregiver's own clock
            User.objects.filter(pk=user.pk).update(timezone=zone)
            user.timezone = zone
    return user


class SignInForm(AuthenticationForm):
    """Sign in with an email address, whatever its letter case."""

    username = forms.EmailField(
        label=gettext_lazy("Email"),
        # "webauthn": the browser's suggestions for the field list the device's passkeys for
        # the site too (passkeys.js waits for one to be picked).
        widget=forms.EmailInput(attrs={"autocomplete": "username webauthn", "autofocus": True}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("That email and password do not match an account. "
                                      "Check both, or reset your password."),
    }

    def clean_username(self) -> str:
        email = normalise_email(self.cleaned_data["username"])
        stored = User.objects.filter(email__iexact=email).values_list("email", flat=True)[:2]
        return stored[0] if len(stored) == 1 else email


class PatientSettingsForm(forms.ModelForm):
    """How and when a patient is reminded."""

    timezone = timezone_field(
        label=gettext_lazy("Home time zone"),
        help_text=gettext_lazy("The clock your medication times are written in."),
    )
    travel_policy = forms.ChoiceField(
        label=gettext_lazy("When I travel"), widget=forms.RadioSelect,
        choices=[
            (TravelPolicy.HOME_CLOCK.value,
             gettext_lazy("Keep my home clock (for doses that must stay 24 hours apart)")),
            (TravelPolicy.LOCAL_CLOCK.value,
             gettext_lazy("Follow the clock where I am (for “with breakfast” doses)")),
        ],
    )
    notify_email = forms.BooleanField(label=gettext_lazy("Email reminders"), required=False)
    notify_push = forms.BooleanField(
        label=gettext_lazy("Push notifications"), required=False,
        help_text=gettext_lazy("On this device and any other where you allow notifications."),
    )
    missed_after_minutes = forms.IntegerField(
        label=gettext_lazy("Count a dose as missed after"), min_value=5, max_value=720,
        help_text=gettext_lazy("Minutes after the due time, 5 to 720."),
    )
    realert_every_minutes = forms.IntegerField(
        label=gettext_lazy("Remind again every"), min_value=0, max_value=240,
        help_text=gettext_lazy("Minutes, 0 to 240. 0 means remind only once."),
    )
    realert_limit = forms.IntegerField(
        label=gettext_lazy("Reminders again at most"), min_value=0, max_value=10,
        help_text=gettext_lazy("Times per dose, 0 to 10."),
    )
    quiet_start = forms.TimeField(
        label=gettext_lazy("Quiet from"), required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=gettext_lazy("No sound or push in these hours; your inbox still fills."),
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("Quiet until"), required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    class Meta:
        model = Patient
        fields = ("timezone", "travel_policy", "notify_email", "notify_push",
                  "missed_after_minutes", "realert_every_minutes", "realert_limit",
                  "quiet_start", "quiet_end")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "quiet_start" in self.errors or "quiet_end" in self.errors:
            return cleaned
        start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
        if (start is None) != (end is None):
            self.add_error("quiet_end" if end is None else "quiet_start",
                           _("Give both ends of the quiet hours, or neither."))
        elif start is not None and start == end:
            self.add_error("quiet_end", _("Quiet hours must end at a different time."))
        return cleaned

    @property
    def changes_clock(self) -> bool:
        """Whether saving moves the times reminders fire at (so doses must be re-planned)."""
        return bool({"timezone", "travel_policy"} & set(self.changed_data))


class CaregiverSettingsForm(forms.ModelForm):
    """A caregiver's own clock: the patients' times are shown with their zone named when it
    differs from this one. The browser keeps it up to date too."""

    timezone = timezone_field(label=gettext_lazy("My time zone"), required=True)

    class Meta:
        model = User
        fields = ("timezone",)


class InviteForm(forms.Form):
    """Invite someone by email to look after a patient."""

    email = forms.EmailField(
        # RFC 5321's limit (SQLite would store more).
        label=gettext_lazy("Their email"), max_length=254,
        help_text=gettext_lazy("They get a link to accept. You can revoke it at any time."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        # Translators: followed by a role: "Sees — …", "Gives — …", "Manages — …".
        label=gettext_lazy("They may"), choices=CareRole.choices, initial=CareRole.SEES,
        required=False,
        help_text=gettext_lazy("You can change this, or revoke it, at any time."),
        error_messages={"invalid_choice": ROLE_REFUSED, "required": ROLE_REFUSED},
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "invite_%s")
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean_role(self) -> CareRole:
        return CareRole(self.cleaned_data["role"] or CareRole.SEES)

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        if email == normalise_email(self.patient.user.email):
            raise forms.ValidationError(_("That is your own address. Invite someone else."))
        existing = CareLink.objects.filter(patient=self.patient, invited_email__iexact=email)
        status = existing.values_list("status", flat=True).first()
        if status == CareLinkStatus.INVITED:
            raise forms.ValidationError(_("You have already invited this address."))
        if status == CareLinkStatus.ACCEPTED:
            raise forms.ValidationError(_("This person already looks after you."))
        return email


class DeleteAccountForm(forms.Form):
    """Deleting the account asks for the password again: a session left open on a shared
    computer must not be enough."""

    password = forms.CharField(
        label=gettext_lazy("Your password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


ROUTINE_LABELS = {DayAnchor.WAKE: gettext_lazy("They wake up at"),
                  DayAnchor.BREAKFAST: gettext_lazy("Breakfast"),
                  DayAnchor.LUNCH: gettext_lazy("Lunch"), DayAnchor.DINNER: gettext_lazy("Dinner"),
                  DayAnchor.BEDTIME: gettext_lazy("They go to bed at")}


class PersonForm(forms.Form):
    """A person the signed-in user looks after who has no login (a child, a resident)."""

    name = forms.CharField(
        label=gettext_lazy("Their name"), max_length=150,
        error_messages={"required": gettext_lazy("Give their name.")},
    )
    timezone = timezone_field(
        label=gettext_lazy("Their time zone"),
        help_text=gettext_lazy("Their reminders follow this clock."),
    )
    timezone.error_messages["required"] = gettext_lazy(
        "Choose their time zone, for example Europe/London.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "person_%s")
        super().__init__(*args, **kwargs)
        # Their day (wake, meals, bed), the defaults filled in: doses set "at breakfast" or
        # "at bedtime" follow it. The manager can change it later on the person's day page.
        usual = PatientDay()
        for anchor, label in ROUTINE_LABELS.items():
            self.fields[anchor.value] = WallTimeField(
                label=label, required=False, initial=page_time(usual.at(anchor)),
                help_text=_("Like 07:30 or 7:30 am") if anchor == DayAnchor.WAKE else "")

    def routine(self) -> dict[str, time]:
        """The day's moments given (empty ones keep their default)."""
        return {anchor.value: time.fromisoformat(self.cleaned_data[anchor.value])
                for anchor in ROUTINE_LABELS if self.cleaned_data.get(anchor.value)}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give their name."))
        return name

    def clean_timezone(self) -> str:
        zone = self.cleaned_data["timezone"]
        validate_timezone(zone)  # the patient's own rule (`accounts.zones`)
        return zone


class PersonLoginForm(forms.Form):
    """The person's own address, where the link to choose a password goes."""

    email = forms.EmailField(label=gettext_lazy("Their email"), max_length=254)

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        if not can_receive_mail(email):
            raise forms.ValidationError(_("Give an address they read."))
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("This address already has a PulseRx account. Give another one."))
        return email


class ResetPasswordForm(PasswordResetForm):
    """Django's, and an account made through a sign-in provider may set its first password
    the same way (it has none yet). A person without a login never: their address is a
    placeholder nobody reads."""

    email_template = "accounts/password_reset_email.txt"
    subject_template = "accounts/password_reset_subject.txt"

    def mail(self, request: HttpRequest) -> None:
        """Send the link (to a valid form's address) as the reset page does: in the
        page's language, its links at the configured public address."""
        self.save(request=request, use_https=request.is_secure(),
                  email_template_name=self.email_template,
                  subject_template_name=self.subject_template,
                  extra_email_context={"site_url": site_url(request)})

    def get_users(self, email: str) -> Iterator[Any]:
        wanted = email.strip().lower()
        for user in User.objects.filter(email__iexact=wanted, is_active=True):
            if user.email.lower() == wanted and can_receive_mail(user.email) and (
                    user.has_usable_password() or user.sign_in_identities.exists()):
                yield user
