"""The KL engine: distributions, divergences and fitting. Pure -- no UI, no I/O.

Level authors and tests use these names::

    from klgame.engine import Gaussian, Mixture, kl
    kl(Gaussian(0, 1), Mixture([Gaussian(-3, 1), Gaussian(3, 1)]), units="bits")
"""

from klgame.engine import registry
from klgame.engine.cousins import hellinger, jensen_shannon, total_variation
from klgame.engine.distributions import (
    Binomial,
    Categorical,
    Continuous,
    Discrete,
    Distribution,
    Gaussian,
    Mixture,
)
from klgame.engine.divergence import (
    UNITS,
    Units,
    continuous_pair,
    cross_entropy,
    entropy,
    kl,
    pointwise_kl,
    register_kl,
)
from klgame.engine.families import (
    BinomialFamily,
    CategoricalFamily,
    Family,
    GaussianFamily,
    MixtureFamily,
    UniformFamily,
)
from klgame.engine.fitting import (
    DIRECTIONS,
    Direction,
    Fit,
    Optimum,
    both_directions,
    divergence,
    fit,
    gradient,
)
from klgame.engine.poisson import Poisson, PoissonFamily

__all__ = [
    "DIRECTIONS",
    "UNITS",
    "Binomial",
    "BinomialFamily",
    "Categorical",
    "CategoricalFamily",
    "Continuous",
    "Direction",
    "Discrete",
    "Distribution",
    "Family",
    "Fit",
    "Gaussian",
    "GaussianFamily",
    "Mixture",
    "MixtureFamily",
    "Optimum",
    "Poisson",
    "PoissonFamily",
    "UniformFamily",
    "Units",
    "both_directions",
    "continuous_pair",
    "cross_entropy",
    "divergence",
    "entropy",
    "fit",
    "gradient",
    "hellinger",
    "jensen_shannon",
    "kl",
    "pointwise_kl",
    "register_kl",
    "registry",
    "total_variation",
]
