"""The game's screens: title, play, reveal, help and small dialogs."""
