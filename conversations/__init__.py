"""Platform-neutral dialogs and commands, one package per feature.

Each package exposes `register(registry)` and keeps its user-facing words in its own
`text.py` catalogue; the same code runs under every channel and in the tests.
"""

FEATURES: tuple[str, ...] = (
    "conversations.registration",
    "conversations.profile",
    "conversations.reports",
    "conversations.attendance",
    "conversations.complaints",
    "conversations.leave",
    "conversations.knowledge",
    "conversations.reminders",
    "conversations.web",
    "conversations.households",
    "conversations.handover",
    "conversations.council",
    "conversations.tasks",
    "conversations.projects",
    "conversations.summaries",
    "conversations.identities",
)
