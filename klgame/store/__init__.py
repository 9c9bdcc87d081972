"""Saved scores and where klgame keeps its files.

The game opens the store with :func:`try_open_store`; if that gives a reason
instead of a store, it plays on without saving and shows the reason.
"""

from klgame.store.errors import StoreUnavailable
from klgame.store.paths import data_dir, player_name, replays_dir, scores_db_path
from klgame.store.scores import Attempt, ScoreStore, open_store, try_open_store
from klgame.store.sql import ClassInfo, SqlStore

__all__ = [
    "Attempt",
    "ClassInfo",
    "ScoreStore",
    "SqlStore",
    "StoreUnavailable",
    "data_dir",
    "open_store",
    "player_name",
    "replays_dir",
    "scores_db_path",
    "try_open_store",
]
