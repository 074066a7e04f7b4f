"""What a confirmation showed, as one short value: the rule "confirm what the operator saw".

A confirmation that summarises what it will do (Delete order: the licenses, managers, customer
and unsent mail that go; Remove manager: the manager's state) is built from a preview carrying
a fingerprint of every fact it rests on. The service that acts takes the fingerprint back,
recomputes it inside its own transaction after locking the row, and refuses with
``PreviewChanged`` (carrying the new preview) when they differ, so another desk's issue, added
manager or edit between the preview and the confirmation is never carried out unseen.
Versions alone do not do it: issuing and adding managers change no order version.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint(*facts: Any) -> str:
    """A stable digest of ``facts`` (JSON-able values; order matters)."""
    text = json.dumps(facts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
