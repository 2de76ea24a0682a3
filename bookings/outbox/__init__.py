"""The emails: queued in the transaction of the change they tell about (queue.py), rendered
(emails.py, invitations.py) and sent exactly once by the worker (worker.py)."""
