"""Invoicing the organisations who pay for sessions: the month's invoices and credit notes
(services.py, the one write path), their e-invoice (ubl.py) and PDF (pdf.py) with the Finnish
reference number (reference.py) and the bank barcode (barcode.py), importing payers
(importing.py), and Henna's admin (admin.py)."""
