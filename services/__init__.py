"""Domain rules shared by dialogs, reminders and exports."""
