"""Channel adapters (Telegram, console): translate platform updates to Incoming and Replies back."""
