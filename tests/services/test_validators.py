import pytest
from django.core.exceptions import ValidationError

from services.validators import normalize_phone, validate_business_id


@pytest.mark.parametrize("value", ["1926008-0", "0112038-9", "2617416-4"])
def test_business_id_with_right_check_digit_passes(value):
    validate_business_id(value)


@pytest.mark.parametrize("value", ["1926008-1", "1926008-9", "0112038-8"])
def test_business_id_with_wrong_check_digit_fails(value):
    with pytest.raises(ValidationError) as error:
        validate_business_id(value)
    assert error.value.code == "business_id_check"


@pytest.mark.parametrize("value", ["19260080", "192600-0", "1926008_0", "", "abcdefg-h"])
def test_business_id_in_wrong_form_fails(value):
    with pytest.raises(ValidationError) as error:
        validate_business_id(value)
    assert error.value.code == "business_id_format"


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("045 7835 4299", "+3584578354299"),
        ("045-7835 4299", "+3584578354299"),
        ("+358 45 7835 4299", "+3584578354299"),
        ("00358 45 7835 4299", "+3584578354299"),
        ("(05) 123 4567", "+35851234567"),
    ],
)
def test_phone_is_normalised_for_the_tel_link(typed, normalised):
    assert normalize_phone(typed) == normalised


@pytest.mark.parametrize("value", ["puhelin", "45 7835 4299", "0", "+1 2", "045 7835 4299 ext 5"])
def test_phone_that_is_not_a_number_fails(value):
    with pytest.raises(ValidationError):
        normalize_phone(value)
