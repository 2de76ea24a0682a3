"""Henna's calendars: her own calendar's busy times read in (busy.py, fetch.py), her meetings'
feed for her phone (feed.py), and the agenda in the admin (agenda.py)."""
