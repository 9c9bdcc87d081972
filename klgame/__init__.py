"""klgame: a terminal game that teaches Kullback-Leibler divergence by play."""

__version__ = "0.1.0"
