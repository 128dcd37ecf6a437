"""The villager council (村民议事会): meetings, agendas, decisions (issue #15)."""

from .flow import register

__all__ = ["register"]
