"""Mail for license manager invites: compose, queue in the outbox, deliver over SMTP.

The outbox row is written in the same transaction as the manager it announces; a sender (the
app's background task or ``orderview outbox send``) delivers due rows, records each attempt and
retries failures with backoff. The body holds an initial password until it is sent, then it is
scrubbed. Nothing here imports Textual or Rich.
"""
