"""The one renderer: what every channel shows of a notification and the dose behind it.

The live event, the inbox page and `/inbox/since`, the API's inbox, the Web Push payload,
the email (text and HTML), the email-link confirm page, the caregiver's alert and the
calendar feed all take their words from here. Times are on the clock the patient's reminders
follow (`reminders.clock.patient_zone`); a reader on another clock (a caregiver) sees the
zone named: "08:00 in Tokyo". Each reader's times are written in their clock format
("8:00 PM" or "20:00", `pulserx.wall_time`): a caregiver reads the patient's time in the
caregiver's format. Amounts come from `reminders.amounts`.

Every message is worded in the language of the person who reads it (`Reader.language`): a
caregiver reading German is alerted in German about a patient who reads Spanish. The words
are produced under `translation.override(reader.language)` here, and the `Message` carries
that language so that channels rendering more of it (the email's templates, the push
buttons) do so in the same language; no channel words a message on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from pulserx.accounts.models import User
from pulserx.clock_format import written_time
from pulserx.notifications.models import (
    CAREGIVER_KINDS,
    RECORDABLE_KINDS,
    Notification,
    NotificationKind,
)
from pulserx.reminders.amounts import Measure, amount_text
from pulserx.reminders.clock import Reader, patient_zone, reader_of
from pulserx.reminders.models import Dose, DoseStatus


def words_of_the_test_message(language: str | None = None) -> tuple[str, str]:
    """(title, body) of a channel's test message, in `language` (else the active one)."""
    with translation.override(language or translation.get_language()):
        return (_("PulseRx test message"),
                _("This channel works: your reminders will arrive here."))


@contextmanager
def reading(reader: Reader | str) -> Iterator[None]:
    """Word what is rendered inside in the reader's language (a `Reader` or a language
    code)."""
    language = (reader if isinstance(reader, str) else reader.language) or "en"
    if language == translation.get_language():  # most of a burst: nothing to switch
        yield
        return
    with translation.override(language):
        yield


@dataclass(frozen=True)
class DoseFacts:
    """What a message says about a dose. `medication` is None for a test reminder;
    `zone` is the patient's reminder clock."""

    medication: str | None
    strength: str
    measure: Measure
    instructions: str
    amount: Decimal
    due_at: datetime
    zone: ZoneInfo
    moved: bool = False  # a clock change put its time in the past (`Dose.moved_at`)

    @property
    def what(self) -> str:
        return medication_label(self.medication, self.strength)


@dataclass(frozen=True)
class Message:
    """A notification in words, as every channel shows it."""

    id: int
    kind: str
    dose_id: int | None
    patient_id: int
    recipient_id: int
    title: str
    body: str
    late: bool
    actionable: bool
    created_at: datetime
    quiet: bool = False  # inside quiet hours: shown silently, no system notification
    language: str = "en"  # the recipient's: the language every channel words it in


def facts_of(dose: Dose, zone: ZoneInfo | None = None) -> DoseFacts:
    """The facts of a dose (its `medication` and `patient` loaded with it); `zone`, when the
    caller already has the patient's clock."""
    medication = dose.medication
    return DoseFacts(
        medication=medication.name if medication else None,
        strength=medication.strength if medication else "",
        measure=medication.measure if medication else Measure(""),
        instructions=medication.instructions if medication else "",
        amount=dose.amount, due_at=dose.due_at, zone=zone or patient_zone(dose.patient),
        moved=dose.moved_at is not None,
    )


def medication_label(name: str | None, strength: str) -> str:
    """"Metformin 500 mg"; "Test reminder" for a dose without a medication."""
    if name is None:
        return _("Test reminder")
    return f"{name} {strength}" if strength and name else name or strength


def place(zone: ZoneInfo) -> str:
    """The zone as people name it: "Tokyo", "New York", "UTC"."""
    return zone.key.rsplit("/", 1)[-1].replace("_", " ")


def place_for(zone: ZoneInfo, reader: ZoneInfo | None, moment: datetime) -> str:
    """The place to name after a time on `zone`'s clock ("Tokyo"), or "" when the reader's
    clock shows the same time then; unknown reader clocks always get it."""
    if reader is zone or (reader is not None and reader.utcoffset(moment) == zone.utcoffset(
            moment)):
        return ""
    return place(zone)


def clock_time(moment: datetime, zone: ZoneInfo, reader: Reader) -> str:
    """`moment` on `zone`'s clock in the reader's format, "08:00" or "8:00 AM"; with the
    zone named ("08:00 in Tokyo") when the reader's clock shows another time then, or the
    reader's clock is unknown."""
    text = written_time(moment.astimezone(zone), reader.twelve_hour)
    if reader.zone is zone:  # the patient reading their own clock: the usual case, kept quick
        return text
    where = place_for(zone, reader.zone, moment)
    if not where:
        return text
    # Translators: a time on another person's clock, and the place whose clock it is:
    # "08:00 in Tokyo".
    return _("%(time)s in %(place)s") % {"time": text, "place": where}


def take_text(facts: DoseFacts, what: str | None = None) -> str:
    """"Take 2 tablets of Metformin 500 mg" (also the calendar event's summary)."""
    # Translators: "Take 2 tablets of Metformin 500 mg".
    return _("Take %(amount)s of %(medication)s") % {
        "amount": amount_text(facts.amount, facts.measure), "medication": what or facts.what}


def take_sentence(facts: DoseFacts, *, at: str = "", late: bool = False) -> str:
    """"Take 2 tablets of Metformin 500 mg — with food (due at 08:00).": what to take, the
    instructions when there are any, and when it was due when `at` is given."""
    words = {"amount": amount_text(facts.amount, facts.measure), "medication": facts.what,
             "instructions": facts.instructions, "time": at}
    if facts.instructions:
        if not at:
            # Translators: "Take 2 tablets of Metformin 500 mg — with food." (the
            # patient's own instructions after the dash).
            return _("Take %(amount)s of %(medication)s — %(instructions)s.") % words
        if late:
            return _("Take %(amount)s of %(medication)s — %(instructions)s (due at %(time)s, "
                     "sent late).") % words
        return _("Take %(amount)s of %(medication)s — %(instructions)s (due at %(time)s).") \
            % words
    if not at:
        return _("Take %(amount)s of %(medication)s.") % words
    if late:
        return _("Take %(amount)s of %(medication)s (due at %(time)s, sent late).") % words
    return _("Take %(amount)s of %(medication)s (due at %(time)s).") % words


def describe(kind: str, facts: DoseFacts | None, reader: Reader, *, late: bool = False,
             count: int = 1, patient_label: str = "") -> tuple[str, str]:
    """Return (title, body) for a notification of `kind`, for `reader` (the recipient: their
    clock and clock format; the patient's own notifications are read on `facts.zone`), in
    the active language (`message` activates the reader's)."""
    if kind == NotificationKind.MISSED_SUMMARY:
        return (ngettext("%(count)s dose missed while reminders were paused",
                         "%(count)s doses missed while reminders were paused", count)
                % {"count": count},
                _("PulseRx could not remind you in time. Review them on your Today page."))
    assert facts is not None
    at = clock_time(facts.due_at, facts.zone, reader)
    if facts.medication is None:
        return (_("Test reminder"),
                _("Your reminders work. This one was due at %(time)s.") % {"time": at})
    what = facts.what
    words = {"patient": patient_label, "medication": what, "time": at,
             "amount": amount_text(facts.amount, facts.measure)}
    if kind == NotificationKind.CAREGIVER_MISSED:
        # Translators: a caregiver's alert; %(patient)s is the patient's first name.
        return (_("%(patient)s missed a dose") % words,
                _("%(medication)s (%(amount)s), due at %(time)s, was not taken.") % words)
    if kind == NotificationKind.CAREGIVER_OVERRIDE:
        # Translators: a caregiver's alert; %(patient)s is the patient's first name.
        return (_("%(patient)s took a dose beyond a limit") % words,
                _("%(medication)s (%(amount)s) at %(time)s, although it broke a dose limit "
                  "they set.") % words)
    if kind == NotificationKind.GIVER_REMINDER:
        return giver_reminder_words(facts, at, patient_label)
    if kind == NotificationKind.REALERT:
        # Translators: the title of a repeated reminder; %(medication)s: "Metformin 500 mg".
        return (_("Reminder: %(medication)s") % words,
                _("Still due since %(time)s.") % words + " " + take_sentence(facts))
    # Translators: the title of a reminder; %(medication)s: "Metformin 500 mg".
    title = _("Time for %(medication)s") % words
    if facts.moved:
        return (title, take_sentence(facts) + " " + _(
            "The clock change moved this dose: its time, %(time)s, had already passed on "
            "your new clock, so it is reminded now.") % words)
    return (title, take_sentence(facts, at=at, late=late))


@dataclass(frozen=True)
class RefillFacts:
    """What a refill reminder says: the medication, what is left, when it runs out."""

    what: str
    measure: Measure
    stock: Decimal | None
    runs_out_at: datetime | None
    zone: ZoneInfo


def refill_facts(notification: Notification) -> RefillFacts:
    """The facts of a refill notification (its `refill__medication__patient` loaded)."""
    reminder = notification.refill
    assert reminder is not None
    medication = reminder.medication
    return RefillFacts(what=medication_label(medication.name, medication.strength),
                       measure=Measure(medication.form), stock=medication.stock,
                       runs_out_at=reminder.runs_out_at, zone=patient_zone(medication.patient))


def describe_refill(facts: RefillFacts) -> tuple[str, str]:
    """(title, body) of a refill reminder: "Time to refill Metformin 500 mg", in the active
    language."""
    words = {"medication": facts.what, "day": "",
             "amount": amount_text(facts.stock, facts.measure) if facts.stock is not None
             else ""}
    if facts.runs_out_at is not None:
        # Translators: the day a medication runs out, as a Django date format ("Mon 4 Jan"
        # in English: D = weekday, j = day, M = month, both abbreviated).
        words["day"] = dateformat.format(facts.runs_out_at.astimezone(facts.zone),
                                         pgettext("refill run-out day", "D j M"))
    if facts.stock is not None and words["day"]:
        # Translators: "3 tablets left; runs out on Mon 4 Jan."
        left = _("%(amount)s left; runs out on %(day)s.") % words
    elif facts.stock is not None:
        left = _("%(amount)s left.") % words
    elif words["day"]:
        left = _("Running low; runs out on %(day)s.") % words
    else:
        left = _("Running low.")
    # Translators: the title of a refill reminder; %(medication)s: "Metformin 500 mg".
    return (_("Time to refill %(medication)s") % words,
            left + " " + _("When you have the new pack, press Refilled on History."))


def patient_label(user: User) -> str:
    """How a caregiver's alert names the patient."""
    return user.first_name or user.email


class NotificationFields(Protocol):
    """What the renderer reads of a notification: a stored `Notification`, or the
    dispatcher's row for one it is inserting in bulk."""

    @property
    def pk(self) -> Any: ...
    @property
    def kind(self) -> str: ...
    @property
    def dose_id(self) -> int | None: ...
    @property
    def patient_id(self) -> int: ...
    @property
    def recipient_id(self) -> int: ...
    @property
    def late(self) -> bool: ...
    @property
    def count(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def quiet_until(self) -> datetime | None: ...


# What a batch has already worded, by everything the words depend on. A burst reminds many
# patients of the same medication at the same second on the same clock, so each distinct
# message is worded once per batch (`message(…, said=…)`); the dict lives as long as the batch.
Said = dict[tuple[Any, ...], tuple[str, str]]


def message(notification: NotificationFields, facts: DoseFacts | None, label: str,
            reader: Reader, *, recordable: bool = True, said: Said | None = None) -> Message:
    """The words of `notification` for its recipient `reader`, in the reader's language.
    `recordable`: the dose can still be recorded, so a reminder offers its buttons. `said`:
    a batch's words so far, read and added to."""
    if facts is not None and notification.kind not in CAREGIVER_KINDS:
        reader = replace(reader, zone=facts.zone)  # the patient reads their own clock
    if notification.kind == NotificationKind.REFILL:
        assert isinstance(notification, Notification)  # refills are stored, never batched
        with reading(reader):
            title, body = describe_refill(refill_facts(notification))
    else:
        names_patient = notification.kind in CAREGIVER_KINDS  # else `label` is not in it
        key = (notification.kind, facts, reader, notification.late, notification.count,
               label if names_patient else "")
        words = said.get(key) if said is not None else None
        if words is None:
            with reading(reader):
                words = describe(notification.kind, facts, reader, late=notification.late,
                                 count=notification.count, patient_label=label)
            if said is not None:
                said[key] = words
        title, body = words
    return Message(
        id=notification.pk, kind=notification.kind, dose_id=notification.dose_id,
        patient_id=notification.patient_id, recipient_id=notification.recipient_id,
        title=title, body=body, late=notification.late,
        actionable=(notification.kind in RECORDABLE_KINDS and notification.dose_id is not None
                    and recordable),
        created_at=notification.created_at, quiet=notification.quiet_until is not None,
        language=reader.language,
    )


def stored_message(notification: Notification) -> Message:
    """The message of a stored notification, loaded with `dose__medication`,
    `dose__patient`, `patient__user` and `recipient`."""
    dose = notification.dose
    recordable = dose is not None and DoseStatus(dose.status).can_record
    return message(notification, facts_of(dose) if dose is not None else None,
                   patient_label(notification.patient.user), reader_of(notification.recipient),
                   recordable=recordable)




def dose_summary(dose: Dose, reader: Reader) -> dict[str, str]:
    """What the email-link pages say about a dose to `reader` (the link's recipient): what
    it is and when it was due, on the patient's clock ("08:00", "Tuesday 1 December"), in
    the reader's language."""
    facts = facts_of(dose)
    local = facts.due_at.astimezone(facts.zone)
    with reading(reader):
        return {"what": facts.what, "due_time": clock_time(facts.due_at, facts.zone, reader),
                # Translators: a Django date format, "Tuesday 1 December" in English (l =
                # weekday, j = day, F = month).
                "due_day": dateformat.format(local, pgettext("dose day", "l j F")),
                "amount": amount_text(facts.amount, facts.measure) if facts.medication else ""}










def giver_reminder_words(facts: DoseFacts, at: str, patient_label: str) -> tuple[str, str]:
    """(title, body) of a giver's reminder: "Time for Leo's Amoxicillin 250 mg", "Give 5 ml,
    due at 08:00 in Lisbon." (`at` on the person's clock, written for the giver)."""
    # Translators: a carer is reminded to give someone their medication; "person" is that
    # someone's first name, "what" the medication and its strength.
    title = _("Time for %(person)s's %(what)s") % {"person": patient_label, "what": facts.what}
    amount = amount_text(facts.amount, facts.measure)
    if facts.instructions:
        # Translators: "at" is a time of day, with the place when it is not the carer's own.
        body = _("Give %(amount)s, due at %(at)s — %(instructions)s.") % {
            "amount": amount, "at": at, "instructions": facts.instructions}
    else:
        # Translators: "at" is a time of day, with the place when it is not the carer's own.
        body = _("Give %(amount)s, due at %(at)s.") % {"amount": amount, "at": at}
    return title, body
