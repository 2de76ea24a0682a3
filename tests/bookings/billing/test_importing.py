"""Importing Henna's customers from Excel's CSV: all or nothing, errors that name the line, the
column and the value, and a second import that updates by y-tunnus."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from bookings.models import Payer

pytestmark = pytest.mark.django_db
HEADER = (
    "nimi;y-tunnus;katuosoite;postinumero;postitoimipaikka;verkkolaskuosoite;välittäjätunnus;"
    "viitteenne;sähköposti;hinta;alv;maksuehto"
)
COUNTY = (
    "Kymenlaakson hyvinvointialue;3221331-8;Kotkantie 41;48210;Kotka;003732213318;"
    "003723327487;TIL-2027-0042;;150,00;25,5;21"
)
COMPANY = (
    "Satamapalvelu Oy;1926008-0;Laivurinkatu 3;48100;Kotka;;;;laskut@satama.example;120,00;25,5;14"
)


def csv_file(tmp_path, *rows, bom=True) -> str:
    path = tmp_path / "asiakkaat.csv"
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return str(path)


def run(path) -> str:
    out = io.StringIO()
    call_command("import_organisations", path, stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize("bom", [True, False], ids=["Excel's BOM", "no BOM"])
def test_excels_csv_becomes_payers(tmp_path, bom):
    assert run(csv_file(tmp_path, COUNTY, COMPANY, bom=bom)) == (
        "2 organisations added, 0 updated."
    )

    county = Payer.objects.get(business_id="3221331-8")
    assert (county.name, county.einvoice_address, county.buyer_reference) == (
        "Kymenlaakson hyvinvointialue",
        "003732213318",
        "TIL-2027-0042",
    )
    assert (county.price, county.vat_rate, county.payment_term_days) == (
        Decimal("150.00"),
        Decimal("25.5"),
        21,
    )
    assert county.delivery == Payer.Delivery.EINVOICE
    company = Payer.objects.get(business_id="1926008-0")
    assert company.delivery == Payer.Delivery.EMAIL


def test_importing_again_updates_by_ytunnus(tmp_path):
    run(csv_file(tmp_path, COUNTY, COMPANY))

    result = run(csv_file(tmp_path, COUNTY.replace("150,00", "160,00")))

    assert result == "0 organisations added, 1 updated."
    assert Payer.objects.count() == 2
    assert Payer.objects.get(business_id="3221331-8").price == Decimal("160.00")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            COMPANY.replace("1926008-0", "1926008-1"),
            "Rivi 3, sarake y-tunnus, arvo ”1926008-1”: Y-tunnus ei kelpaa",
        ),
        (COMPANY.replace("120,00", "sata"), "Rivi 3, sarake hinta, arvo ”sata”: ei ole luku."),
        (
            COMPANY.replace(";14", ";kaksi viikkoa"),
            "Rivi 3, sarake maksuehto, arvo ”kaksi viikkoa”",
        ),
        (
            COMPANY.replace(";;;;", ";0037123;;;"),
            "Rivi 3, sarake verkkolaskuosoite, arvo ”0037123”: Verkkolaskuosoite ei kelpaa",
        ),
    ],
)
def test_a_bad_row_imports_nothing_and_names_its_line_column_and_value(tmp_path, row, message):
    with pytest.raises(CommandError) as error:
        run(csv_file(tmp_path, COUNTY, row))

    assert str(error.value).startswith(message)
    assert not Payer.objects.exists()


def test_a_file_with_another_header_is_refused(tmp_path):
    path = tmp_path / "asiakkaat.csv"
    path.write_text("name;business id\nX;1926008-0\n", encoding="utf-8")

    with pytest.raises(CommandError, match="Otsikkorivi ei täsmää"):
        run(str(path))
