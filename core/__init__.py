"""The core: platform-neutral spine (messages, router, registry, dialog state, inbox, outbox)."""
