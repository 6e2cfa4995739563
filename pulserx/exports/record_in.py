"""Bringing a patient's record (`record_out`) back into an account: every record gets a new
id, every value passes the rules the pages and the API apply, and it all happens in one
transaction, so a refused file leaves nothing behind.

What is not restored, and why: secrets were never exported (channels are listed without
their settings, so they must be set up again); care team members are invited again (an
acceptance belongs to a person's account, which this PulseRx may not know); who recorded a
dose is kept when it was the patient, and forgotten otherwise, as when an account is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pydantic
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja.errors import ValidationError as ApiValidationError

from pulserx.accounts.forms import InviteForm, PatientSettingsForm
from pulserx.accounts.models import CareLink, CareLinkStatus, Patient
from pulserx.api.medications import checked_plan
from pulserx.api.schemas import MedicationIn
from pulserx.exports import record_out as out
from pulserx.exports.archive_format import ArchiveRefused
from pulserx.exports.archive_in import check_version
from pulserx.notifications.models import Notification
from pulserx.plaintext import name_problem
from pulserx.reminders.models import (
    DayRoutine,
    Dose,
    DoseCorrection,
    LimitGroup,
    Medication,
    MedicationLimitError,
    RefillReminder,
    Schedule,
    StockEvent,
    check_room_for_medication,
)
from pulserx.reminders.planning import replan
from pulserx.reminders.routine import resolved

Json = dict[str, Any]
TOP_KEYS = frozenset({"format", "version", "exported_at", "profile", "settings", "day_routine",
                      "limit_groups", "medications", "doses", "stock_events",
                      "refill_reminders", "notifications", "care_team", "channels"})
# The API's medication fields (checked by its schema) among a medication's record.
API_MEDICATION_FIELDS = ("name", "strength", "form", "instructions", "stock",
                         "refill_threshold", "pack_size", "refill_lead_days")
API_SCHEDULE_FIELDS = tuple(name for name in out.SCHEDULE_FIELDS
                            if name not in ("id", "alert_caregivers_on_override"))


@dataclass(frozen=True)
class ImportSummary:
    medications: int
    doses: int
    notifications: int
    invitations: int
    channels_to_set_up: int

    def message(self) -> str:
        parts = [
            # Translators: the three counts are "3 medications", "120 doses" and "5 inbox
            # messages", each worded on its own.
            _("Imported %(medications)s and %(doses)s with their history and %(messages)s.")
            % {"medications": counted(ngettext("%(count)s medication", "%(count)s medications",
                                               self.medications), self.medications),
               "doses": counted(ngettext("%(count)s dose", "%(count)s doses", self.doses),
                                self.doses),
               "messages": counted(ngettext("%(count)s inbox message",
                                            "%(count)s inbox messages", self.notifications),
                                   self.notifications)}]
        if self.invitations:
            parts.append(counted(ngettext(
                "%(count)s caregiver is invited again: send them the invitation link below.",
                "%(count)s caregivers are invited again: send them the invitation links below.",
                self.invitations), self.invitations))
        if self.channels_to_set_up:
            parts.append(counted(ngettext(
                "%(count)s channel was listed without its settings: set it up again under "
                "Channels.",
                "%(count)s channels were listed without their settings: set them up again "
                "under Channels.", self.channels_to_set_up), self.channels_to_set_up))
        return " ".join(parts)


def counted(words: str, count: int) -> str:
    return words % {"count": count}


def refuse(where: str, sentence: str, **values: Any) -> ArchiveRefused:
    """The one refusal of a value of the file: `sentence` is translated, its %(where)s names
    the place as the file writes it (`medications[2].schedule`), and any other placeholder
    is one of `values`."""
    return nothing_imported(sentence % {"where": where, **values})


def nothing_imported(reason: str) -> ArchiveRefused:
    # Translators: %(reason)s says why (a sentence).
    return ArchiveRefused(_("Nothing was imported: %(reason)s") % {"reason": reason})


def not_a_record(where: str) -> ArchiveRefused:
    # Translators: %(where)s names a place in the export file ("medications[2].schedule").
    return refuse(where, _("%(where)s is not a record."))


def not_valid(where: str, problem: str) -> ArchiveRefused:
    # Translators: %(where)s names a place in the export file ("doses[4].status");
    # %(problem)s is the rule it breaks, in words ("Select a valid choice.").
    return refuse(where, _("%(where)s is not valid: %(problem)s"), problem=problem)


def check_target(patient: Patient, record: Json, *, other_account: bool = False) -> None:
    """An export goes into its owner's account (the same address) that has no medications
    yet; `other_account` (the management command's choice) lifts the first rule."""
    profile = record.get("profile")
    email = profile.get("email") if isinstance(profile, dict) else None
    if not isinstance(email, str):
        raise ArchiveRefused(_("This is not a PulseRx data export: it names no account."))
    if not other_account and email.strip().lower() != patient.user.email.strip().lower():
        # Translators: %(theirs)s and %(yours)s are email addresses.
        raise ArchiveRefused(
            _("This export is of another account (%(theirs)s), and you are signed in as "
              "%(yours)s. Nothing was imported: sign in to (or sign up with) the account it "
              "was made from.") % {"theirs": email, "yours": patient.user.email})
    if Medication.objects.filter(patient=patient).exists():
        raise ArchiveRefused(
            _("Your account already has medications. Nothing was imported: an export comes "
              "back only into an account that has none yet."))


def import_record(patient: Patient, record: Json, now: datetime, *,
                  other_account: bool = False) -> ImportSummary:
    """Import `record` (an unpacked export) into `patient`'s account, all or nothing."""
    check_version(record)
    if set(record) != TOP_KEYS:
        raise ArchiveRefused(_("This is not a PulseRx data export of a version this PulseRx "
                               "reads: its parts are not the ones it should have."))
    check_target(patient, record, other_account=other_account)
    try:
        with transaction.atomic():
            return Importer(patient, record, now).run()
    except IntegrityError:
        raise ArchiveRefused(_("Nothing was imported: the export holds records that "
                               "contradict each other (two doses in one slot, or an "
                               "address twice).")) from None


def items(record: Json, key: str) -> list[Json]:
    value = record[key]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        # Translators: %(where)s names a part of the export file ("doses").
        raise refuse(key, _("%(where)s is not a list of records."))
    return value


def expect_keys(item: Json, where: str, names: tuple[str, ...], *extra: str) -> None:
    expected = set(names) | set(extra)
    if set(item) != expected:
        odd = sorted(set(item) ^ expected)
        # Translators: %(where)s names a place in the export file ("doses[4]"); %(fields)s
        # lists the names of fields, as the file writes them ("due_at, status").
        raise refuse(where, _("%(where)s does not have the fields this format gives it "
                              "(%(fields)s)."), fields=", ".join(odd))


def clean(row: Model, where: str, *, exclude: tuple[str, ...] = ()) -> None:
    """The model's own field rules (what every ModelForm checks): choices, lengths, digits,
    bounds, zones. Values are converted from their JSON form on the way."""
    try:
        row.clean_fields(exclude=list(exclude))
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise not_valid(f"{where}.{field}", " ".join(messages)) from None


def build(model: type[Model], item: Json, names: tuple[str, ...], where: str,
          exclude: tuple[str, ...] = (), **fixed: Any) -> Any:
    row = model(**{name: item[name] for name in names if name != "id"}, **fixed)
    clean(row, where, exclude=exclude)
    return row


class Importer:
    """One import: the maps from the file's ids to the new rows' ids, filled in order."""

    def __init__(self, patient: Patient, record: Json, now: datetime) -> None:
        self.patient, self.record, self.now = patient, record, now
        self.user = patient.user
        self.ids: dict[str, dict[Any, Any]] = {key: {} for key in (
            "limit_groups", "medications", "schedules", "doses", "refill_reminders")}

    def ref(self, table: str, value: Any, where: str, *, required: bool = False) -> Any:
        if value is None and not required:
            return None
        try:
            return self.ids[table][value]
        except (KeyError, TypeError):
            # Translators: %(where)s names a place in the export file ("doses[4]"); %(id)s
            # is the id it refers to, as the file writes it.
            raise refuse(where, _("%(where)s refers to a record the export does not hold "
                                  "(%(id)s)."), id=value) from None

    def author(self, value: Any, where: str) -> int | None:
        """The patient stays the author of what they recorded; anyone else is forgotten."""
        if value is None:
            return None
        if value == {"who": "patient"}:
            return int(self.user.pk)
        if isinstance(value, dict) and set(value) == {"who", "email"} \
                and value["who"] == "other" and isinstance(value["email"], str):
            return None
        # Translators: %(where)s names a place in the export file ("doses[4]").
        raise refuse(where, _("%(where)s names who recorded it in a way this format does "
                              "not."))

    def run(self) -> ImportSummary:
        self.profile_and_settings()
        self.limit_groups()
        medications = items(self.record, "medications")
        try:
            check_room_for_medication(self.patient, len(medications))
        except MedicationLimitError as error:
            raise nothing_imported(str(error)) from None
        for n, item in enumerate(medications):
            self.medication(item, f"medications[{n}]")
        self.doses()
        self.stock_events()
        self.refills_and_notifications()
        invitations = self.care_team()
        for schedule in Schedule.objects.filter(patient=self.patient).select_related(
                "medication", "patient"):
            replan(schedule, self.now)
        return ImportSummary(len(medications), len(self.ids["doses"]),
                             len(items(self.record, "notifications")), invitations,
                             len(items(self.record, "channels")))

    def profile_and_settings(self) -> None:
        profile, settings = self.record["profile"], self.record["settings"]
        if not isinstance(profile, dict) or not isinstance(settings, dict):
            raise not_a_record("settings" if isinstance(profile, dict) else "profile")
        expect_keys(profile, "profile", out.PROFILE_FIELDS)
        expect_keys(settings, "settings", out.SETTINGS_FIELDS)
        self.user.first_name, self.user.last_name = profile["first_name"], profile["last_name"]
        clean(self.user, "profile", exclude=tuple(
            field.name for field in self.user._meta.fields
            if field.name not in ("first_name", "last_name")))
        self.user.save(update_fields=["first_name", "last_name"])
        form = PatientSettingsForm(settings_form_data(settings), instance=self.patient)
        if not form.is_valid():
            field, messages = next(iter(form.errors.items()))
            raise not_valid(f"settings.{field}", " ".join(map(str, messages)))
        patient = form.save(commit=False)
        patient.current_timezone = settings["current_timezone"]
        patient.reported_timezone = settings["reported_timezone"]
        clean(patient, "settings", exclude=("user",))
        patient.save()
        routine = self.record["day_routine"]
        if routine is not None:
            if not isinstance(routine, dict):
                raise not_a_record("day_routine")
            expect_keys(routine, "day_routine", out.ROUTINE_FIELDS)
            DayRoutine.objects.filter(patient=self.patient).delete()
            build(DayRoutine, routine, out.ROUTINE_FIELDS, "day_routine", ("patient",),
                  patient=self.patient).save()

    def limit_groups(self) -> None:
        for n, item in enumerate(items(self.record, "limit_groups")):
            where = f"limit_groups[{n}]"
            expect_keys(item, where, out.LIMIT_GROUP_FIELDS)
            row = build(LimitGroup, item, out.LIMIT_GROUP_FIELDS, where, ("patient",),
                        patient=self.patient)
            check_name(row.name, f"{where}.name")
            row.save()
            self.ids["limit_groups"][item["id"]] = row.pk

    def medication(self, item: Json, where: str) -> None:
        expect_keys(item, where, out.MEDICATION_FIELDS, "schedule")
        schedule = item["schedule"]
        if schedule is not None:
            if not isinstance(schedule, dict):
                raise not_a_record(f"{where}.schedule")
            expect_keys(schedule, f"{where}.schedule", out.SCHEDULE_FIELDS, "limit_group")
        check_with_api(item, schedule, where)
        medication = build(Medication, item, out.MEDICATION_FIELDS, where, ("patient",),
                           patient=self.patient)
        # Saved without its count, then given it: a count set by hand is kept as a stock
        # correction (`reminders.stock`), and this one is history, already in the file.
        stock, medication.stock = medication.stock, None
        medication.save()
        medication.stock = stock
        Medication.objects.filter(pk=medication.pk).update(stock=stock,
                                                           created_at=medication.created_at)
        self.ids["medications"][item["id"]] = medication.pk
        if schedule is None:
            return
        row = build(Schedule, schedule, out.SCHEDULE_FIELDS, f"{where}.schedule",
                    ("patient", "medication", "limit_group"), patient=self.patient,
                    medication=medication, limit_group_id=self.ref(
                        "limit_groups", schedule["limit_group"], f"{where}.schedule"))
        self.check_anchors(row, f"{where}.schedule")
        row.save()
        self.ids["schedules"][schedule["id"]] = row.pk

    def check_anchors(self, schedule: Schedule, where: str) -> None:
        """A time tied to the patient's day is where that day puts it."""
        day = DayRoutine.day_of(self.patient)
        try:
            same = resolved(schedule.times, day) == schedule.times and all(
                resolved(p["times"], day) == p["times"] for p in schedule.phases)
        except (ValueError, KeyError, TypeError) as error:
            raise not_valid(f"{where}.times", f"{error}.") from None
        if not same:
            # Translators: %(where)s names a place in the export file
            # ("medications[2].schedule.times"), the dose times of a schedule.
            raise refuse(f"{where}.times", _("%(where)s are not where the day routine puts "
                                             "them."))

    def doses(self) -> None:
        rows, corrections = [], []
        for n, item in enumerate(items(self.record, "doses")):
            where = f"doses[{n}]"
            expect_keys(item, where, out.DOSE_FIELDS, *out.DOSE_REFS, "recorded_by",
                        "corrections")
            medication_id = self.ref("medications", item["medication"], where)
            schedule_id = self.ref("schedules", item["schedule"], where)
            if schedule_id is not None and self.ids["medications"].get(
                    item["medication"]) is None:
                # Translators: %(where)s names a place in the export file ("doses[4]").
                raise refuse(where, _("%(where)s has a schedule but no medication."))
            rows.append(build(Dose, item, out.DOSE_FIELDS, where,
                              ("patient", "medication", "schedule", "acted_by"),
                              patient=self.patient, medication_id=medication_id,
                              schedule_id=schedule_id,
                              acted_by_id=self.author(item["recorded_by"], where)))
            corrections.append(item["corrections"])
        created = Dose.objects.bulk_create(rows, batch_size=1000)
        for item, row in zip(items(self.record, "doses"), created, strict=True):
            self.ids["doses"][item["id"]] = row.pk
        DoseCorrection.objects.bulk_create(
            [self.correction(entry, row.pk, f"doses[{n}].corrections[{m}]")
             for n, (row, entries) in enumerate(zip(created, corrections, strict=True))
             for m, entry in enumerate(entries if isinstance(entries, list) else [None])])

    def correction(self, entry: Any, dose_id: int, where: str) -> DoseCorrection:
        if not isinstance(entry, dict):
            raise not_a_record(where)
        expect_keys(entry, where, out.CORRECTION_FIELDS, "by")
        return build(DoseCorrection, entry, out.CORRECTION_FIELDS, where, ("dose", "by"),
                     dose_id=dose_id, by_id=self.author(entry["by"], where))

    def stock_events(self) -> None:
        rows = []
        for n, item in enumerate(items(self.record, "stock_events")):
            where = f"stock_events[{n}]"
            expect_keys(item, where, out.STOCK_EVENT_FIELDS, *out.STOCK_EVENT_REFS, "by")
            rows.append(build(StockEvent, item, out.STOCK_EVENT_FIELDS, where,
                              ("medication", "dose", "by"),
                              medication_id=self.ref("medications", item["medication"], where,
                                                     required=True),
                              dose_id=self.ref("doses", item["dose"], where),
                              by_id=self.author(item["by"], where)))
        StockEvent.objects.bulk_create(rows, batch_size=1000)

    def refills_and_notifications(self) -> None:
        for n, item in enumerate(items(self.record, "refill_reminders")):
            where = f"refill_reminders[{n}]"
            expect_keys(item, where, out.REFILL_FIELDS, *out.REFILL_REFS)
            row = build(RefillReminder, item, out.REFILL_FIELDS, where,
                        ("patient", "medication"), patient=self.patient,
                        medication_id=self.ref("medications", item["medication"], where,
                                               required=True))
            row.save()
            self.ids["refill_reminders"][item["id"]] = row.pk
        rows = []
        for n, item in enumerate(items(self.record, "notifications")):
            where = f"notifications[{n}]"
            expect_keys(item, where, out.NOTIFICATION_FIELDS, *out.NOTIFICATION_REFS)
            rows.append(build(Notification, item, out.NOTIFICATION_FIELDS, where,
                              ("recipient", "patient", "dose", "refill"),
                              recipient=self.user, patient=self.patient,
                              dose_id=self.ref("doses", item["dose"], where),
                              refill_id=self.ref("refill_reminders", item["refill"], where)))
        Notification.objects.bulk_create(rows, batch_size=1000)

    def care_team(self) -> int:
        """Each member invited again, through the invitation form's rules; returns how many."""
        invited = 0
        for n, item in enumerate(items(self.record, "care_team")):
            where = f"care_team[{n}]"
            expect_keys(item, where, out.CARE_FIELDS, "caregiver")
            form = InviteForm({"email": item["invited_email"]}, patient=self.patient)
            if not form.is_valid():
                raise not_valid(f"{where}.invited_email",
                                " ".join(map(str, form.errors["email"])))
            row = build(CareLink, item, out.CARE_FIELDS, where, ("patient", "caregiver"),
                        patient=self.patient)
            row.invited_email = form.cleaned_data["email"]
            if row.status == CareLinkStatus.ACCEPTED:
                row.status = CareLinkStatus.INVITED
            row.save()
            CareLink.objects.filter(pk=row.pk).update(created_at=row.created_at)
            invited += row.status == CareLinkStatus.INVITED
        for n, item in enumerate(items(self.record, "channels")):
            expect_keys(item, f"channels[{n}]", out.CHANNEL_FIELDS)
        return invited


def settings_form_data(settings: Json) -> dict[str, Any]:
    """The settings as the Settings page's form would post them (a checkbox is sent only
    when ticked)."""
    data = {name: value for name, value in settings.items()
            if value is not None and not isinstance(value, bool)}
    data.update({name: "on" for name, value in settings.items() if value is True})
    return data


def check_with_api(item: Json, schedule: Json | None, where: str) -> None:
    """The medication and its schedule pass the API's schema and its schedule check."""
    fields = {name: number(item[name]) if name in DECIMALS else item[name]
              for name in API_MEDICATION_FIELDS}
    if schedule is not None:
        fields["schedule"] = {name: number(schedule[name]) if name in DECIMALS
                              else schedule[name] for name in API_SCHEDULE_FIELDS}
        fields["schedule"]["times"] = dose_times(schedule["times"])
        fields["schedule"]["phases"] = [
            {**phase, "times": dose_times(phase.get("times"))} if isinstance(phase, dict)
            else phase for phase in schedule["phases"] or []]
    else:
        fields["schedule"] = {"recurrence": "as_needed"}
    try:
        checked = MedicationIn.model_validate(fields)
        if schedule is not None:
            checked_plan(checked.model_dump()["schedule"])
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        raise not_valid(f"{where}.{location(first['loc'])}", f"{api_words(first)}.") from None
    except ApiValidationError as error:
        problem = error.errors[0]
        raise not_valid(f"{where}.schedule.{problem['loc'][-1]}", f"{problem['msg']}.") \
            from None


# Quantities are exact decimal strings in the file and JSON numbers in the API.
DECIMALS = frozenset({"stock", "refill_threshold", "pack_size", "dose_amount"})


def number(value: Any) -> Any:
    """A decimal string as the number the API reads (anything else as it is, for the API
    to refuse)."""
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def dose_times(entries: Any) -> Any:
    """Dose times as the API takes them: the time and its amount (what a time is tied to
    is checked against the day routine)."""
    if not isinstance(entries, list):
        return entries
    return [{"at": entry.get("at"), "amount": number(entry.get("amount"))}
            if isinstance(entry, dict) else entry for entry in entries]


def api_words(error: Any) -> str:
    """The API's message, without pydantic's prefix, and the text rule in words rather
    than as its pattern."""
    if error["type"] == "string_pattern_mismatch":
        return name_problem(str(error["input"])) or str(error["msg"])
    return str(error["msg"]).removeprefix("Value error, ")


def location(parts: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in parts)


def check_name(name: str, where: str) -> None:
    if problem := name_problem(name):
        # Translators: %(where)s names a place in the export file ("limit_groups[0].name");
        # %(problem)s says what is wrong with that name ("needs at least one visible
        # character").
        raise refuse(where, _("%(where)s %(problem)s."), problem=problem)
