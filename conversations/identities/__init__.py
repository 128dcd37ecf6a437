"""One person on several platforms: 绑定 (/link) and 接收平台 (/receive)."""

from .flow import register

__all__ = ["register"]
