"""Village elections: the party secretary (两推一选) and the committee director (docs/ODD.md §7.12).

A vacant secretary post is filled from the village's own candidates: party
members at home (capable earners, returned migrants, veterans; L43, L59) and
the village's CGVO (L318). Each candidate weighs the post with the same value
the secretary's stay/quit rule uses, with a motivation of their own, and
stands only if the post is worth having. Candidates are nominated by both
party members and villagers (两推, L807, L843): the most recommended is the
nominee. Those with the best alternatives — the young, whose alternative is
migrant work, and the educated — stand only when the post pays.

Every third year the village elects its two committees (L47):

- the party branch: the sitting secretary stands again against a slate of
  ``election.challengers`` nominees (差额, one candidate more than posts,
  L815); party members vote, each candidate with the luck of the day, and
  the sitting secretary carries an incumbency advantage and their last
  assessment;
- the villagers' committee: villagers elect its director (村委会主任)
  directly from the villagers at home of working age, party members or
  not, the sitting director and — where they stand, as the party
  encourages — the secretary, who then holds both posts (一肩挑).

A director who holds both posts leaves the director's post with the
secretary's; a vacant director's post is filled by a by-election like the
secretary's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.cgvo import ROLE, ROUTES, Cgvos
from sim.agents.secretary import ORIGIN, Secretaries
from sim.agents.villager import Villagers
from sim.parameters import ParameterSet
from sim.post import PostValue
from sim.ranking import merit
from sim.seats import Seats
from sim.streams import normal_from_uniform

NO_CANDIDATE = -1

#: Candidates from outside the village's own groups whom L59 asks to bring back to
#: the village: private-enterprise managers and retired cadres of county and
#: township organs, enterprises and institutions (民营企业经营管理人员、退休干部职工).
OUTSIDERS = ("retired_cadre", "enterprise_manager")
#: Column codes of the candidates who are not villager rows (``exclude`` of :func:`best_candidates`).
CGVO_TAKEN = -2
OUTSIDER_TAKEN = {name: -3 - i for i, name in enumerate(OUTSIDERS)}


@dataclass
class Outsiders:
    """The outsiders of each village at one election (drawn once, kept over the nomination rounds).

    Arrays of shape (len(OUTSIDERS), villages): whether one is there to weigh the
    post, age, college education, ability, motivation and the standard normal
    luck of the nomination.
    """

    present: np.ndarray
    age: np.ndarray
    college: np.ndarray
    ability: np.ndarray
    motivation: np.ndarray
    luck: np.ndarray


def outsider_traits(p: ParameterSet) -> np.ndarray:
    """Share, age, college share and mean ability of each group of :data:`OUTSIDERS` (4 × groups)."""
    return np.array([
        [p.value("election.retired_cadre_share"), p.value("election.enterprise_manager_share")],
        [p.value("election.retired_cadre_age"), p.value("election.enterprise_manager_age")],
        [p.value("election.retired_cadre_college_share"), p.value("election.enterprise_manager_college_share")],
        [p.value("election.retired_cadre_ability"), p.value("election.enterprise_manager_ability")]], float)


def draw_outsiders(p: ParameterSet, n: int, rng: np.random.Generator | None) -> Outsiders:
    """Each village's retired cadre and enterprise manager, if any (L59; §7.12).

    A village has one of each group with probability ``election.<group>_share``;
    he or she has the group's age, college education with the group's share,
    ability ``<group>_ability + z`` and a motivation drawn like a villager's.
    Without ``rng`` no outsider is there.
    """
    g = len(OUTSIDERS)
    if rng is None or n == 0:
        z = np.zeros((g, n))
        return Outsiders(np.zeros((g, n), bool), z, np.zeros((g, n), bool), z, z, z)
    u = rng.random((5, g, n))
    share, age, college_share, ability_mean = outsider_traits(p)[:, :, None]
    age = np.repeat(age, n, 1)
    college = u[1] < college_share
    ability = ability_mean + normal_from_uniform(u[2])
    motivation = (p.value("secretary.motivation_mean") + p.value("secretary.motivation_sd")
                  * normal_from_uniform(u[3]))
    return Outsiders(u[0] < share, age, college, ability, motivation, normal_from_uniform(u[4]))


@dataclass
class Choice:
    """The best willing candidate of each village in an election.

    Attributes:
        villages: Villages that held the election.
        villager: Chosen villager row, or -1.
        cgvo: Chosen CGVO row, or -1.
        electability: Electability of the winner (``-inf`` where nobody stood).
        motivation: Intrinsic value of the post to a chosen villager (multiple of local income).
        standing: The winner's electability without the luck of the nomination
            (what a later vote starts from; ``-inf`` where nobody stood).
        outsider: Chosen candidate from outside the village's groups, a position in
            :data:`OUTSIDERS` (retired cadre, enterprise manager), or -1.
        age, college, ability: The chosen outsider's traits (``None`` if no outsider was drawn).
    """

    villages: np.ndarray
    villager: np.ndarray
    cgvo: np.ndarray
    electability: np.ndarray
    motivation: np.ndarray
    standing: np.ndarray | None = None
    outsider: np.ndarray | None = None
    age: np.ndarray | None = None
    college: np.ndarray | None = None
    ability: np.ndarray | None = None

    def subset(self, keep: np.ndarray) -> Choice:
        """The choice in the villages ``keep`` (a mask or positions)."""
        def part(a):
            return None if a is None else a[keep]
        return Choice(self.villages[keep], self.villager[keep], self.cgvo[keep],
                      self.electability[keep], self.motivation[keep], part(self.standing),
                      part(self.outsider), part(self.age), part(self.college), part(self.ability))

    def outsiders(self) -> np.ndarray:
        """Positions of the villages whose choice is an outsider."""
        return np.zeros(0, np.int64) if self.outsider is None else np.flatnonzero(self.outsider >= 0)

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
                 cgvos: Cgvos, seats: Seats, post: PostValue, directors: Directors | None = None,
                 outsider_rng: np.random.Generator | None = None) -> None:
        self.params = params
        self.world = world
        self.villagers = villagers
        self.secretaries = secretaries
        self.cgvos = cgvos
        self.seats = seats
        self.post = post
        self.directors = directors if directors is not None else Directors.vacant(len(secretaries))
        #: Stream of the outsiders' draws (retired cadres, enterprise managers); None: none stand.
        self.outsider_rng = outsider_rng
        #: Counts of the last committee election (sitting secretaries standing, re-elected,
        #: competitive slates; directors re-elected).
        self.last: dict[str, float] = {}

    def best_candidates(self, month: int, villages: np.ndarray, rng: np.random.Generator) -> Choice:
        """Find each village's most electable candidate willing to take the post."""
        return best_candidates(self, month, villages, rng,
                               outsiders=draw_outsiders(self.params, len(villages), self.outsider_rng))

    def fill_vacancies(self, month: int, rng: np.random.Generator,
                       director_rng: np.random.Generator | None = None) -> np.ndarray:
        """By-elections in vacant villages; returns the villages whose secretary post was filled.

        With ``director_rng``, vacant director posts hold their by-election too
        (after a director holding both posts has left with the secretary's).
        """
        filled = fill_vacancies(self, month, self.world.first_secretary_present, rng)
        if director_rng is not None:
            release_departed(self)
            u = director_rng.random(len(self.secretaries))
            holding = np.flatnonzero(~self.directors.filled
                                     & (u < self.params.value("election.vacancy_fill_probability")))
            elect_directors(self, month, holding, director_rng, sitting=False)
        return filled

    def hold(self, month: int, rng: np.random.Generator,
             director_rng: np.random.Generator | None = None) -> np.ndarray:
        """Three-yearly committee elections; returns the villages whose secretary lost.

        The party branch elects first; with ``director_rng``, villagers then
        elect every village's director.
        """
        lost = hold_village_elections(self, month, rng)
        if director_rng is not None:
            release_departed(self)
            self.last["director_sitting"] = float(self.directors.filled.sum())
            self.last["director_reelected"] = 0.0
            elect_directors(self, month, np.arange(len(self.secretaries)), director_rng, sitting=True)
        return lost

    def both_posts(self) -> np.ndarray:
        """Villages where one person holds both posts (一肩挑) now."""
        d, secs = self.directors, self.secretaries
        return d.filled & d.both & secs.filled & (secs.entered == d.secretary_entered)


def best_candidates(el: Elections, month: int, villages: np.ndarray, rng: np.random.Generator,
                    exclude: list[np.ndarray] = (), outsiders: Outsiders | None = None) -> Choice:
    """Find each village's most electable candidate willing to take the post.

    ``exclude`` lists earlier nominees of each village (a villager row,
    :data:`CGVO_TAKEN` for the village's CGVO, :data:`OUTSIDER_TAKEN` for an
    outsider, -1 for none), who are not nominated again. ``outsiders``: the
    retired cadres and enterprise managers of ``villages`` (none if omitted).
    """
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
    luck = p.value("election.noise_sd") * normal_from_uniform(u[1, :, :k])
    standing = traits_merit(p, vill.ability[rows].reshape(shape), vill.college[rows].reshape(shape),
                            earner.reshape(shape), vill.returned[rows].reshape(shape),
                            vill.veteran[rows].reshape(shape))
    electability = np.where(willing, standing + luck, -np.inf)
    # The village's CGVO stands as the last column.
    cgvo_row = el.seats.village_cgvo[villages]
    cgvos = el.cgvos
    column = np.full(len(villages), -np.inf)
    cgvo_standing = np.full(len(villages), -np.inf)
    if len(cgvos):
        has = cgvo_row >= 0
        cg = np.where(has, cgvo_row, 0)
        cgvo_ok = (has & cgvos.party[cg] & (cgvos.role[cg] != ROLE["secretary"])
                   & ((month - cgvos.cohort[cg]) >= p.value("cgvo.secretary_min_months"))
                   & (u[0, :, k] < p.value("cgvo.secretary_willingness")))
        base = cgvos.ability[cg] + p.value("election.cgvo_bonus")
        cgvo_score = base + p.value("election.noise_sd") * normal_from_uniform(u[1, :, k])
        column = np.where(cgvo_ok, cgvo_score, -np.inf)
        cgvo_standing = np.where(cgvo_ok, base, -np.inf)
    # Retired cadres and enterprise managers (L59) weigh the post like villagers,
    # with their group's traits; managers are capable earners (their outside option).
    if outsiders is None:
        outsiders = draw_outsiders(p, len(villages), None)
    g = len(OUTSIDERS)
    out_earner = np.array([o == "enterprise_manager" for o in OUTSIDERS])[:, None].repeat(len(villages), 1)
    out_standing = np.full((g, len(villages)), -np.inf)
    present = np.flatnonzero(outsiders.present.ravel())
    if present.size:
        home = np.tile(villages, g)[present]
        value = el.post.candidates(home, outsiders.age.ravel()[present], out_earner.ravel()[present],
                                   outsiders.college.ravel()[present],
                                   outsiders.motivation.ravel()[present])
        zero = np.zeros(present.size, bool)
        base = traits_merit(p, outsiders.ability.ravel()[present], outsiders.college.ravel()[present],
                            out_earner.ravel()[present], zero, zero)
        out_standing.ravel()[present] = np.where(value > 0, base, -np.inf)
    out_score = out_standing + p.value("election.noise_sd") * outsiders.luck
    scores = np.concatenate([electability, column[:, None], out_score.T], axis=1)
    for taken in exclude:
        at = np.flatnonzero(taken >= 0)
        scores[at, taken[at] - villages[at] * k] = -np.inf
        scores[taken == CGVO_TAKEN, k] = -np.inf
        for j, name in enumerate(OUTSIDERS):
            scores[taken == OUTSIDER_TAKEN[name], k + 1 + j] = -np.inf
    best = scores.argmax(axis=1)
    pos = np.arange(len(villages))
    top = scores[pos, best]
    standings = np.concatenate([np.where(willing, standing, -np.inf), cgvo_standing[:, None],
                                out_standing.T], axis=1)
    picked_villager = np.where(np.isfinite(top) & (best < k), villages * k + best, NO_CANDIDATE)
    picked_cgvo = np.where(np.isfinite(top) & (best == k), cgvo_row, NO_CANDIDATE)
    group = np.where(np.isfinite(top) & (best > k), best - k - 1, NO_CANDIDATE)
    j = np.maximum(group, 0)
    chosen_motivation = drawn.reshape(len(villages), k)[pos, np.minimum(best, k - 1)]
    chosen_motivation = np.where(group >= 0, outsiders.motivation[j, pos], chosen_motivation)
    return Choice(villages, picked_villager, picked_cgvo, top, chosen_motivation,
                  standings[pos, best], group.astype(np.int8), outsiders.age[j, pos],
                  outsiders.college[j, pos], outsiders.ability[j, pos])


def traits_merit(p: ParameterSet, ability, college, earner, returned, veteran) -> np.ndarray:
    """Electability of villagers without luck: ability plus the bonus of each named group (L43, L59)."""
    return merit(ability, (p.value("election.college_bonus"), college),
                 (p.value("election.earner_bonus"), earner),
                 (p.value("election.returned_bonus"), returned),
                 (p.value("election.veteran_bonus"), veteran))


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
    at = choice.outsiders()
    ovillages = choice.villages[at]
    group = choice.outsider[at]
    origin = np.array([ORIGIN[o] for o in OUTSIDERS], np.int8)[group]
    el.seats.seat(ovillages, age=choice.age[at], college=choice.college[at],
                  ability=choice.ability[at], earner=np.array(OUTSIDERS)[group] == "enterprise_manager",
                  origin=origin, month=month, motivation=choice.motivation[at])
    return np.concatenate([villages, cvillages, ovillages])


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
    choice = best_candidates(el, month, holding, rng,
                             outsiders=draw_outsiders(p, len(holding), el.outsider_rng))
    return install_winners(el, month, choice, rng)


def hold_village_elections(el: Elections, month: int, rng: np.random.Generator) -> np.ndarray:
    """The party branch's three-yearly election (两推一选, L807, L815; §7.12.2).

    Each sitting secretary (not a CGVO's seat) stands again against the
    ``election.challengers`` most recommended nominees (a competitive slate
    where anyone is nominated). Party members vote: each candidate's standing
    plus the luck of the day; the sitting secretary's standing is their
    ability, their last assessment and an incumbency advantage. Returns the
    villages where the sitting secretary lost.
    """
    p = el.params
    secs = el.secretaries
    sitting = np.flatnonzero(secs.filled & (secs.cgvo < 0))
    el.last = dict.fromkeys(("secretary_standing", "secretary_reelected", "competitive"), 0.0)
    if sitting.size == 0:
        return sitting
    slate = nominees(el, month, sitting, int(p.value("election.challengers")), rng)
    u = rng.random((len(slate) + 1, len(sitting)))
    luck = p.value("election.noise_sd") * normal_from_uniform(u)
    incumbent = (secs.ability[sitting] + p.value("election.score_weight") * secs.score[sitting]
                 + p.value("election.incumbency_bonus") + luck[0])
    votes = np.stack([incumbent] + [c.standing + luck[j + 1] for j, c in enumerate(slate)])
    winner = votes.argmax(axis=0)
    lost = winner > 0
    el.last.update(secretary_standing=float(sitting.size), secretary_reelected=float((~lost).sum()),
                   competitive=float(sum(c.found for c in slate).astype(bool).sum()) if slate else 0.0)
    losers = sitting[lost]
    el.seats.vacate(losers)
    for j, choice in enumerate(slate):
        install_winners(el, month, choice.subset(lost & (winner == j + 1)), rng)
    return losers


def nominees(el: Elections, month: int, villages: np.ndarray, n: int,
             rng: np.random.Generator) -> list[Choice]:
    """The ``n`` most recommended willing candidates of each village (两推), best first.

    Each round nominates the most recommended candidate not yet on the slate
    (:func:`best_candidates` with the candidates already nominated set aside).
    """
    slate: list[Choice] = []
    taken: list[np.ndarray] = []
    outsiders = draw_outsiders(el.params, len(villages), el.outsider_rng) if n > 0 else None
    for _ in range(n):
        choice = best_candidates(el, month, villages, rng, exclude=taken, outsiders=outsiders)
        if not choice.found.any():
            break
        slate.append(choice)
        code = np.array(list(OUTSIDER_TAKEN.values()))[np.maximum(choice.outsider, 0)]
        taken.append(np.where(choice.villager >= 0, choice.villager,
                              np.where(choice.cgvo >= 0, CGVO_TAKEN,
                                       np.where(choice.outsider >= 0, code, NO_CANDIDATE))))
    return slate


# ----------------------------------------------------------------- the director
@dataclass
class Directors:
    """The director's post (村委会主任) of every village, as arrays (one row per village).

    Attributes:
        filled: The post has a director.
        ability: The director's ability (standard normal among villagers).
        college: College education.
        earner: A capable earner.
        both: The director is also the village's secretary (一肩挑).
        secretary_entered: For ``both``, the month that secretary took the party post
            (the secretary who later leaves that post leaves this one too).
        cgvo: The CGVO row holding the post, or -1 (the CGVO's role is ``director``).
    """

    filled: np.ndarray
    ability: np.ndarray
    college: np.ndarray
    earner: np.ndarray
    both: np.ndarray
    secretary_entered: np.ndarray
    cgvo: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.cgvo is None:
            self.cgvo = np.full(len(self.filled), NO_CANDIDATE, np.int64)

    @classmethod
    def initial(cls, n: int, params: ParameterSet, rng: np.random.Generator) -> Directors:
        """Directors of 2008-01: as many posts filled as secretaries', none holding both.

        The first committee election (``election.village_first_year``) then
        decides who holds both; the start affects only the advantage of the
        sitting director at that election.
        """
        p = params
        filled = rng.random(n) >= p.value("secretary.initial_vacancy_share")
        ability = (rng.standard_normal(n) + p.value("secretary.initial_ability_mean")).astype(np.float32)
        return cls(filled, ability, np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool),
                   np.full(n, -1, np.int32))

    @classmethod
    def vacant(cls, n: int) -> Directors:
        """Every director's post vacant."""
        return cls(np.zeros(n, bool), np.zeros(n, np.float32), np.zeros(n, bool), np.zeros(n, bool),
                   np.zeros(n, bool), np.full(n, -1, np.int32))

    def vacate(self, villages: np.ndarray) -> None:
        """The director's posts of ``villages`` fall vacant."""
        self.filled[villages] = False
        self.both[villages] = False
        self.secretary_entered[villages] = -1
        self.cgvo[villages] = NO_CANDIDATE


def release_departed(el: Elections) -> np.ndarray:
    """Vacate the director's posts of those who have left them.

    They are holders of both posts whose secretary's post has changed hands,
    and CGVO directors no longer the village's CGVO in that role.

    A CGVO director who leaves the programme for a village post (§7.15.8) keeps the
    post as an ordinary director; one who left otherwise, or who has since become
    secretary, leaves it vacant for its by-election.
    """
    d, secs = el.directors, el.secretaries
    gone = d.both & ~(secs.filled & (secs.entered == d.secretary_entered))
    held = np.flatnonzero(d.filled & (d.cgvo >= 0))
    if held.size:
        rows = d.cgvo[held]
        cg = el.cgvos
        still = ((el.seats.village_cgvo[held] == rows) & cg.in_post[rows]
                 & (cg.role[rows] == ROLE["director"]))
        stays = ~cg.in_post[rows] & (cg.route[rows] == ROUTES.index("village_post"))
        gone[held[~still & ~stays]] = True
        d.cgvo[held[~still & stays]] = NO_CANDIDATE
    gone = np.flatnonzero(gone)
    d.vacate(gone)
    return gone


def elect_directors(el: Elections, month: int, villages: np.ndarray, rng: np.random.Generator,
                    sitting: bool) -> np.ndarray:
    """Villagers elect the director of ``villages`` (§7.12.3); returns where the secretary won both posts.

    Candidates: villagers at home of working age, party members or not, with
    the electability of their group (capable earners, returned migrants,
    veterans, college); the sitting director (``sitting``: a committee
    election, with the incumbency advantage); the village's secretary,
    who stands with probability ``election.secretary_stands_for_director``
    (with the incumbency advantage if already director); and the village's
    CGVO, with a year in the village (``cgvo.committee_min_months``), not its
    secretary, who stands with probability ``cgvo.director_willingness`` (a
    sitting CGVO director always stands again, with the incumbency
    advantage), with electability ``ability + election.cgvo_bonus``. Each
    has the luck of the day; the most electable wins.
    """
    p = el.params
    d, secs, vill = el.directors, el.secretaries, el.villagers
    k = vill.k
    if villages.size == 0:
        return villages
    rows = (villages[:, None] * k + np.arange(k)[None, :]).ravel()
    u = rng.random((2, len(villages), k + 3))
    shape = (len(villages), k)
    age = vill.age[rows]
    at_home = (~vill.migrant[rows] & (age >= p.value("villager.candidate_min_age"))
               & (age < p.value("villager.candidate_max_age"))).reshape(shape)
    earner = vill.capable_earner(rows).reshape(shape)
    noise = p.value("election.noise_sd")
    villagers = np.where(at_home, traits_merit(p, vill.ability[rows].reshape(shape),
                                               vill.college[rows].reshape(shape), earner,
                                               vill.returned[rows].reshape(shape),
                                               vill.veteran[rows].reshape(shape))
                         + noise * normal_from_uniform(u[0, :, :k]), -np.inf)
    bonus = p.value("election.incumbency_bonus")
    held_both = d.both[villages] & d.filled[villages]
    cgvo_held = d.filled[villages] & (d.cgvo[villages] >= 0)
    incumbent = np.where(sitting & d.filled[villages] & ~held_both & ~cgvo_held,
                         d.ability[villages] + bonus + noise * normal_from_uniform(u[0, :, k]), -np.inf)
    stands = secs.filled[villages] & (u[1, :, 0] < p.value("election.secretary_stands_for_director"))
    secretary = np.where(stands, secs.ability[villages] + bonus * (sitting & held_both)
                         + noise * normal_from_uniform(u[0, :, k + 1]), -np.inf)
    cgvo_row = el.seats.village_cgvo[villages]
    cg = el.cgvos
    cgvo = np.full(len(villages), -np.inf)
    if len(cg):
        has = cgvo_row >= 0
        c = np.where(has, cgvo_row, 0)
        sitting_cgvo = has & cgvo_held & (d.cgvo[villages] == cgvo_row)
        may = (has & cg.in_post[c] & (cg.role[c] != ROLE["secretary"])
               & ((month - cg.cohort[c]) >= p.value("cgvo.committee_min_months")))
        stands_cgvo = may & (sitting_cgvo | (u[1, :, 1] < p.value("cgvo.director_willingness")))
        cgvo = np.where(stands_cgvo, cg.ability[c] + p.value("election.cgvo_bonus")
                        + bonus * (sitting & sitting_cgvo)
                        + noise * normal_from_uniform(u[0, :, k + 2]), -np.inf)
    scores = np.concatenate([villagers, incumbent[:, None], secretary[:, None], cgvo[:, None]], axis=1)
    best = scores.argmax(axis=1)
    found = np.isfinite(scores[np.arange(len(villages)), best])
    won_row = found & (best < k)
    won_both = found & (best == k + 1)
    kept = found & (best == k)
    won_cgvo = found & (best == k + 2)
    if sitting:
        el.last["director_reelected"] = el.last.get("director_reelected", 0.0) + float(
            (kept | (won_both & held_both) | (won_cgvo & cgvo_held & (d.cgvo[villages] == cgvo_row))).sum())
    # CGVO directors who did not win again return to no committee role.
    outgoing = d.cgvo[villages]
    lost_cgvo = (outgoing >= 0) & ~(won_cgvo & (outgoing == cgvo_row))
    if lost_cgvo.any():
        leaving = outgoing[lost_cgvo]
        mine = cg.role[leaving] == ROLE["director"]
        el.seats.elect(leaving[mine], np.full(int(mine.sum()), ROLE["none"], np.int8))
        d.cgvo[villages[lost_cgvo]] = NO_CANDIDATE
    d.vacate(villages[~found])
    new = villages[won_row]
    chosen = rows.reshape(shape)[np.flatnonzero(won_row), best[won_row]]
    d.filled[new] = True
    d.ability[new] = vill.ability[chosen]
    d.college[new] = vill.college[chosen]
    d.earner[new] = earner.ravel()[np.flatnonzero(won_row) * k + best[won_row]]
    d.both[new] = False
    d.secretary_entered[new] = -1
    d.both[villages[kept]] = False
    both = villages[won_both]
    d.filled[both] = True
    d.both[both] = True
    d.ability[both] = secs.ability[both]
    d.college[both] = secs.college[both]
    d.earner[both] = secs.earner[both]
    d.secretary_entered[both] = secs.entered[both]
    cv = villages[won_cgvo]
    crows = cgvo_row[won_cgvo]
    d.filled[cv] = True
    d.both[cv] = False
    d.secretary_entered[cv] = -1
    d.ability[cv] = cg.ability[crows]
    d.college[cv] = True
    d.earner[cv] = False
    d.cgvo[cv] = crows
    el.seats.elect(crows, np.full(len(crows), ROLE["director"], np.int8))
    return both
