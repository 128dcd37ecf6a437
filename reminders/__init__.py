"""Schedules, due-occurrence computation, the delivery outbox and leader digests."""
