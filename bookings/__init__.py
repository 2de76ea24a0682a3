"""Inquiries and bookings: the practice's clients, from the first message to the last meeting.

A package per job (each with its own views, forms and admin beside its logic):

- inquiries/  the inquiry form, spam checks, Henna's queue, privacy requests and retention;
- scheduling/ free times (the slot engine), the booking and manage pages, Henna's scheduling,
              and meetings.py, the one module that writes meetings;
- calendar/   Henna's own calendar read in (busy times), her feed out, the agenda;
- outbox/     the emails: queued with each change, sent once by the worker, invitations (iTIP).

models/ and migrations/ are the app's, shared by all four. docs/architecture.md draws the flow.
"""
