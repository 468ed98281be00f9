"""Operators' health check, and settings that refuse an unsafe deployment."""

import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def env_example() -> dict[str, str]:
    """The production values that .env.example documents, uncommented."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


PRODUCTION_ENV = env_example()


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.pop("REDIS_URL", None)
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_passes_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout


def test_a_deployment_without_a_secret_key_refuses_to_start():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_health_reports_database_and_broker(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "eager")


def test_health_says_503_when_the_database_is_down(client):
    with mock.patch("oht_portal.views._database_status", return_value="down"):
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"


def test_every_setting_read_from_the_environment_is_documented():
    """A deployment learns its variables from .env.example: each DJANGO_ variable
    settings.py reads is there, set or commented out."""
    read = set(re.findall(r'"(DJANGO_[A-Z_]+)"', (ROOT / "oht_portal" / "settings.py").read_text()))
    documented = set(
        re.findall(r"^#?\s*(DJANGO_[A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert read - documented == set()
