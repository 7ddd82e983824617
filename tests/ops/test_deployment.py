"""The deployment files are checked by reading them, and the image's collectstatic by running it on the committed
files; .ci/run builds the image itself where a container engine and the base image are available."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def command_of(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    return command if isinstance(command, list) else command.split()


def test_compose_runs_postgres_redis_web_workers_and_one_beat():
    assert set(SERVICES) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    assert "replicas" not in SERVICES["worker"].get("deploy", {})  # `--scale worker=N` decides


def test_every_long_running_service_has_a_healthcheck_and_data_lives_in_volumes():
    for name in ("db", "redis", "web"):
        assert SERVICES[name]["healthcheck"]["test"], name
    assert set(COMPOSE["volumes"]) == {"pgdata", "redisdata"}
    assert SERVICES["db"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]


def test_app_services_share_the_image_the_environment_and_production_settings():
    for name in ("migrate", "web", "worker", "beat"):
        service = SERVICES[name]
        assert service["build"] == "."
        assert service["env_file"] == ".env"
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://crm:")
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_commands_are_the_ones_the_makefile_and_the_celery_app_use():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(MANAGE) migrate --noinput" in makefile
    assert command_of("migrate") == ["python", "manage.py", "migrate", "--noinput"]
    assert command_of("web")[:2] == ["gunicorn", "config.wsgi:application"]
    assert command_of("worker")[:4] == ["celery", "-A", "config", "worker"]
    assert command_of("beat")[:4] == ["celery", "-A", "config", "beat"]
    from config.celery import app  # `-A config` finds this app
    from config.wsgi import application

    assert app.main == "crm"
    assert callable(application)


def test_the_image_is_slim_runs_as_a_user_and_serves_collected_static_files():
    assert re.search(r"^FROM python:3\.1\d-slim$", DOCKERFILE, re.MULTILINE)
    assert re.search(r"^USER (?!root)\w+$", DOCKERFILE, re.MULTILINE)
    assert "collectstatic --noinput" in DOCKERFILE
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in DOCKERFILE
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE).group(1)
    assert yaml.safe_load(cmd) == command_of("web")


def test_env_example_names_every_variable_compose_needs_and_no_real_secret():
    example = (ROOT / ".env.example").read_text()
    names = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line and not line.startswith("#")}
    interpolated = set(re.findall(r"\$\{(\w+)", (ROOT / "docker-compose.yml").read_text()))
    assert interpolated <= names
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"} <= names
    assert "change-me" in example
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env}, timeout=120)


def test_production_settings_pass_the_deployment_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("debug", ["", "1"])
def test_production_settings_refuse_to_start_without_a_secret_key(debug):
    result = run_manage("check", DJANGO_DEBUG=debug)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("value", ["25:00", "1am", "01:60"])
def test_a_nightly_rollup_time_that_is_not_a_time_of_day_stops_the_start(value):
    result = run_manage("check", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), CRM_NIGHTLY_ROLLUP_TIME=value)
    assert result.returncode != 0
    assert "CRM_NIGHTLY_ROLLUP_TIME must be a time of day written HH:MM" in result.stderr


def committed_static_files(destination: Path) -> Path:
    """A copy of the static files git tracks, as a clean clone has them: a file present here but never
    added (a vendored script's source map, say) is missing from the copy, as it is from the image."""
    listed = subprocess.run(["git", "ls-files", "-z", "static"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target)
    return destination / "static"


def collectstatic_in_production(static: Path, destination: Path) -> subprocess.CompletedProcess:
    collect = ("import django, sys; from django.conf import settings; django.setup(); "
               "settings.STATIC_ROOT = sys.argv[1]; settings.STATICFILES_DIRS = [sys.argv[2]]; "
               "from django.core.management import call_command; "
               "call_command('collectstatic', '--noinput', verbosity=0)")
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run([sys.executable, "-c", collect, str(destination), str(static)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.production",
                               "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)})


def test_production_collects_every_static_file_of_a_clean_clone_with_the_manifest_the_image_serves(tmp_path):
    """The image's build runs collectstatic; the manifest storage fails on any file a static file names and
    the clone lacks, which would stop the image from building."""
    static = committed_static_files(tmp_path / "clone")
    result = collectstatic_in_production(static, tmp_path / "collected")
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "collected" / "staticfiles.json").read_text()
    assert "vendor/chart.umd.min.js" in manifest
    assert "vendor/tom-select/tom-select.complete.min.js" in manifest


def test_a_static_file_naming_a_missing_source_map_stops_collectstatic(tmp_path):
    """The check above can fail: a script whose source map the clone lacks is refused by the manifest."""
    static = committed_static_files(tmp_path / "clone")
    (static / "vendor" / "chart.umd.min.js.map").unlink()
    result = collectstatic_in_production(static, tmp_path / "collected")
    assert result.returncode != 0
    assert "chart.umd.min.js.map" in result.stderr


@pytest.mark.parametrize(("name", "value", "message"), [
    ("CRM_LANGUAGE", "de", "CRM_LANGUAGE must be one of en, fa"),
    ("CRM_WEEKEND", "friday,fryday", "CRM_WEEKEND must be weekday names, each once"),
    ("CRM_WEEKEND", "friday,friday", "CRM_WEEKEND must be weekday names, each once"),
    ("CRM_WEEKEND", "monday,tuesday,wednesday,thursday,friday,saturday,sunday", "cannot be every day"),
])
def test_a_language_or_weekend_the_product_does_not_know_stops_the_start(name, value, message):
    result = run_manage("check", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_business_language_and_weekend_come_from_the_environment():
    shown = "from django.conf import settings as s; print(s.LANGUAGE_CODE, s.CRM_WEEKEND)"
    result = run_manage("shell", "-c", shown, DJANGO_SECRET_KEY=secrets.token_urlsafe(50), CRM_LANGUAGE=" FA ",
                        CRM_WEEKEND="Thursday, friday")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "fa (3, 4)"
