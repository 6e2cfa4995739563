"""What each answer to Today's travel question does to the day's doses, in words, said
before the patient chooses (the rule itself is `reminders.travel.clock_choice`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _

from pulserx.clock_format import twelve_hour_now
from pulserx.notifications.render import clock_time, medication_label, place
from pulserx.reminders.clock import Reader
from pulserx.reminders.travel import ClockChoice


def span(delta: timedelta) -> str:
    """"30 min", "1 h", "5 h 45 min"."""
    minutes = abs(int(delta.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if hours:
        # Translators: a number of hours, abbreviated: "5 h".
        return _("%(hours)s h") % {"hours": hours}
    # Translators: a number of minutes, abbreviated: "30 min".
    return _("%(minutes)s min") % {"minutes": minutes}


def choice_effect(choice: ClockChoice) -> list[str]:
    """Sentences saying what `choice` does: which clock, how the doses not yet due move,
    and each dose it puts in the past (reminded at once, not dropped)."""
    if not choice.moves:
        return [_("Nothing moves: your reminders already follow this clock.")]
    where = place(choice.zone)
    if not choice.later_by:
        # Translators: %(place)s is a place or time zone ("Tokyo").
        sentence = _("Doses not yet due keep their times of day on the clock in %(place)s, "
                     "so they come at the same moments as now.")
    elif choice.later_by > timedelta(0):
        # Translators: %(place)s is a place or time zone; %(span)s is like "5 h 45 min".
        sentence = _("Doses not yet due keep their times of day on the clock in %(place)s, "
                     "so they come %(span)s later than now.")
    else:
        # Translators: %(place)s is a place or time zone; %(span)s is like "5 h 45 min".
        sentence = _("Doses not yet due keep their times of day on the clock in %(place)s, "
                     "so they come %(span)s earlier than now.")
    words = [sentence % {"place": where, "span": span(choice.later_by)}]
    for dose in choice.moved_past:
        at = clock_time(dose.due_at, choice.zone, Reader(choice.zone, twelve_hour_now()))
        if dose.medication:
            # Translators: %(medication)s is a medication's name and strength.
            words.append(_("%(medication)s at %(time)s has already passed on that clock: it "
                           "is still that day's dose, and you are reminded of it at once.")
                         % {"medication": medication_label(dose.medication.name,
                                                           dose.medication.strength),
                            "time": at})
        else:
            words.append(_("A dose at %(time)s has already passed on that clock: it is still "
                           "that day's dose, and you are reminded of it at once.")
                         % {"time": at})
    return words
