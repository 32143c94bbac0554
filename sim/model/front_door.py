"""The front door (MASH): contacts about new and known families, triaged to a referral, early
help or no further action.

Contacts about new families are triaged in daily batches up to the MASH's capacity, first come
first served; contacts that go no further are counted and need no entity. A new concern about a
known family (after its case closed, or after a child went home from care) comes through the
same door with the same triage, its odds of a referral raised for a family already known.
Either way, a family triaged on starts its journey (:func:`sim.model.pathway.family_journey`)
once triage is done.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator

import numpy as np

from sim.core.entities import Family, State
from sim.core.events import Environment, Event
from sim.core.streams import Stream
from sim.inputs.parameters import FrontDoor
from sim.model.arrivals import BATCH_DAYS, FamilyFactory, draw_contacts, new_family_history
from sim.model.pathway import family_journey, start_journey
from sim.model.policy_set import ActivePolicy
from sim.model.services import Services

#: The front door's stage name, as policies list their stages (read for every known family's
#: new concern while a policy runs).
FRONT_DOOR_KEY = State.FRONT_DOOR.value

#: Outcomes of triage for a batch of contacts (as numbers, decided for a whole day at once).
NO_FURTHER_ACTION, REFERRAL, EARLY_HELP = 0, 1, 2
_NEXT_STATE = {REFERRAL: State.REFERRAL, EARLY_HELP: State.EARLY_HELP}


def triage_chances(
    fd: FrontDoor, odds: float | np.ndarray
) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Chances that a contact is referred, and that it goes to early help.

    ``odds`` multiplies the odds of a referral (the family's need, risk and locality, and for a
    known family its being known); early help takes the same share of the contacts not referred
    as it does at the front door's baseline.
    """
    if fd.p_referral >= 1:
        p_ref = 1.0
    else:
        o = fd.p_referral / (1 - fd.p_referral) * odds
        p_ref = o / (1 + o)
    p_eh = fd.p_early_help / max(1 - fd.p_referral, 1e-12) * (1 - p_ref)
    return p_ref, p_eh


# -- new families ----------------------------------------------------------------------------


def front_door(env: Environment, svc: Services, end_day: float) -> Generator[Event, object, None]:
    """Contacts about new families, triaged by the MASH in daily batches up to its capacity.

    Each day's contacts are drawn in bulk (their number, who they are, and the uniform that
    decides their triage, in arrival order, so every scenario sees the same contacts). The MASH
    triages up to its daily capacity first come first served; the rest wait for the next day.
    Only families triaged to early help or a referral become entities.
    """
    mash = Mash(svc)
    while env.now < end_day:
        contacts = mash.todays_contacts(env.now)
        if contacts is not None:
            mash.take_in(contacts, env.now)
        mash.work_backlog(env.now)
        svc.front_door_waiting = mash.waiting()
        yield env.timeout(1.0)


class Mash:
    """The MASH's daily work on contacts about new families.

    Contacts are held as rows of drawn attributes (a dict of arrays, one batch of days at a
    time); only those triaged on become :class:`Family` entities.
    """

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.rng = svc.streams.generator(Stream.CONTACTS)
        self.rng_triage = svc.streams.generator(Stream.FRONT_DOOR)
        self.factory = FamilyFactory(svc)
        fd = svc.params.front_door
        self.capacity = fd.triage_contacts_per_day_per_10k * svc.population / 1e4
        #: contacts waiting for triage: (arrival time, batch, row, outcome, family id)
        self.backlog: deque[tuple[float, dict[str, np.ndarray], int, int, int]] = deque()
        #: children in ``backlog``'s contacts (kept as they join and leave, not summed daily)
        self.children_waiting = 0
        self.next_id = 0
        self._batch: dict[str, np.ndarray] = {}
        self._offsets = np.zeros(1, dtype=int)
        self._batch_start = -math.inf

    def todays_contacts(self, day: float) -> dict[str, np.ndarray] | None:
        """Contacts arriving on ``day`` in arrival order (``None`` when there are none).

        Contacts are drawn a batch of days at a time, each with the uniform that decides its
        triage (on the front door's own stream).
        """
        if day >= self._batch_start + BATCH_DAYS:
            self._batch_start = day
            batch, self._offsets = draw_contacts(self.svc, self.factory, self.rng, day)
            batch["u"] = self.rng_triage.random(int(self._offsets[-1]))
            # in arrival order once for the whole batch: a day's contacts arrive within the day
            # (day + a uniform), so each day's rows keep their place and their own stable order
            order = np.argsort(batch["time"], kind="stable")
            self._batch = {key: v[order] for key, v in batch.items()}
            # each contact's chances before any policy, for the whole batch at once (they
            # depend on the family alone; the same numbers as day by day, element by element)
            n = len(order)
            p_ref, p_eh = triage_chances(self.svc.params.front_door, self.factory.odds(self._batch))
            self._batch["p_ref"] = np.broadcast_to(p_ref, n).astype(float)
            self._batch["p_eh"] = np.broadcast_to(p_eh, n).astype(float)
        k = int(day - self._batch_start)
        lo, hi = int(self._offsets[k]), int(self._offsets[k + 1])
        if lo == hi:
            return None
        return {key: v[lo:hi] for key, v in self._batch.items()}

    def take_in(self, fam: dict[str, np.ndarray], day: float) -> None:
        """Count today's contacts and decide their triage; triage them today if the MASH has
        room and nobody is waiting, else they join the backlog."""
        svc = self.svc
        children = int(fam["children"].sum())
        svc.record.flow("contacts", children, day)
        outcome = self.triage(fam, day)
        n = len(fam["u"])
        if not self.backlog and children <= self.capacity:
            # the usual day: the MASH triages every contact today, in arrival order; those
            # that go no further are only counted (the same as one at a time, faster)
            nfa = outcome == NO_FURTHER_ACTION
            svc.record.flow("contacts_nfa", int(fam["children"][nfa].sum()), day)
            for i in np.flatnonzero(~nfa).tolist():
                self.admit(fam, i, int(outcome[i]), self.next_id + i, day, fam["time"][i])
        else:
            self.backlog.extend(
                (float(fam["time"][i]), fam, i, int(outcome[i]), self.next_id + i) for i in range(n)
            )
            self.children_waiting += children
        self.next_id += n

    def triage(self, fam: dict[str, np.ndarray], day: float) -> np.ndarray:
        """Each contact's outcome (referral, early help or no further action) from its uniform."""
        before = p_ref, p_eh = fam["p_ref"], fam["p_eh"]  # worked out with the batch
        if self.svc.policies:
            p_ref, p_eh = _front_door_policies(self.svc, fam, day, p_ref, p_eh)
        u = fam["u"]
        outcome = np.where(
            u < p_ref, REFERRAL, np.where(u < p_ref + p_eh, EARLY_HELP, NO_FURTHER_ACTION)
        )
        if self.svc.ledger is not None:
            _front_door_ledger(self.svc, fam, day, before, outcome)
        return outcome

    def work_backlog(self, day: float) -> None:
        """Triage waiting contacts first come first served, up to the day's capacity."""
        used = 0.0
        while self.backlog:
            t, fam, i, out, fid = self.backlog[0]
            k = int(fam["children"][i])
            if used > 0 and used + k > self.capacity:
                break
            self.backlog.popleft()
            used += k
            self.children_waiting -= k
            if out == NO_FURTHER_ACTION:
                self.svc.record.flow("contacts_nfa", k, day)
            else:
                self.admit(fam, i, out, fid, day, max(t, day))

    def waiting(self) -> int:
        """Children whose contacts wait for triage."""
        return self.children_waiting

    def admit(
        self,
        fam: dict[str, np.ndarray],
        i: int,
        outcome: int,
        family_id: int,
        day: float,
        triaged: float,
    ) -> None:
        """A contact triaged on ``day`` (at time ``triaged``) to a referral or early help becomes
        a family, whose journey starts once triage is done."""
        svc = self.svc
        family = self.factory.make(fam, i, family_id, day)
        new_family_history(family, svc)
        if svc.policies:
            svc.enrol(family, State.FRONT_DOOR.value)
        decided = float(triaged) + svc.duration(family, Stream.FRONT_DOOR, "front_door.triage_days")
        if outcome == EARLY_HELP:
            svc.record.flow("contacts_to_early_help", int(fam["children"][i]), decided)
        state = _NEXT_STATE[outcome]
        start_journey(svc, family, state, delay=decided - day)


def _front_door_policies(
    svc: Services, fam: dict[str, np.ndarray], day: float, p_ref: np.ndarray, p_eh: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Policies working at the front door (e.g. social workers in schools) change triage."""
    working = _front_door_active(svc, day)
    if not working:  # the day's chances as they are (no copies: most policies work elsewhere)
        return p_ref, p_eh
    p_ref = np.broadcast_to(p_ref, fam["need"].shape).astype(float)
    p_eh = np.broadcast_to(p_eh, fam["need"].shape).astype(float)
    for a in working:
        m_ref, m_eh = _triage_multipliers(a, day)
        if m_ref == 1 and m_eh == 1:
            continue
        mask = _eligible_contacts(a, fam)
        p_ref = np.where(mask, np.minimum(p_ref * m_ref, 1.0), p_ref)
        p_eh = np.where(mask, np.minimum(p_eh * m_eh, 1.0 - p_ref), p_eh)
    return p_ref, p_eh


def _triage_multipliers(a: ActivePolicy, day: float) -> tuple[float, float]:
    """A front-door policy's multipliers of the chances of referral and of early help on
    ``day``, as far as its ramp-up has reached."""
    ramp = a.ramp(day)
    m_ref = 1 + (a.multipliers.get("front_door.p_referral", 1.0) - 1) * ramp
    m_eh = 1 + (a.multipliers.get("front_door.p_early_help", 1.0) - 1) * ramp
    return m_ref, m_eh


def _front_door_active(svc: Services, day: float) -> list[ActivePolicy]:
    """The policies working at the front door on ``day``."""
    return [a for a in svc.policies.active if a.ramp(day) > 0 and FRONT_DOOR_KEY in a.stages]


def _eligible_contacts(a: ActivePolicy, fam: dict[str, np.ndarray]) -> np.ndarray:
    """Which contacts (rows of drawn attributes) the policy works with."""
    el = a.policy.eligible
    mask = fam["need"] >= el.min_need
    if a.risk_mask:
        mask &= (fam["risk"] & a.risk_mask) > 0
    if a.localities is not None:
        mask &= np.isin(fam["locality"], list(a.localities))
    if el.pod_school_only:
        mask &= fam["pod"]
    return mask


def _front_door_ledger(
    svc: Services,
    fam: dict[str, np.ndarray],
    day: float,
    before: tuple[np.ndarray, np.ndarray],
    outcome: np.ndarray,
) -> None:
    """Tell the effect ledger what triage decided for the contacts front-door policies work
    with: referred or sent to early help, against the chances before any policy (``before``)."""
    p_ref = np.broadcast_to(before[0], outcome.shape).astype(float)
    p_eh = np.broadcast_to(before[1], outcome.shape).astype(float)
    for a in _front_door_active(svc, day):
        mask = _eligible_contacts(a, fam)
        if not mask.any():
            continue
        for name, yes, base, cap in (
            ("front_door.p_referral", outcome == REFERRAL, p_ref, 1.0),
            ("front_door.p_early_help", outcome == EARLY_HELP, p_eh, 1.0 - p_ref),
        ):
            if name in a.multipliers:
                stated = np.minimum(base * a.multipliers[name], cap)
                svc.ledger.triage(a.index, name, day, yes[mask], base[mask], stated[mask])


# -- known families --------------------------------------------------------------------------


def new_concern(family: Family, svc: Services, delay: float) -> None:
    """A new concern about a known family in ``delay`` days: triaged by the MASH again.

    The triage is decided now, from the family's own draws: a concern closed at the front door
    is only counted (on the day it arrives) and needs no process; one that goes on starts the
    family's next journey after triage.
    """
    fd = svc.params.front_door
    triage = svc.duration(family, Stream.FRONT_DOOR, "front_door.triage_days")
    odds = fd.odds_referral_known_family * svc.family_odds(family)
    u = svc.u(family, Stream.FRONT_DOOR)
    before = triage_chances(fd, odds)
    p_ref, p_eh = before
    if svc.policies:
        p_ref, p_eh = _known_family_policies(svc, family, svc.env.now + delay, p_ref, p_eh)
    outcome = REFERRAL if u < p_ref else EARLY_HELP if u < p_ref + p_eh else NO_FURTHER_ACTION
    if svc.ledger is not None:
        row = _contact_row(family)
        _front_door_ledger(svc, row, svc.env.now + delay, before, np.array([outcome]))
    if outcome == REFERRAL:
        state = State.REFERRAL
    elif outcome == EARLY_HELP:
        state = State.EARLY_HELP
    else:
        day = svc.env.now + delay
        if day < svc.cal.end_day:
            n = family.n_at_home(day)
            svc.record.flow("contacts", n, day)
            svc.record.flow("contacts_nfa", n, day + triage)
        return
    # the contact is handled once triaged: the process starts then
    svc.start_process_after(
        delay + triage, known_family_contact, family, triage=triage, state=state
    )


def _known_family_policies(
    svc: Services, family: Family, day: float, p_ref: float, p_eh: float
) -> tuple[float, float]:
    """Policies working at the front door change a known family's triage as they change a new
    family's (:func:`_front_door_policies`: the same eligibility, multipliers and caps, for the
    day the concern arrives), worked out for the one family without arrays."""
    for a in _front_door_active(svc, day):
        m_ref, m_eh = _triage_multipliers(a, day)
        if m_ref == 1 and m_eh == 1:
            continue
        if a.eligible(
            FRONT_DOOR_KEY, int(family.risk), family.need, family.locality, family.at_pod_school
        ):
            p_ref = min(p_ref * m_ref, 1.0)
            p_eh = min(p_eh * m_eh, 1.0 - p_ref)
    return float(p_ref), float(p_eh)


def _contact_row(family: Family) -> dict[str, np.ndarray]:
    """A known family as one row of contact attributes, as the front door's policies read them."""
    return {
        "need": np.array([family.need]),
        "risk": np.array([int(family.risk)]),
        "locality": np.array([family.locality]),
        "pod": np.array([family.at_pod_school]),
    }


def known_family_contact(
    env: Environment,
    family: Family,
    svc: Services,
    triage: float,
    state: State,
) -> Generator[Event, object, None]:
    """A known family's new concern, triaged on to early help or a referral (started once
    triaged, ``triage`` days after the contact).

    A concern about a family whose case is open by then joins that case (counted as a contact).
    """
    contact_day = env.now - triage
    n = family.n_at_home(contact_day)
    if n == 0:
        return
    svc.record.flow("contacts", n, contact_day)
    if family.open:
        svc.record.flow("contacts_about_open_cases", n, contact_day)
        return
    if svc.policies:  # as a new family is, once triage has sent it on
        svc.enrol(family, State.FRONT_DOOR.value)
    yield from family_journey(env, family, svc, state)
