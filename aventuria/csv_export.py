"""The admin's CSV exports in the format Finnish Excel opens as it is."""

import csv

from django.http import HttpResponse
from django.utils import timezone

# Cells starting with these would run as formulas in Excel.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_time(value) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")


def csv_response(name: str):
    """An attachment named after the day with a writer for its rows."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The byte order mark tells Excel the file is UTF-8; semicolons suit Finnish Excel.
    response.write("\ufeff")
    return response, csv.writer(response, delimiter=";", quoting=csv.QUOTE_MINIMAL)
