"""The documented backup (pg_dump -Fc) restores with every row: bin/backup-restore-check."""

import subprocess
import uuid
from pathlib import Path

import pytest
from django.db import connection

from bookings.inquiries import services as inquiries
from bookings.models import Inquiry

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def test_a_dump_restores_into_a_scratch_database_with_every_row(site_content):
    inquiries.submit_inquiry(
        submission_id=uuid.uuid4(),
        kind=Inquiry.Kind.GROUP,
        name="Varmuuskopio Testi",
        email="varmuus@example.invalid",
        message="Rivi, jonka pitää palautua.",
    )
    result = subprocess.run(  # noqa: S603 (our own script)
        [str(ROOT / "bin" / "backup-restore-check"), database_url()],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    rows = {
        line.split()[0]: line.split()[1:]
        for line in result.stdout.splitlines()
        if line.startswith("public.")
    }
    assert rows["public.bookings_inquiry"] == ["1", "1"]
    assert rows["public.services_service"][0] == rows["public.services_service"][1] != "0"
    assert "restore check passed" in result.stdout
    # The scratch database is gone afterwards.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s",
            [connection.settings_dict["NAME"] + "_restore_check"],
        )
        assert cursor.fetchone()[0] == 0
