"""Deterministic key-account-management rules: pure functions over pydantic models.

Nothing here imports from ``bot``; every number and verdict the coach shows comes from these modules.
"""
