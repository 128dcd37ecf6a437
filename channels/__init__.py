"""Channel adapters: one per platform, behind the Channel contract (core/channel.py)."""
