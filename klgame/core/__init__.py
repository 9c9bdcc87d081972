"""The game's rules, scoring and replays: pure, headless, UI-free."""
