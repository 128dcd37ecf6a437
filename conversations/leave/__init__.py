"""Leave: requesting, 销假 (request.py) and the approver side (approval.py)."""

from .request import register

__all__ = ["register"]
