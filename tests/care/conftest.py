"""A person (the `patient` persona) with a care team: Ana and Ben give, Sol only sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from pulserx.accounts.models import AccountType, CareLink, CareLinkStatus, CareRole, Patient, User
from pulserx.api.models import ApiToken
from pulserx.reminders.models import Dose, DoseStatus, Medication
from tests import factories as make
from tests.support import https_client


def carer(patient: Patient, name: str, role: CareRole) -> User:
    user = User.objects.create_user(f"{name.lower()}@example.org", "correct horse battery",
                                    first_name=name, email_verified=True,
                                    account_type=AccountType.CAREGIVER)
    CareLink.objects.create(patient=patient, caregiver=user, invited_email=user.email,
                            status=CareLinkStatus.ACCEPTED, role=role)
    return user


def signed_in(user: User) -> Client:
    client = https_client()
    client.force_login(user)
    return client


def token_for(user: User) -> Client:
    _, token = ApiToken.issue(user, "tests")
    return https_client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def ana(patient: Patient) -> User:
    return carer(patient, "Ana", CareRole.GIVES)


@pytest.fixture
def ben(patient: Patient) -> User:
    return carer(patient, "Ben", CareRole.GIVES)


@pytest.fixture
def sol(patient: Patient) -> User:
    return carer(patient, "Sol", CareRole.SEES)


@pytest.fixture
def metformin(patient: Patient) -> Medication:
    return make.medication(patient, stock=10)


@pytest.fixture
def due_dose(metformin: Medication) -> Dose:
    """The 8 o'clock dose, due a minute ago."""
    return make.dose(metformin, timezone.now() - timedelta(minutes=1), DoseStatus.NOTIFIED)
