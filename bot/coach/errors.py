"""The errors the coach raises to its adapters."""

from __future__ import annotations


class AlreadyHandled(Exception):
    """This turn's delivery id was handled before (here or in another process sharing the database):
    the adapter acknowledges it and does nothing more."""

    def __init__(self, event_id: str) -> None:
        super().__init__(f"event {event_id} was handled already")
        self.event_id = event_id
