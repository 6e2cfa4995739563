"""render.yaml uses only Blueprint fields Render knows, wires every service, and sets only
environment variables PulseRx reads; the Procfile runs the same commands."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

# Field names from Render's Blueprint YAML reference (https://render.com/docs/blueprint-spec).
ROOT_FIELDS = {"services", "databases", "envVarGroups", "projects", "ungrouped", "previews"}
SERVICE_FIELDS = {
    "name", "type", "runtime", "plan", "previews", "buildCommand", "startCommand", "schedule",
    "preDeployCommand", "region", "repo", "branch", "autoDeployTrigger", "domains",
    "healthCheckPath", "maxShutdownDelaySeconds", "dockerCommand", "dockerfilePath",
    "dockerContext", "registryCredential", "image", "numInstances", "scaling", "buildFilter",
    "rootDir", "disk", "staticPublishPath", "headers", "routes", "envVars", "ipAllowList",
}
KEYVALUE_FIELDS = {"name", "type", "ipAllowList", "region", "plan", "previewPlan",
                   "maxmemoryPolicy"}
DATABASE_FIELDS = {
    "name", "plan", "previewPlan", "diskSizeGB", "previewDiskSizeGB", "region", "ipAllowList",
    "postgresMajorVersion", "databaseName", "user", "readReplicas", "highAvailability",
}
ENV_VAR_FIELDS = {"key", "value", "generateValue", "sync", "fromDatabase", "fromService",
                  "fromGroup"}
ENV_VAR_SOURCES = {"value", "generateValue", "sync", "fromDatabase", "fromService", "fromGroup"}
GROUP_FIELDS = {"name", "envVars"}
FROM_DATABASE_FIELDS = {"name", "property", "envVarKey"}
FROM_SERVICE_FIELDS = {"name", "type", "property", "envVarKey"}
IP_ALLOW_FIELDS = {"source", "description"}

SERVICE_TYPES = {"web", "pserv", "worker", "cron", "keyvalue", "redis"}
RUNTIMES = {"node", "python", "elixir", "go", "ruby", "rust", "docker", "image", "static"}
SERVICE_PLANS = {"free", "starter", "standard", "pro", "pro plus", "pro max", "pro ultra"}
DATABASE_PLANS = {"free", "basic-256mb", "basic-1gb", "basic-4gb", "pro-4gb", "pro-8gb",
                  "pro-16gb", "pro-32gb", "pro-64gb"}
REGIONS = {"oregon", "ohio", "virginia", "frankfurt", "singapore"}
MAXMEMORY_POLICIES = {"allkeys-lru", "volatile-lru", "allkeys-random", "volatile-random",
                      "volatile-ttl", "noeviction"}
DATABASE_PROPERTIES = {"connectionString", "user", "password", "database", "host", "port"}
KEYVALUE_PROPERTIES = {"connectionString", "host", "port", "hostport"}

# Read by Render's Python build rather than by PulseRx.
PLATFORM_KEYS = {"PYTHON_VERSION"}
# What a production process cannot do without (the rest have safe defaults).
REQUIRED_EVERYWHERE = {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "SITE_URL"}
REQUIRED_ON_WEB = REQUIRED_EVERYWHERE | {"ALLOWED_HOSTS"}
ENV_READERS = {"env_str", "env_bool", "env_int", "env_list", "env_duration"}


@pytest.fixture(scope="module")
def blueprint() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "render.yaml").read_text())


def services_of(blueprint: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [s for s in blueprint["services"] if s["type"] == kind]


def the_service(blueprint: dict[str, Any], kind: str) -> dict[str, Any]:
    (service,) = services_of(blueprint, kind)
    return service


def env_keys_read_by_the_app() -> set[str]:
    """Every environment variable name PulseRx's code reads, found by parsing it."""
    keys: set[str] = set()
    for path in (ROOT / "pulserx").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            keys.update(_env_key(node))
    return keys


def _env_key(node: ast.AST) -> set[str]:
    def literal(arg: ast.AST) -> set[str]:
        is_text = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        return {arg.value} if is_text else set()

    if isinstance(node, ast.Call) and node.args:
        func = ast.unparse(node.func)
        if func in ("os.environ.get", "os.getenv") or func in ENV_READERS:
            return literal(node.args[0])
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
        return literal(node.slice)
    if (isinstance(node, ast.Compare) and len(node.comparators) == 1
            and ast.unparse(node.comparators[0]) == "os.environ"):
        return literal(node.left)
    return set()


def service_env(blueprint: dict[str, Any], service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The service's variables by key, with its environment groups expanded."""
    groups = {group["name"]: group for group in blueprint.get("envVarGroups", [])}
    env: dict[str, dict[str, Any]] = {}
    for entry in service.get("envVars", []):
        if "fromGroup" in entry:
            for grouped in groups[entry["fromGroup"]]["envVars"]:
                env[grouped["key"]] = {**grouped, "group": entry["fromGroup"]}
        else:
            env[entry["key"]] = entry
    return env


def test_every_field_is_a_blueprint_field(blueprint: dict[str, Any]) -> None:
    assert set(blueprint) <= ROOT_FIELDS
    for service in blueprint["services"]:
        assert service["type"] in SERVICE_TYPES
        assert {"name", "type"} <= set(service)
        if service["type"] in ("keyvalue", "redis"):
            assert set(service) <= KEYVALUE_FIELDS, service["name"]
            assert "ipAllowList" in service, "required for Key Value"
            assert service["maxmemoryPolicy"] in MAXMEMORY_POLICIES
        else:
            assert set(service) <= SERVICE_FIELDS, set(service) - SERVICE_FIELDS
            assert service["runtime"] in RUNTIMES
            assert {"buildCommand", "startCommand"} <= set(service), service["name"]
        assert service.get("plan", "starter") in SERVICE_PLANS
        assert service.get("region", "oregon") in REGIONS
        for rule in service.get("ipAllowList", []):
            assert set(rule) <= IP_ALLOW_FIELDS and "source" in rule
    for database in blueprint["databases"]:
        assert set(database) <= DATABASE_FIELDS and "name" in database
        assert database.get("plan", "basic-256mb") in DATABASE_PLANS
        assert database.get("region", "oregon") in REGIONS


def test_every_env_var_entry_has_exactly_one_source(blueprint: dict[str, Any]) -> None:
    entries = [e for s in blueprint["services"] for e in s.get("envVars", [])]
    for group in blueprint["envVarGroups"]:
        assert set(group) <= GROUP_FIELDS
        for entry in group["envVars"]:
            # A group can neither prompt (sync: false) nor reference other resources.
            assert not {"sync", "fromDatabase", "fromService", "fromGroup"} & set(entry), entry
        entries += group["envVars"]
    for entry in entries:
        assert set(entry) <= ENV_VAR_FIELDS, entry
        assert len(ENV_VAR_SOURCES & set(entry)) == 1, entry
        assert ("key" in entry) != ("fromGroup" in entry), entry
        if "value" in entry:
            assert isinstance(entry["value"], str), "quote values: env vars are strings"
        if "sync" in entry:
            assert entry["sync"] is False
        if "generateValue" in entry:
            assert entry["generateValue"] is True


def test_references_point_at_resources_in_the_blueprint(blueprint: dict[str, Any]) -> None:
    databases = {database["name"] for database in blueprint["databases"]}
    services = {(service["type"], service["name"]) for service in blueprint["services"]}
    groups = {group["name"] for group in blueprint["envVarGroups"]}
    for service in blueprint["services"]:
        for entry in service.get("envVars", []):
            if "fromDatabase" in entry:
                ref = entry["fromDatabase"]
                assert set(ref) <= FROM_DATABASE_FIELDS and ref["name"] in databases
                assert ref["property"] in DATABASE_PROPERTIES
            if "fromService" in entry:
                ref = entry["fromService"]
                assert set(ref) <= FROM_SERVICE_FIELDS
                assert (ref["type"], ref["name"]) in services
                assert ref["type"] != "keyvalue" or ref["property"] in KEYVALUE_PROPERTIES
            if "fromGroup" in entry:
                assert entry["fromGroup"] in groups


def test_web_worker_redis_and_postgres_are_wired(blueprint: dict[str, Any]) -> None:
    web, worker = the_service(blueprint, "web"), the_service(blueprint, "worker")
    redis = the_service(blueprint, "keyvalue")
    assert redis["ipAllowList"] == []
    assert redis["maxmemoryPolicy"] == "noeviction", "Celery's messages must not be evicted"
    assert len(blueprint["databases"]) == 1
    assert web["runtime"] == worker["runtime"] == "python"
    assert worker["plan"] == "starter"
    assert web["preDeployCommand"] == "python manage.py migrate --noinput"
    assert "collectstatic --noinput" in web["buildCommand"]
    assert web["healthCheckPath"] == reverse("healthz")
    path = reverse("healthz").lstrip("/")
    assert any(re.search(pattern, path) for pattern in settings.SECURE_REDIRECT_EXEMPT)
    for service in (web, worker):
        env = service_env(blueprint, service)
        assert env["DATABASE_URL"]["fromDatabase"]["property"] == "connectionString"
        assert env["REDIS_URL"]["fromService"] == {
            "type": "keyvalue", "name": redis["name"], "property": "connectionString"}
        assert env["DEBUG"]["value"] == "false"


def test_web_and_worker_share_one_generated_secret_key(blueprint: dict[str, Any]) -> None:
    web, worker = the_service(blueprint, "web"), the_service(blueprint, "worker")
    web_key = service_env(blueprint, web)["SECRET_KEY"]
    worker_key = service_env(blueprint, worker)["SECRET_KEY"]
    assert web_key["generateValue"] is True
    assert web_key == worker_key and "group" in web_key, "two generated keys would differ"


def test_every_env_var_is_one_the_app_reads(blueprint: dict[str, Any]) -> None:
    known = env_keys_read_by_the_app()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"} <= known  # parser sanity
    for service in blueprint["services"]:
        unknown = set(service_env(blueprint, service)) - known - PLATFORM_KEYS
        assert not unknown, f"{service['name']} sets variables nothing reads: {unknown}"


def test_every_required_production_setting_is_provided(blueprint: dict[str, Any]) -> None:
    web, worker = the_service(blueprint, "web"), the_service(blueprint, "worker")
    assert set(service_env(blueprint, web)) >= REQUIRED_ON_WEB
    assert set(service_env(blueprint, worker)) >= REQUIRED_EVERYWHERE
    # Push and email are sent by the worker, and the web hands the public key to browsers.
    for key in ("EMAIL_URL", "VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"):
        assert key in service_env(blueprint, worker)
        assert key in service_env(blueprint, web)


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_procfile_runs_what_render_runs(blueprint: dict[str, Any]) -> None:
    web, worker = the_service(blueprint, "web"), the_service(blueprint, "worker")
    processes = procfile()
    assert set(processes) == {"web", "worker", "release"}
    assert processes["worker"] == worker["startCommand"] == "python manage.py worker"
    assert processes["web"] == web["startCommand"]
    assert processes["release"] == web["preDeployCommand"]
    assert "--port $PORT" in processes["web"] and "--no-proxy-headers" in processes["web"]
    assert {"worker", "doctor", "migrate"} <= set(get_commands())
