"""Elections of village secretaries (两推一选, L807, L843; docs/ODD.md §7.12).

A vacant post is filled from the village's own candidates: party members at
home (capable earners, returned migrants, veterans; L43, L59) and the
village's CGVO (L318). Each candidate weighs the post with the same value the
secretary's stay/quit rule uses, with a motivation of their own, and stands
only if the post is worth having; the most electable candidate standing
wins and keeps that motivation. Those with the best alternatives — the
young, whose alternative is migrant work, and the educated — stand only
when the post pays.
Every third year the village elects its committees, and a sitting
secretary can lose to a stronger challenger (L47).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.cgvo import ROLE, Cgvos
from sim.agents.secretary import ORIGIN, Secretaries
from sim.agents.villager import Villagers
from sim.parameters import ParameterSet
from sim.post import PostValue
from sim.ranking import merit
from sim.seats import Seats
from sim.streams import normal_from_uniform

NO_CANDIDATE = -1


@dataclass
class Choice:
    """The best willing candidate of each village in an election.

    Attributes:
        villages: Villages that held the election.
        villager: Chosen villager row, or -1.
        cgvo: Chosen CGVO row, or -1.
        electability: Electability of the winner (``-inf`` where nobody stood).
        motivation: Intrinsic value of the post to a chosen villager (multiple of local income).
    """

    villages: np.ndarray
    villager: np.ndarray
    cgvo: np.ndarray
    electability: np.ndarray
    motivation: np.ndarray

    @property
    def found(self) -> np.ndarray:
        """Villages where a willing candidate stood."""
        return np.isfinite(self.electability)


class Elections:
    """Village elections and by-elections for the secretary post.

    Reads the villagers (candidates), the CGVO of each village and the value
    of the post to each candidate; seats the winners through the seats.
    """

    def __init__(self, params: ParameterSet, world, villagers: Villagers, secretaries: Secretaries,
                 cgvos: Cgvos, seats: Seats, post: PostValue) -> None:
        self.params = params
        self.world = world
        self.villagers = villagers
        self.secretaries = secretaries
        self.cgvos = cgvos
        self.seats = seats
        self.post = post

    def best_candidates(self, month: int, villages: np.ndarray, rng: np.random.Generator) -> Choice:
        """Find each village's most electable candidate willing to take the post."""
        return best_candidates(self, month, villages, rng)

    def fill_vacancies(self, month: int, rng: np.random.Generator) -> np.ndarray:
        """By-elections in vacant villages; returns the villages filled this month."""
        return fill_vacancies(self, month, self.world.first_secretary_present, rng)

    def hold(self, month: int, rng: np.random.Generator) -> np.ndarray:
        """Three-yearly committee elections; returns the villages whose secretary lost."""
        return hold_village_elections(self, month, rng)


def best_candidates(el: Elections, month: int, villages: np.ndarray, rng: np.random.Generator) -> Choice:
    """Find each village's most electable candidate willing to take the post."""
    p = el.params
    vill = el.villagers
    k = vill.k
    rows = (villages[:, None] * k + np.arange(k)[None, :]).ravel()
    u = rng.random((3, len(villages), k + 1))
    eligible = vill.candidates(rows)
    earner = vill.capable_earner(rows)
    # Each eligible row's candidate weighs the post with the value the secretary's quit
    # rule uses, including a motivation of their own, and stands if it is worth having.
    standing = np.flatnonzero(eligible)
    home = villages.repeat(k)[standing]
    motivation = (p.value("secretary.motivation_mean") + p.value("secretary.motivation_sd")
                  * normal_from_uniform(u[2, :, :k].ravel()[standing]))
    value = el.post.candidates(home, vill.age[rows[standing]], earner[standing],
                               vill.college[rows[standing]], motivation)
    worth = np.zeros(len(rows), bool)
    worth[standing] = value > 0
    drawn = np.zeros(len(rows), np.float32)
    drawn[standing] = motivation
    willing = eligible.reshape(len(villages), k) & worth.reshape(len(villages), k)
    shape = (len(villages), k)
    electability = merit(vill.ability[rows].reshape(shape),
                         (p.value("election.noise_sd"), normal_from_uniform(u[1, :, :k])),
                         (p.value("election.college_bonus"), vill.college[rows].reshape(shape)),
                         (p.value("election.earner_bonus"), earner.reshape(shape)),
                         (p.value("election.returned_bonus"), vill.returned[rows].reshape(shape)),
                         (p.value("election.veteran_bonus"), vill.veteran[rows].reshape(shape)))
    electability = np.where(willing, electability, -np.inf)
    # The village's CGVO stands as the last column.
    cgvo_row = el.seats.village_cgvo[villages]
    cgvos = el.cgvos
    column = np.full(len(villages), -np.inf)
    if len(cgvos):
        has = cgvo_row >= 0
        cg = np.where(has, cgvo_row, 0)
        cgvo_ok = (has & cgvos.party[cg] & (cgvos.role[cg] != ROLE["secretary"])
                   & ((month - cgvos.cohort[cg]) >= p.value("cgvo.secretary_min_months"))
                   & (u[0, :, k] < p.value("cgvo.secretary_willingness")))
        cgvo_score = merit(cgvos.ability[cg] + p.value("election.cgvo_bonus"),
                           (p.value("election.noise_sd"), normal_from_uniform(u[1, :, k])))
        column = np.where(cgvo_ok, cgvo_score, -np.inf)
    scores = np.concatenate([electability, column[:, None]], axis=1)
    best = scores.argmax(axis=1)
    top = scores[np.arange(len(villages)), best]
    picked_villager = np.where(np.isfinite(top) & (best < k), villages * k + best, NO_CANDIDATE)
    picked_cgvo = np.where(np.isfinite(top) & (best == k), cgvo_row, NO_CANDIDATE)
    chosen_motivation = drawn.reshape(len(villages), k)[np.arange(len(villages)), np.minimum(best, k - 1)]
    return Choice(villages, picked_villager, picked_cgvo, top, chosen_motivation)


def install_winners(el: Elections, month: int, choice: Choice, rng: np.random.Generator) -> np.ndarray:
    """Seat the winners of ``choice``; return the villages that got a new secretary."""
    secs, vill, cgvos = el.secretaries, el.villagers, el.cgvos
    from_villagers = choice.villager >= 0
    villages = choice.villages[from_villagers]
    rows = choice.villager[from_villagers]
    origin = np.full(len(rows), ORIGIN["other_member"], np.int8)
    origin[vill.veteran[rows]] = ORIGIN["veteran"]
    origin[vill.returned[rows]] = ORIGIN["returned_migrant"]
    earner = vill.capable_earner(rows)
    origin[earner] = ORIGIN["capable_earner"]
    el.seats.seat(villages, age=vill.age[rows], college=vill.college[rows],
                  ability=vill.ability[rows], earner=earner, origin=origin, month=month,
                  motivation=choice.motivation[from_villagers])
    from_cgvo = choice.cgvo >= 0
    cvillages = choice.villages[from_cgvo]
    crows = choice.cgvo[from_cgvo]
    el.seats.seat(cvillages, cgvo=crows, age=el.params.value("cgvo.age_at_recruitment")
                  + (month - cgvos.cohort[crows]) / 12.0, college=True,
                  ability=cgvos.ability[crows], earner=False, origin=ORIGIN["cgvo"],
                  month=month, motivation=secs.draw_motivation(len(crows), rng))
    return np.concatenate([villages, cvillages])


def fill_vacancies(el: Elections, month: int, first_secretary: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """Hold by-elections in vacant villages; return the villages filled this month.

    A vacant village organises an election with a monthly probability,
    higher where a first secretary has been sent (L31).
    """
    p = el.params
    u = rng.random(len(el.secretaries))
    chance = np.where(first_secretary, p.value("first_secretary.fill_probability"),
                      p.value("election.vacancy_fill_probability"))
    holding = np.flatnonzero(~el.secretaries.filled & (u < chance))
    if holding.size == 0:
        return holding
    choice = best_candidates(el, month, holding, rng)
    return install_winners(el, month, choice, rng)


def hold_village_elections(el: Elections, month: int, rng: np.random.Generator) -> np.ndarray:
    """Three-yearly committee elections: sitting secretaries face challengers (L47).

    Returns the villages where the sitting secretary lost.
    """
    p = el.params
    secs = el.secretaries
    sitting = np.flatnonzero(secs.filled & (secs.cgvo < 0))
    if sitting.size == 0:
        return sitting
    choice = best_candidates(el, month, sitting, rng)
    incumbent = (secs.ability[sitting] + p.value("election.score_weight") * secs.score[sitting]
                 + p.value("election.incumbency_bonus")
                 + p.value("election.noise_sd") * rng.standard_normal(len(sitting)))
    lost = choice.found & (choice.electability > incumbent)
    losers = sitting[lost]
    el.seats.vacate(losers)
    install_winners(el, month, Choice(losers, choice.villager[lost], choice.cgvo[lost],
                                  choice.electability[lost], choice.motivation[lost]), rng)
    return losers
