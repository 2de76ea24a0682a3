"""The payment reference of an invoice: the Finnish viitenumero (7-3-1 check digit) and its
international form, the RF creditor reference (ISO 11649, by python-stdnum)."""

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

WEIGHTS = (7, 3, 1)


def check_digit(base: str) -> str:
    """The viitenumero's last digit: the base's digits weighted 7, 3, 1, ... from the right;
    the distance of their sum to the next multiple of ten."""
    total = sum(int(digit) * WEIGHTS[i % 3] for i, digit in enumerate(reversed(base)))
    return str(-total % 10)


def viitenumero(base: str | int) -> str:
    """The reference for a base of 3 to 19 digits, e.g. viitenumero(1000) == "10003"."""
    base = str(base)
    if not base.isdigit() or not 3 <= len(base) <= 19:
        raise ValueError("A viitenumero's base has 3 to 19 digits.")
    return base + check_digit(base)


def is_valid_viitenumero(value: str) -> bool:
    value = value.replace(" ", "")
    return value.isdigit() and 4 <= len(value) <= 20 and check_digit(value[:-1]) == value[-1]


def grouped(value: str) -> str:
    """As printed: groups of five from the right, "12345 67890"."""
    head = len(value) % 5
    groups = [value[:head]] if head else []
    groups += [value[i : i + 5] for i in range(head, len(value), 5)]
    return " ".join(groups)


def rf_reference(reference: str) -> str:
    """The same reference in the RF form that SEPA banks abroad read: RFkk + the viitenumero."""
    check = mod_97_10.calc_check_digits(reference + "RF")
    return iso11649.validate(f"RF{check}{reference}")
