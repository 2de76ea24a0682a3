"""Meetings and when they can be: the slot engine (slots.py, pure), its data (availability.py),
series (series.py, pure), the one write path (meetings.py), the client's booking and manage
pages, and Henna's meeting admin and scheduling page."""
