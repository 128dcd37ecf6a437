"""Command-line entry points: parsing and printing only; rules live in services/."""
