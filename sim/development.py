"""Village development with who leads it: the "lead goose" (领头雁) (docs/ODD.md §7.18).

The reports' case for the package is that capable secretaries lead villagers
to prosperity (带领群众致富, L43), that weak and lax organisations need a
first secretary (L31), and that CGVO ventures create jobs and cooperatives
(L310). Each month every village's *income premium* — its rural per-capita
income above (or below) the provincial series, in log points — moves with
who leads it:

* a sitting secretary adds ``ability_growth_per_sd`` per year for each
  standard deviation of ability above the 2008 mean of secretaries, and a
  vacant post subtracts ``vacancy_growth_penalty`` per year;
* a first secretary adds ``first_secretary_growth`` per year;
* the premium converges back to the provincial series at
  ``convergence_per_year`` (leader effects fade once the leader is gone);
* a CGVO's venture adds, while it runs, the wages of the villagers it
  employs (L310) above what they would earn otherwise, per head of the
  village's population.

Villagers' rating of the secretary (the share satisfied, a probit in the
premium's growth over the last twelve months) is reported alongside.

The premium is an outcome only: it does not feed the income that sets the
pay floor, the outside option or migration, so every earlier outcome (and
the calibration) is unchanged by it. No published estimate of a village
secretary's effect on village income growth in China was found; the sizes
are assumed, each with a plausible range in its reason (docs/ODD.md §7.18).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from sim.parameters import ParameterSet


class VillageDevelopment:
    """Each village's income premium over the provincial series, and its secretary's rating.

    Attributes:
        leadership_premium: Log points of income gained (or lost) through leadership (growth stock).
        venture_premium: Log points of income from the village's CGVO venture this month.
        growth_last_year: Change of the leadership premium over the last twelve months (log points).
    """

    def __init__(self, params: ParameterSet, n_villages: int) -> None:
        p = self._p = params
        self.leadership_premium = np.zeros(n_villages)
        self.venture_premium = np.zeros(n_villages)
        self._monthly_growth = np.zeros((12, n_villages))
        self._month_index = 0
        self._ability_reference = p.value("secretary.initial_ability_mean")

    @property
    def premium(self) -> np.ndarray:
        """Total income premium of each village over the provincial series (log points)."""
        return self.leadership_premium + self.venture_premium

    @property
    def growth_last_year(self) -> np.ndarray:
        """Leadership growth of each village over the last twelve months (log points)."""
        return self._monthly_growth.sum(axis=0)

    def growth_per_year(self, filled: np.ndarray, ability: np.ndarray,
                        first_secretary: np.ndarray) -> np.ndarray:
        """Yearly growth of income beyond the provincial series due to who leads (log points).

        Args:
            filled: The secretary post is filled.
            ability: Each secretary's ability (standard deviations among villagers).
            first_secretary: A first secretary serves in the village.
        """
        p = self._p
        lead = np.where(filled, p.value("development.ability_growth_per_sd")
                        * (ability - self._ability_reference),
                        -p.value("development.vacancy_growth_penalty"))
        return lead + p.value("development.first_secretary_growth") * first_secretary

    def step(self, filled: np.ndarray, ability: np.ndarray, first_secretary: np.ndarray,
             venture_jobs: np.ndarray, population: np.ndarray) -> None:
        """Advance one month: growth from who leads, convergence, and the ventures' wages.

        Args:
            filled: The secretary post is filled.
            ability: Each secretary's ability (standard deviations among villagers).
            first_secretary: A first secretary serves in the village.
            venture_jobs: Villagers employed by the CGVO venture in each village (0 if none).
            population: Residents of each village (people).
        """
        p = self._p
        growth = self.growth_per_year(filled, ability, first_secretary) / 12.0
        fade = p.value("development.convergence_per_year") / 12.0 * self.leadership_premium
        self.leadership_premium += growth - fade
        self._monthly_growth[self._month_index] = growth - fade
        self._month_index = (self._month_index + 1) % 12
        gain = p.value("development.venture_wage_gain_ratio")
        self.venture_premium = np.log1p(gain * venture_jobs / np.maximum(population, 1.0))

    def rating(self) -> np.ndarray:
        """Share of villagers satisfied with their secretary (probit in last year's growth)."""
        p = self._p
        return ndtr(p.value("development.rating_intercept")
                    + p.value("development.rating_per_growth") * self.growth_last_year)
