"""The emails: queued in the transaction of the change they tell about (queue.py), rendered
(emails.py, invitations.py) and sent once (claim, send, record) by the worker (worker.py)."""
