"""Playing on a shared host: hosted mode's policy, and serving to web browsers."""
