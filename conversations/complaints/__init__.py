"""Complaints: the villager side (villager.py) and the supervisors side (handling.py)."""

from .villager import register

__all__ = ["register"]
