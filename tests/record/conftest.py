"""The API clients of tests/api, for the record's API tests."""

from tests.api.conftest import api, other_api  # noqa: F401
