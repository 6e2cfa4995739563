"""The JSON API (django-ninja): /api/v1/, documented at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import django_auth

api = NinjaAPI(title="PulseRx API", version="1", auth=django_auth)
