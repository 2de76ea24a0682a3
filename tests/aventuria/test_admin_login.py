"""The admin's door: two-factor login, enrolment with totp_setup, and brute-force lockout."""

import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import HttpsClient

pytestmark = pytest.mark.django_db

PASSWORD = "pitkä-ja-hyvä-salasana-2026"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher takes a second per login here; the door is what is tested, not it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def henna(django_user_model, fast_password_hashing):
    return django_user_model.objects.create_superuser("henna", "henna@example.invalid", PASSWORD)


@pytest.fixture
def phone(henna):
    return TOTPDevice.objects.create(user=henna, name="puhelin", confirmed=True)


def code_for(device, offset_steps=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def log_in(client, *, password=PASSWORD, code="", address="198.51.100.7", **extra):
    return client.post(
        reverse("admin:login"),
        {"username": "henna", "password": password, "otp_token": code},
        REMOTE_ADDR=address,
        **extra,
    )


def reaches_admin(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_the_password_alone_does_not_open_the_admin(settings, phone):
    assert settings.ADMIN_2FA
    client = HttpsClient()
    response = log_in(client)
    assert response.status_code == 200
    assert "Kirjoita kertakäyttökoodi todennussovelluksesta." in response.text
    assert not reaches_admin(client)


def test_a_wrong_code_does_not_open_the_admin(phone):
    client = HttpsClient()
    response = log_in(client, code=code_for(phone, offset_steps=10))
    assert "Koodi ei kelpaa" in response.text
    assert not reaches_admin(client)


def test_the_password_and_the_code_from_the_phone_open_the_admin(phone):
    client = HttpsClient()
    response = log_in(client, code=code_for(phone))
    assert response.status_code == 302
    assert reaches_admin(client)
    session = response.cookies["sessionid"]
    assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")


def test_an_account_without_a_device_cannot_log_in(henna):
    client = HttpsClient()
    response = log_in(client, code="123456")
    assert "Tunnukselle ei ole vielä otettu käyttöön kertakäyttökoodeja" in response.text
    assert not reaches_admin(client)


def test_without_2fa_the_password_is_enough(settings, henna):
    settings.ADMIN_2FA = False
    client = HttpsClient()
    assert log_in(client).status_code == 302
    assert reaches_admin(client)


class PhoneApp(io.StringIO):
    """Answers the command's prompt with the code the app would show at that moment."""

    def __init__(self, codes=None):
        super().__init__()
        self.codes = codes

    def readline(self, *args):
        if self.codes is not None:
            return self.codes.pop(0) + "\n" if self.codes else ""
        device = TOTPDevice.objects.get(confirmed=False)
        return code_for(device) + "\n"


def test_totp_setup_prints_a_qr_code_and_confirms_the_device_with_a_code(henna):
    out = io.StringIO()
    call_command("totp_setup", "henna", stdin=PhoneApp(), stdout=out)
    output = out.getvalue()
    device = TOTPDevice.objects.get(user=henna)
    assert device.confirmed
    assert "otpauth://totp/Aventuria%3Ahenna?secret=" in output
    assert "█" in output or "▀" in output  # the QR code, drawn with block characters
    # And the enrolled phone now opens the admin (with a fresh code: a used one is not reused).
    client = HttpsClient()
    log_in(client, code=code_for(device, offset_steps=1))
    assert reaches_admin(client)


def test_totp_setup_adds_nothing_when_the_codes_are_wrong(henna):
    with pytest.raises(CommandError, match="Not confirmed"):
        call_command(
            "totp_setup", "henna", stdin=PhoneApp(["000000", "111111"]), stdout=io.StringIO()
        )
    assert not TOTPDevice.objects.exists()


def test_totp_setup_keeps_an_existing_device_unless_told_to_replace_it(henna, phone):
    with pytest.raises(CommandError, match="--replace"):
        call_command("totp_setup", "henna", stdin=PhoneApp(), stdout=io.StringIO())
    call_command("totp_setup", "henna", "--replace", stdin=PhoneApp(), stdout=io.StringIO())
    assert TOTPDevice.objects.filter(user=henna).count() == 1
    assert not TOTPDevice.objects.filter(pk=phone.pk).exists()


def fail_five_times(client, address, **extra):
    for _ in range(5):
        log_in(client, password="väärä-salasana-123", address=address, **extra)


def test_five_failed_logins_lock_the_username_from_that_address(phone):
    client = HttpsClient()
    fail_five_times(client, "203.0.113.5")
    response = log_in(client, code=code_for(phone), address="203.0.113.5")
    assert response.status_code == 429
    assert "Kirjautuminen estetty" in response.text
    assert not reaches_admin(client)


def test_a_lockout_does_not_lock_the_same_username_from_another_address(phone):
    fail_five_times(HttpsClient(), "203.0.113.5")
    client = HttpsClient()
    assert log_in(client, code=code_for(phone), address="198.51.100.20").status_code == 302
    assert reaches_admin(client)


def test_four_failures_do_not_lock(phone):
    client = HttpsClient()
    for _ in range(4):
        log_in(client, password="väärä-salasana-123", address="203.0.113.5")
    assert log_in(client, code=code_for(phone), address="203.0.113.5").status_code == 302


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(settings, phone):
    settings.SECURE_PROXY = True
    proxy = "10.0.0.2"  # every request arrives from the proxy itself
    # The attacker's own X-Forwarded-For claims vary; the proxy appends the real address.
    for claim in ("1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"):
        log_in(
            HttpsClient(),
            password="väärä-salasana-123",
            address=proxy,
            HTTP_X_FORWARDED_FOR=f"{claim}, 203.0.113.5",
        )
    locked = log_in(
        HttpsClient(), code=code_for(phone), address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert locked.status_code == 429
    # Henna, at another address behind the same proxy, still gets in.
    client = HttpsClient()
    response = log_in(
        client, code=code_for(phone), address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20"
    )
    assert response.status_code == 302


def test_without_the_proxy_setting_x_forwarded_for_is_ignored(settings, phone):
    settings.SECURE_PROXY = False
    for claim in ("1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"):
        log_in(
            HttpsClient(),
            password="väärä-salasana-123",
            address="203.0.113.5",
            HTTP_X_FORWARDED_FOR=claim,
        )
    response = log_in(
        HttpsClient(), code=code_for(phone), address="203.0.113.5", HTTP_X_FORWARDED_FOR="9.9.9.9"
    )
    assert response.status_code == 429


def test_failures_from_many_addresses_lock_the_username_everywhere(phone):
    # An attacker rotating addresses: four tries from each, never five from one.
    addresses = [f"203.0.113.{n}" for n in range(1, 6)]
    for address in addresses:
        for _ in range(4):
            log_in(HttpsClient(), password="väärä-salasana-123", address=address)
    # 20 failures in all: the username is locked, from a fresh address too, right code or not.
    client = HttpsClient()
    response = log_in(client, code=code_for(phone), address="198.51.100.20")
    assert response.status_code == 429
    assert not reaches_admin(client)


def test_nineteen_failures_from_many_addresses_do_not_lock_the_username(phone):
    for number in range(19):
        log_in(HttpsClient(), password="väärä-salasana-123", address=f"203.0.113.{number % 5}")
    assert log_in(HttpsClient(), code=code_for(phone), address="198.51.100.20").status_code == 302


def test_a_locked_out_username_gets_back_in_with_axes_reset_username(phone):
    for number in range(20):
        log_in(HttpsClient(), password="väärä-salasana-123", address=f"203.0.113.{number % 5}")
    assert log_in(HttpsClient(), code=code_for(phone), address="198.51.100.20").status_code == 429
    call_command("axes_reset_username", "henna", stdout=io.StringIO())
    client = HttpsClient()
    assert log_in(client, code=code_for(phone), address="198.51.100.20").status_code == 302
    assert reaches_admin(client)
