"""Local fakes of chat platforms, written from their protocols, for offline tests."""
