"""Level builders for the rules tests: built from the model directly, so each test
states exactly the target and bounds it is about."""

from __future__ import annotations

from dataclasses import dataclass

from klgame.engine import Distribution, Gaussian, GaussianFamily, Mixture
from klgame.levels.model import GuessModel, Level, Meter, ParamSpec, View


@dataclass(frozen=True)
class FixedTarget:
    """A target that is the same for every seed."""

    distribution: Distribution
    kind: str = "fixed"
    is_random: bool = False

    def draw(self, seed: int) -> Distribution:
        return self.distribution


def gaussian_model(mean: float = 0.0, variance: float = 5.0) -> GuessModel:
    return GuessModel(
        id="gaussian",
        title="Gaussian",
        family=GaussianFamily(),
        params=(
            ParamSpec("mean", "Mean", mean, -10.0, 10.0, 0.1, 1.0),
            ParamSpec("variance", "Variance", variance, 0.1, 20.0, 0.1, 1.0),
        ),
    )


def make_level(target: Distribution, direction: str = "reverse", **changes) -> Level:
    fields = dict(
        id="test-level",
        title="Test level",
        lesson="a level for tests",
        intro="",
        reveal="",
        order=1,
        target=FixedTarget(target),
        models=(gaussian_model(),),
        direction=direction,
        show=("forward", "reverse"),
        units="nats",
        view=View(x_min=-10.0, x_max=10.0),
        meters=(Meter("Divergence", 25.0), Meter("Fine tuning", 1.0)),
        stars=(0.01, 0.1, 0.5),
        source=None,
        content_hash="0" * 64,
    )
    fields.update(changes)
    return Level(**fields)  # type: ignore[arg-type]


TWO_PEAKS = Mixture([Gaussian(-3, 1), Gaussian(3, 1)], [0.4, 0.6])
