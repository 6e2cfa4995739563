"""What the patient reads after an import: each count in words that agree with it ("1
medication", "2 medications"), and the sentences about caregivers and channels only when
there are some."""

from __future__ import annotations

from pulserx.exports.record_in import ImportSummary


def test_one_of_each_is_counted_in_the_singular() -> None:
    assert ImportSummary(1, 1, 1, 1, 1).message() == (
        "Imported 1 medication and 1 dose with their history and 1 inbox message. "
        "1 caregiver is invited again: send them the invitation link below. "
        "1 channel was listed without its settings: set it up again under Channels.")


def test_more_than_one_is_counted_in_the_plural() -> None:
    assert ImportSummary(3, 120, 5, 2, 4).message() == (
        "Imported 3 medications and 120 doses with their history and 5 inbox messages. "
        "2 caregivers are invited again: send them the invitation links below. "
        "4 channels were listed without their settings: set them up again under Channels.")


def test_no_caregivers_and_no_channels_say_nothing_of_them() -> None:
    assert ImportSummary(2, 0, 0, 0, 0).message() == (
        "Imported 2 medications and 0 doses with their history and 0 inbox messages.")
