"""The national party pipeline by age and channel (docs/ODD.md §7.24).

People who join the party pass through four stages before full membership
(L893): applicant (申请入党), activist (入党积极分子), candidate (发展对象,
vetted and publicised), probationary member (预备党员), then full member.
R11 reports the national stocks of applicants and activists at 2012-06 and
the admissions since the 17th congress (L921). With no drop-out, Little's
law turns those into the mean time in each stage: the applicant stock net of
activists over the yearly admissions is the time before becoming an
activist, and the activist stock over the admissions is the time as an
activist (the candidate stage is part of it). The villagers move at their
own rule's pace, so their stocks and admissions (in the first month) are
taken off the national figures before the durations are worked out: the
national stocks then start at the reported ones. These three figures are
inputs here, so none of them is a target.

Admissions come through five channels, as the reports group them (L893,
L921):

- ``farmers``: the villagers' own pipeline (:meth:`sim.agents.villager.Villagers.join_party`)
  is the rural channel. Its admissions, with each villager's age, are read as
  they are; there is no second admission rule for villagers.
- ``nonpublic``: admissions inside covered non-public enterprises
  (:meth:`sim.agents.enterprise.Enterprises.gain_members`), read as they are.
- ``students``: students are admitted while they study (a student member is
  counted as one at admission), so their admissions are a share of the
  national flow (``pipeline.students.share``, from the party's statistics)
  at the ages of study in higher education; their earlier stages are
  counted, as the enterprise channel's, by Little's law at the common
  durations (the reports give no stocks by occupation).
- ``workers``, ``other`` (organs, institutions, professionals, the
  services): new accounting. Applicants enter at a channel's age profile
  and move through the stages at the durations outside the villages.

The national non-rural inflow is what the national admissions (an input)
leave after the rural and enterprise channels' first month: the national
total is therefore pinned (a check, not a target). What the pipeline
produces is the age and occupation mix of new members.

The accounting is deterministic (expected people by single year of age), so
it takes no random draws, and it reads the model without writing to it:
adding it changes no other outcome.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.errors import ConfigError
from sim.parameters import ParameterSet

#: Channels of new accounting (their admissions are made here).
NEW_CHANNELS = ("students", "workers", "other")
#: New channels with a share of their own; ``other`` takes the rest.
SHARED_CHANNELS = NEW_CHANNELS[:-1]
#: New channels whose applicants pass through the stages here (students are admitted
#: at the ages of study, :func:`study_profile`).
STAGED_CHANNELS = NEW_CHANNELS[1:]
#: Entry-age leaves of the staged channels.
ENTRY_AGE_KEYS = {"workers": ("pipeline.workers.entry_age_mean", "pipeline.workers.entry_age_sd"),
                  "other": ("pipeline.other.entry_age_mean", "pipeline.other.entry_age_sd")}
#: Every channel of admission, as the reports group them (L893, L921).
CHANNELS = ("farmers", "nonpublic", *NEW_CHANNELS)
#: Stages before full membership.
STAGES = ("applicant", "activist", "candidate", "probationary")
#: Single years of age held (the last bin collects everyone older).
MIN_AGE, MAX_AGE = 16, 80
#: Age below which a new member counts as young (L893: "35岁以下").
YOUNG_AGE = 35


def stage_years(p: ParameterSet, rural_applicants: float = 0.0, rural_activists: float = 0.0,
                rural_per_year: float = 0.0) -> dict[str, float]:
    """Mean years in each stage outside the villages, from the national stocks and flow.

    The villagers' stocks (``rural_applicants`` not yet activists, and
    ``rural_activists``) and admissions (their own rule, §7.14) are taken
    off the national figures first (the reported applicants include the
    activists); what is left moves at these durations:
    applicants net of activists over admissions a year, activists over
    admissions a year less the candidate stage (which is part of the
    activists), then the candidate stage and the probationary year as set.
    """
    per_year = p.value("pipeline.admissions_in_window") / p.value("pipeline.window_months") * 12.0
    per_year -= rural_per_year
    applicants = p.value("pipeline.applicant_stock") - rural_applicants - rural_activists  # both counted
    activists = p.value("pipeline.activist_stock") - rural_activists
    if per_year <= 0 or activists <= 0 or applicants <= activists:
        raise ConfigError("params.pipeline", "the national stocks and admissions (L921) must exceed "
                          f"the villagers' own: left {applicants:.4g} applicants, {activists:.4g} "
                          f"activists, {per_year:.4g} admissions a year")
    candidate = p.value("pipeline.candidate_years")
    activist_years = activists / per_year - candidate
    if activist_years <= 0:
        raise ConfigError("params.pipeline.candidate_years", "must be shorter than the activist "
                          f"stock over admissions a year ({activists / per_year:.2f} years), got {candidate}")
    return {"applicant": (applicants - activists) / per_year, "activist": activist_years,
            "candidate": candidate, "probationary": p.value("pipeline.probation_years")}


def new_channel_shares(p: ParameterSet) -> np.ndarray:
    """The students' share of all admissions and the workers' share of the non-rural, non-enterprise ones.

    Both are checked to sum to at most 1 (the students cannot take more than the
    non-rural flow together with the workers' share of it); ``other`` takes what
    :func:`split_new_flow` leaves.
    """
    shares = np.array([p.value(f"pipeline.{c}.share") for c in SHARED_CHANNELS])
    if shares.sum() > 1.0:
        raise ConfigError("params.pipeline.workers.share",
                          f"students' and workers' shares must sum to at most 1, got {shares.sum():g}")
    return shares


def split_new_flow(national: float, rest: float, students_share: float, workers_share: float) -> np.ndarray:
    """Monthly admissions of students, workers and other out of the non-rural, non-enterprise ``rest``.

    Students take ``students_share`` of the ``national`` flow, the workers
    ``workers_share`` of ``rest``, each at most what is left; ``other`` takes the rest.
    """
    students = min(students_share * national, rest)
    workers = min(workers_share * rest, rest - students)
    return np.array([students, workers, rest - students - workers])


def study_profile(lo: float, hi: float) -> np.ndarray:
    """Share of admissions at each single year of age: equal over the years of study ``[lo, hi)``."""
    ages = np.arange(MIN_AGE, MAX_AGE + 1, dtype=np.float64)
    weight = np.clip(np.minimum(ages + 1.0, hi) - np.maximum(ages, lo), 0.0, 1.0)
    if weight.sum() <= 0:
        raise ConfigError("params.pipeline.students.admission_age_max",
                          f"must exceed admission_age_min ({lo:g}), got {hi:g}")
    return weight / weight.sum()


def age_profile(mean: float, sd: float) -> np.ndarray:
    """Share of a channel's entrants at each single year of age (a normal profile on the bins)."""
    ages = np.arange(MIN_AGE, MAX_AGE + 1, dtype=np.float64)
    weight = np.exp(-0.5 * ((ages - mean) / sd) ** 2)
    return weight / weight.sum()


def age_bins(age: np.ndarray) -> np.ndarray:
    """Bin of each age (single years from MIN_AGE; the ends collect the rest)."""
    return np.clip(np.floor(age).astype(np.int64) - MIN_AGE, 0, MAX_AGE - MIN_AGE)


class Pipeline:
    """Applicants, activists, candidates and probationary members by channel and age (national).

    Attributes:
        years: Mean years in each stage (:func:`stage_years`).
        stock: People by channel, stage and age bin (``[channel, stage, age]``);
            for ``farmers`` and ``nonpublic`` only the probationary stage is held
            here (their earlier stages are the villagers' and :meth:`stocks` counts them).
        admitted: People admitted this month by channel and age bin.
        completed: People made full members this month (all channels).
        inflow: Applicants entering each staged channel (workers, other) a month by age bin (set in
            the first month).
        students: Students admitted a month (set in the first month; admitted at the ages of study).
    """

    def __init__(self, params: ParameterSet) -> None:
        p = self._p = params
        self._set_years(stage_years(p))  # national, until the first month takes the villagers' off
        new_channel_shares(p)  # fail before the run on shares that do not add up
        n_age = MAX_AGE - MIN_AGE + 1
        self.stock = np.zeros((len(CHANNELS), len(STAGES), n_age))
        self.admitted = np.zeros((len(CHANNELS), n_age))
        self.completed = 0.0
        self.inflow: np.ndarray | None = None
        self._nonpublic_profile = age_profile(p.value("pipeline.nonpublic.admission_age_mean"),
                                              p.value("pipeline.nonpublic.admission_age_sd"))
        self._student_profile = study_profile(p.value("pipeline.students.admission_age_min"),
                                              p.value("pipeline.students.admission_age_max"))
        self.students = 0.0

    def _set_years(self, years: dict[str, float]) -> None:
        """Set the durations; a stage is left with probability one over its months.

        A monthly stage with that (geometric) leaving probability holds, in
        steady state, exactly its inflow times its months: Little's law again,
        so the stocks start at the reported ones.
        """
        self.years = years
        self._leave = np.array([min(1.0, 1.0 / (12.0 * years[s])) for s in STAGES])

    def _new_channel_inflow(self, rural: float, nonpublic: float) -> np.ndarray:
        """Monthly applicants of each staged channel by age; sets the students' monthly admissions.

        The national flow less the two read channels is split by :func:`split_new_flow`.
        """
        p = self._p
        national = p.value("pipeline.admissions_in_window") / p.value("pipeline.window_months")
        rest = max(national - rural - nonpublic, 0.0)
        students, *staged = split_new_flow(national, rest, *new_channel_shares(p))
        self.students = float(students)
        profiles = np.stack([age_profile(p.value(ENTRY_AGE_KEYS[c][0]), p.value(ENTRY_AGE_KEYS[c][1]))
                             for c in STAGED_CHANNELS])
        return np.array(staged)[:, None] * profiles

    def _advance(self, rural_by_age: np.ndarray, nonpublic: float) -> None:
        """One month: stages advance, entrants arrive, everyone ages by a month."""
        stock, leave = self.stock, self._leave
        moved = stock * leave[None, :, None]
        stock -= moved
        stock[:, 1:] += moved[:, :-1]
        self.completed = float(moved[:, -1].sum())
        staged = slice(3, None)
        stock[staged, 0] += self.inflow
        self.admitted[...] = 0.0
        self.admitted[staged] = moved[staged, 2]
        self.admitted[0] = rural_by_age
        self.admitted[1] = nonpublic * self._nonpublic_profile
        self.admitted[2] = self.students * self._student_profile
        stock[:3, 3] += self.admitted[:3]
        older = stock[..., :-1] / 12.0
        stock[..., :-1] -= older
        stock[..., 1:] += older

    def step(self, rural_admitted: np.ndarray, rural_age: np.ndarray, nonpublic: float,
             rural_applicants: float = 0.0, rural_activists: float = 0.0) -> None:
        """Account one month from the villagers' and enterprises' admissions (national people).

        Args:
            rural_admitted: National people admitted this month in each villager row.
            rural_age: Age of each villager row.
            nonpublic: National admissions inside non-public enterprises this month.
            rural_applicants: The villagers' national stock of applicants (read in the
                first month, to take it off the national stock).
            rural_activists: The same for activists.
        """
        n_age = self.stock.shape[-1]
        rural_by_age = np.bincount(age_bins(rural_age), weights=rural_admitted, minlength=n_age)
        if self.inflow is None:
            try:
                self._set_years(stage_years(self._p, rural_applicants, rural_activists,
                                            12.0 * float(rural_by_age.sum())))
            except ConfigError:
                # The villagers alone exceed the national figures (far from the fitted
                # admission rate): the national durations stay and the new channels get
                # no applicants (_new_channel_inflow).
                pass
            self.inflow = self._new_channel_inflow(float(rural_by_age.sum()), nonpublic)
            self._settle(rural_by_age, nonpublic)
        self._advance(rural_by_age, nonpublic)

    def _settle(self, rural_by_age: np.ndarray, nonpublic: float) -> None:
        """Fill the stages with the steady state of this month's flows (the start of the run)."""
        months = int(12 * self._p.value("pipeline.settle_years"))
        for _ in range(months):
            self._advance(rural_by_age, nonpublic)

    # ------------------------------------------------------------- outcomes
    def admissions(self, channel: str | None = None) -> float:
        """People admitted this month (one channel or all)."""
        rows = self.admitted if channel is None else self.admitted[CHANNELS.index(channel)]
        return float(rows.sum())

    def young_share(self) -> float:
        """Share of this month's admissions under YOUNG_AGE (NaN with none)."""
        total = self.admitted.sum()
        return float(self.admitted[:, :YOUNG_AGE - MIN_AGE].sum() / total) if total > 0 else float("nan")

    def stocks(self, rural_applicants: float, rural_activists: float) -> dict[str, float]:
        """National stocks by stage, as the reports count them (L921).

        Applicants include activists and candidates (申请入党人数…其中入党积极分子);
        activists include candidates. The villagers' applicants and activists
        are added as they are; for the enterprise and student channels, which
        have no stages of their own here, Little's law gives this month's
        admissions times the stage durations.
        """
        new = self.stock[3:].sum(axis=(0, 2))
        read = ("farmers", "nonpublic", "students")
        ent = (self.admissions("nonpublic") + self.admissions("students")) * 12.0
        candidates = new[2] + sum(self.admissions(c) for c in read) * 12.0 * self.years["candidate"]
        activists = new[1] + new[2] + rural_activists + ent * (self.years["activist"] + self.years["candidate"])
        applicants = new[0] + activists + rural_applicants + ent * self.years["applicant"]
        return {"applicants": applicants, "activists": activists, "candidates": candidates,
                "probationary": float(self.stock[:, 3].sum())}


def reporters() -> dict[str, Callable]:
    """Measures of the pipeline for Mesa's ``DataCollector`` (national)."""
    def stock(name: str) -> Callable:
        return lambda m: m.pipeline.stocks(
            float(np.multiply(m.villagers.applicant, m.villagers.weight).sum(dtype=np.float64)),
            float(np.multiply(m.villagers.activist, m.villagers.weight).sum(dtype=np.float64)))[name]

    def admissions(channel: str) -> Callable:
        return lambda m: m.pipeline.admissions(channel)

    return {
        "party_admissions_per_month": lambda m: m.pipeline.admissions(),
        **{f"party_admissions_{c}_per_month": admissions(c) for c in NEW_CHANNELS},
        "party_admissions_under35_share_national": lambda m: m.pipeline.young_share(),
        "party_full_members_made_per_month": lambda m: m.pipeline.completed,
        **{f"party_{name}_national": stock(name)
           for name in ("applicants", "activists", "candidates", "probationary")},
    }
