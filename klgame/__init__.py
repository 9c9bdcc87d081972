"""klgame: a terminal game that teaches Kullback-Leibler divergence by play."""

__version__ = "0.1.0"

import os as _os

# The game's linear algebra is tiny (a few parameters at a time): BLAS worker
# threads cost more than they save -- 2-3x slower fits on a busy machine --
# and every game process on a shared host would start a pool of them. Set
# before numpy loads; an explicit setting in the environment wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_name, "1")
