"""The command line: every ``klgame`` command's handler and the game's start-up wiring.

This is the top layer: it may import any other part of klgame, and nothing
else imports it. ``main`` (in :mod:`klgame.cli.main`) parses the arguments
and runs one handler, imported only when its command runs.
"""
