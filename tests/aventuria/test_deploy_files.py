"""The deployment files refer to things that exist."""

import re
from pathlib import Path

import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent.parent


def test_every_command_in_compose_yaml_is_a_management_command_of_the_site():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    commands = {
        name
        for service in services.values()
        for name in re.findall(r"manage\.py\s+([a-z_]+)", " ".join(service.get("command", [])))
    }
    assert commands == {
        "migrate",
        "send_notifications",
        "purge_inquiries",
        "purge_content_history",
    }
    assert commands <= set(get_commands())


def test_the_web_service_waits_for_the_release_step():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert services["release"]["command"][-2:] == ["migrate", "--no-input"]
    assert services["web"]["depends_on"]["release"]["condition"] == (
        "service_completed_successfully"
    )
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]


def test_the_site_leaves_its_emails_to_a_worker_only_where_the_worker_runs():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    workers = [
        name
        for name, service in services.items()
        if service.get("command", [])[-2:] == ["send_notifications", "--watch"]
    ]
    assert workers == ["notifications"]
    assert services["web"]["environment"]["DJANGO_EMAIL_WORKER"] == "1"


def test_every_container_that_reads_content_shares_one_redis_cache():
    """A container's own file cache would keep the web's copies and the worker's reads apart
    from Henna's edits made through another container (issue 11)."""
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    redis = services["redis"]
    assert redis["image"].startswith("redis:")
    assert redis["healthcheck"]["test"][-1] == "ping"
    for name in ("release", "web", "notifications", "purge"):
        assert services[name]["environment"]["CACHE_URL"] == "redis://redis:6379/0", name
    # The release step's migrate gives the content its new version there, so it waits too.
    for name in ("release", "web", "notifications"):
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name
