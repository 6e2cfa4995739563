"""The private iCal feed: RFC 5545 on the wire, and the same instants as the reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pulserx.api.ical import escape_text, fold
from pulserx.reminders.actions import set_paused
from pulserx.reminders.models import Schedule
from pulserx.reminders.schedule import occurrences
from tests import factories as make
from tests.api.conftest import API, token_client
from tests.factories import make_patient
from tests.support import https_client

# Wednesday before the US spring-forward night (Sunday 14 March 2027, 02:00 → 03:00).
NOW = datetime(2027, 3, 10, 17, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def feed_path(patient) -> str:
    return f"/calendar/{patient.calendar_token}.ics"


def unfold(body: bytes) -> list[str]:
    """Content lines: CRLF + space continues the previous line (RFC 5545 §3.1)."""
    return body.decode().replace("\r\n ", "").split("\r\n")[:-1]


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def events(body: bytes) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in unfold(body):
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            found.append(current)
            current = None
        elif current is not None:
            current[name] = unescape(value)
    return found


@pytest.fixture
def new_yorker(db):
    return make_patient("nia@example.org", tz="America/New_York")


@time_machine.travel(NOW, tick=False)
def test_events_are_the_reminders_instants_across_the_dst_change(new_yorker):
    med = make.medication(new_yorker, "02:30", "08:00", start=date(2027, 3, 1))
    med.schedule.times = [{"at": "02:30", "amount": "2"}, {"at": "08:00", "amount": "1"}]
    med.schedule.save()

    response = https_client().get(feed_path(new_yorker))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response.content)
    after = datetime(2027, 3, 10, 5, 0, tzinfo=UTC) - timedelta(microseconds=1)  # local midnight
    expected = list(occurrences(med.schedule.plan(), NEW_YORK, after, NOW + timedelta(days=30)))
    assert [e["DTSTART"] for e in found] == [f"{i:%Y%m%dT%H%M%SZ}" for i in expected]
    by_start = {e["DTSTART"]: e for e in found}
    assert "20270313T073000Z" in by_start  # 02:30 EST
    assert by_start["20270314T073000Z"]["SUMMARY"] == "Take 2 tablets of Metformin 500 mg"
    assert "20270315T063000Z" in by_start  # 02:30 EDT
    assert by_start["20270314T120000Z"]["SUMMARY"] == "Take 1 tablet of Metformin 500 mg"
    assert len({e["UID"] for e in found}) == len(found)
    uid = by_start["20270314T073000Z"]["UID"]
    assert uid.startswith(f"dose-{med.schedule.pk}-20270314T073000Z@")


@time_machine.travel(NOW, tick=False)
def test_the_wire_format_is_crlf_and_folded_at_75_octets(new_yorker):
    name = "Ácido acetilsalicílico; gastro-resistant, low dose — film-coated, once daily"
    med = make.medication(new_yorker, "08:00", start=date(2027, 3, 1), name=name)
    med.instructions = "Swallow whole, with water;\ndo not crush \\ chew"
    med.save()

    body = https_client().get(feed_path(new_yorker)).content

    assert body.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"") and b"\r" not in body.replace(b"\r\n", b"")
    physical = body.split(b"\r\n")[:-1]
    assert max(len(line) for line in physical) <= 75
    assert any(line.startswith(b" ") for line in physical)  # something was folded
    for line in physical:
        line.decode()  # no UTF-8 character was cut in two
    first = events(body)[0]
    assert first["SUMMARY"] == f"Take 1 tablet of {name} 500 mg"
    assert first["DESCRIPTION"] == med.instructions
    assert "\\;" in body.decode().replace("\r\n ", "") and "\\," in body.decode()


@time_machine.travel(NOW, tick=False)
def test_the_feed_is_stable_and_leaves_out_paused_medications(new_yorker):
    make.medication(new_yorker, "08:00", start=date(2027, 3, 1))
    paused = make.medication(new_yorker, "09:00", start=date(2027, 3, 1), name="Paused")
    set_paused(paused, True)

    first = events(https_client().get(feed_path(new_yorker)).content)
    second = events(https_client().get(feed_path(new_yorker)).content)

    assert [e["UID"] for e in first] == [e["UID"] for e in second]
    assert all("Paused" not in e["SUMMARY"] for e in first)
    assert len(first) == 31  # today's 08:00 (13:00Z) and thirty more days


@time_machine.travel(NOW, tick=False)
def test_a_traveller_following_local_time_gets_the_local_clock(new_yorker):
    new_yorker.travel_policy, new_yorker.current_timezone = "local", "Asia/Tokyo"
    new_yorker.save()
    make.medication(new_yorker, "08:00", start=date(2027, 3, 1))

    found = events(https_client().get(feed_path(new_yorker)).content)

    assert {e["DTSTART"][8:] for e in found} == {"T230000Z"}  # 08:00 JST


def test_an_unknown_token_is_a_404(db):
    assert https_client().get("/calendar/not-a-token.ics").status_code == 404


def test_rotating_the_token_retires_the_old_address(patient):
    old = feed_path(patient)
    api = token_client(patient)

    rotated = api.post(f"{API}/calendar/rotate")

    assert rotated.status_code == 200
    new_url = rotated.json()["calendar_url"]
    assert new_url.endswith(".ics") and not new_url.endswith(old)
    assert api.get(f"{API}/me").json()["calendar_url"] == new_url
    browser = https_client()
    assert browser.get(old).status_code == 404
    assert browser.get(urlsplit(new_url).path).status_code == 200


def test_folding_never_cuts_a_character_and_escaping_round_trips():
    line = "SUMMARY:" + "é€" * 60

    physical = list(fold(line))

    assert all(len(part.encode()) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert physical[0] + "".join(part[1:] for part in physical[1:]) == line
    text = 'a\\b;c,d\ne "quoted"'
    assert escape_text(text) == 'a\\\\b\\;c\\,d\\ne "quoted"'
    assert unescape(escape_text(text)) == text


@time_machine.travel(NOW, tick=False)
def test_a_schedule_with_a_broken_stored_plan_is_left_out_not_a_500(new_yorker):
    make.medication(new_yorker, "08:00", start=date(2027, 3, 1))
    broken = make.medication(new_yorker, "09:00", start=date(2027, 3, 1), name="Broken")
    Schedule.objects.filter(pk=broken.schedule.pk).update(times=[])  # as only the admin could

    response = https_client().get(feed_path(new_yorker))

    assert response.status_code == 200
    assert all("Broken" not in e["SUMMARY"] for e in events(response.content))
    assert token_client(new_yorker).get(f"{API}/doses").status_code == 200
