"""Platform-neutral dialogs and commands; the same code runs under every channel and the tests."""
