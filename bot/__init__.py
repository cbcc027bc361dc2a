"""KAM Coach: the coach, its retrieval, storage and adapters (terminal, Slack, scheduler)."""

__version__ = "0.1.0"
