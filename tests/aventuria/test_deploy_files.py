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
    assert commands == {"migrate", "send_notifications", "purge_inquiries"}
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
