"""Amounts entered before doses had units keep their meaning: they counted the product, and
the unit the migration gives every existing medication is the product's own count."""

from __future__ import annotations

from decimal import Decimal
from importlib import import_module

from django.db import migrations

from pulserx.reminders.amounts import amount_text
from pulserx.reminders.models import DoseUnit, Medication

MIGRATION = import_module("pulserx.reminders.migrations.0007_medication_dose_unit").Migration


def test_existing_medications_get_the_product_count_and_no_strength() -> None:
    added = {op.name: op.field for op in MIGRATION.operations
             if isinstance(op, migrations.AddField)}
    assert added["dose_unit"].default == DoseUnit.PRODUCT == ""
    assert added["strength_value"].null and added["strength_unit"].blank
    assert not [op for op in MIGRATION.operations if isinstance(op, migrations.RunPython)]


def test_an_amount_in_product_units_reads_as_before() -> None:
    medication = Medication(form="tablet")  # as every row stands after the migration
    assert medication.counts_stock is False  # no stock kept
    assert amount_text(Decimal(2), medication.measure) == "2 tablets"
    assert amount_text(Decimal(5), Medication(form="liquid").measure) == "5 mL"
