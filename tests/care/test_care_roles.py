"""Roles on the care team: the patient grants, changes and revokes; sees < gives < manages;
the one rule (`patient_in_care`) answers every page and the API."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.urls import reverse

from pulserx.accounts.care import patient_in_care
from pulserx.accounts.models import CareLink, CareLinkStatus, CareRole, Patient, User
from pulserx.reminders.models import Dose, DoseStatus, RecordedVia
from tests.care.conftest import signed_in, token_for

API = "/api/v1"


def test_existing_links_keep_only_seeing_after_the_migration(patient: Patient, sol: User):
    CareLink.objects.update(role=CareRole.MANAGES)
    migration = import_module("pulserx.accounts.migrations.0006_carelink_role")
    migration.keep_existing_links_seeing(apps, None)
    assert set(CareLink.objects.values_list("role", flat=True)) == {CareRole.SEES}


def test_each_role_allows_what_the_ones_before_it_do(patient: Patient, sol: User, ana: User):
    pid = patient.pk
    assert patient_in_care(sol, pid, CareRole.SEES) == patient
    assert patient_in_care(sol, pid, CareRole.GIVES) is None
    assert patient_in_care(ana, pid, CareRole.GIVES) == patient
    assert patient_in_care(ana, pid, CareRole.MANAGES) is None
    assert patient_in_care(patient.user, pid, CareRole.MANAGES) == patient


def test_the_patient_invites_with_a_role_and_changes_it(patient: Patient):
    client = signed_in(patient.user)
    client.post(reverse("care_invite"), {"email": "dana@example.org", "role": "gives"})
    link = CareLink.objects.get(invited_email="dana@example.org")
    assert link.role == CareRole.GIVES

    response = client.post(reverse("care_role", args=[link.pk]), {"role": "manages"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.role == CareRole.MANAGES
    page = client.get(reverse("account_settings")).content.decode()
    assert f'id="role-{link.pk}"' in page


def test_a_role_that_cannot_be_granted_is_refused_with_words(patient: Patient, ana: User):
    link = CareLink.objects.get(caregiver=ana)
    client = signed_in(patient.user)
    response = client.post(reverse("care_role", args=[link.pk]), {"role": "owns"})
    assert response.status_code == 400
    assert "sees, gives or manages" in response.content.decode()
    invite = client.post(reverse("care_invite"), {"email": "x@example.org", "role": "admin"})
    assert "sees, gives or manages" in invite.content.decode()
    assert not CareLink.objects.filter(invited_email="x@example.org").exists()
    link.refresh_from_db()
    assert link.role == CareRole.GIVES


def test_a_carer_cannot_change_roles_on_someone_elses_team(patient: Patient, ana: User):
    link = CareLink.objects.get(caregiver=ana)
    response = signed_in(ana).post(reverse("care_role", args=[link.pk]), {"role": "manages"})
    assert response.status_code == 404
    link.refresh_from_db()
    assert link.role == CareRole.GIVES


def test_inviting_yourself_is_refused(patient: Patient):
    response = signed_in(patient.user).post(
        reverse("care_invite"), {"email": patient.user.email, "role": "gives"})
    assert "your own address" in response.content.decode()
    assert not CareLink.objects.exists()


def test_a_carer_who_only_sees_cannot_record_a_dose(patient: Patient, sol: User,
                                                    due_dose: Dose):
    assert signed_in(sol).post(f"/doses/{due_dose.pk}/take").status_code == 404
    assert token_for(sol).post(f"{API}/doses/{due_dose.pk}/take").status_code == 404
    due_dose.refresh_from_db()
    assert due_dose.status == DoseStatus.NOTIFIED


def test_recording_for_a_person_you_do_not_give_to_is_404(
        patient: Patient, other_patient: Patient, ana: User, due_dose: Dose):
    stranger = other_patient.user
    assert signed_in(stranger).post(f"/doses/{due_dose.pk}/take").status_code == 404
    assert token_for(stranger).post(f"{API}/doses/{due_dose.pk}/skip").status_code == 404
    due_dose.refresh_from_db()
    assert due_dose.status == DoseStatus.NOTIFIED and due_dose.acted_by is None


def test_a_carer_who_gives_records_on_the_page_and_everyone_sees_who(
        patient: Patient, ana: User, due_dose: Dose):
    carer_page = signed_in(ana).get(f"/care/{patient.pk}/").content.decode()
    assert f'action="/doses/{due_dose.pk}/take"' in carer_page

    response = signed_in(ana).post(f"/doses/{due_dose.pk}/take",
                                   {"next": f"/care/{patient.pk}/"})
    assert response.status_code == 302 and response.url == f"/care/{patient.pk}/"
    due_dose.refresh_from_db()
    assert due_dose.status == DoseStatus.TAKEN and due_dose.acted_by == ana
    assert due_dose.recorded_via == RecordedVia.PAGE
    today = signed_in(patient.user).get("/").content.decode()
    assert "Given by Ana at " in today


def test_a_carer_who_gives_records_through_the_api(patient: Patient, ana: User,
                                                   due_dose: Dose):
    response = token_for(ana).post(f"{API}/doses/{due_dose.pk}/take")
    assert response.status_code == 200
    body = response.json()
    assert body["recorded_by"] == "Ana" and body["recorded_via"] == "api"
    assert body["recorded_by_patient"] is False
    assert body["recorded_text"].startswith("Given by Ana at ")


def test_a_second_carer_is_told_who_gave_it_in_place_of_the_buttons(
        patient: Patient, ana: User, ben: User, due_dose: Dose):
    signed_in(ana).post(f"/doses/{due_dose.pk}/take")
    htmx = signed_in(ben).post(f"/doses/{due_dose.pk}/take", {"fragment": "row"},
                               headers={"HX-Request": "true"})
    page = htmx.content.decode()
    assert "Already given by Ana at " in page
    assert f'action="/doses/{due_dose.pk}/take"' not in page
    toast = signed_in(ben).post(f"/doses/{due_dose.pk}/skip",
                                headers={"Accept": "application/json"})
    assert toast.status_code == 409 and toast.json()["error"].startswith("Already given by Ana")
    api = token_for(ben).post(f"{API}/doses/{due_dose.pk}/take")
    assert api.status_code == 409 and api.json()["detail"].startswith("Already given by Ana at ")
    due_dose.refresh_from_db()
    assert due_dose.acted_by == ana


def test_revoking_a_carer_closes_every_door_at_once(patient: Patient, ana: User,
                                                    due_dose: Dose):
    link = CareLink.objects.get(caregiver=ana)
    pages = [f"/care/{patient.pk}/", f"/care/{patient.pk}/timeline",
             f"/care/{patient.pk}/history/", f"/care/{patient.pk}/history/report",
             f"/care/{patient.pk}/history/report.pdf", f"/care/{patient.pk}/history/doses.csv",
             f"/doses/{due_dose.pk}/row"]
    browser, api = signed_in(ana), token_for(ana)
    apis = [f"{API}/history?patient={patient.pk}", f"{API}/doses.csv?patient={patient.pk}",
            f"{API}/report.pdf?patient={patient.pk}"]
    assert all(browser.get(path).status_code == 200 for path in pages)
    assert all(api.get(path).status_code == 200 for path in apis)

    signed_in(patient.user).post(reverse("care_revoke", args=[link.pk]))

    assert [browser.get(path).status_code for path in pages] == [404] * len(pages)
    assert [api.get(path).status_code for path in apis] == [404] * len(apis)
    assert browser.post(f"/doses/{due_dose.pk}/take").status_code == 404
    assert api.post(f"{API}/doses/{due_dose.pk}/take").status_code == 404
    link.refresh_from_db()
    assert link.status == CareLinkStatus.REVOKED


def test_only_a_carer_who_manages_may_change_the_stock(patient: Patient, ana: User,
                                                       due_dose: Dose):
    medication = due_dose.medication
    assert token_for(ana).post(f"{API}/medications/{medication.pk}/refill", {"amount": 5},
                               content_type="application/json").status_code == 404
    CareLink.objects.filter(caregiver=ana).update(role=CareRole.MANAGES)
    response = token_for(ana).post(f"{API}/medications/{medication.pk}/refill",
                                   {"amount": 5}, content_type="application/json")
    assert response.status_code == 200
    medication.refresh_from_db()
    assert medication.stock == 15
