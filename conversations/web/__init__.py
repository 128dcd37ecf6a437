"""web feature: /web sends a single-use sign-in link to the county workspace."""

from .flow import register

__all__ = ["register"]
