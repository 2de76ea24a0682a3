"""Inquiries: the form, spam checks, the write paths (services.py), Henna's queue in the admin,
and privacy (retention, access, export and erasure)."""
