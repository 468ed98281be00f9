"""The optimal assignment: every open place at once, as a min-cost flow, proven optimal.

The problem is a transportation problem: each patient takes at most one place, each
location at most its places, and the assignment of greatest total value wins. Every
candidate pair is worth at least 1 (candidates: BASE), so the optimum never leaves a
place empty while a patient who could take it waits unmatched.

**Solved by patient type.** A pair's value is the patient's priority plus the pair's
fit, and the fit depends on the patient only through their FSA, language, age band,
complexity and household. Two patients whose candidate rows (location, value relative
to their best pair) are identical are the same *type*: they are interchangeable except
for their priority, and an optimum matches a type's patients in order of priority (a
lower one matched while a higher one of the same type waits could swap with it and
gain). So the flow runs on types, with each type's priority classes as arcs of falling
value:

    type (supply: its patients) ──(class count, −class value)──▶ type·matched
    type·matched ──(type count, fit cost)──▶ location ──(places, 0)──▶ sink
    type ─────────────────────(type count, 0)───────────────────────▶ sink (unmatched)

A province of 250,000 patients is about 22,000 types and 850,000 arcs instead of
250,000 patients and 11 million arcs: seconds instead of most of a minute
(docs/benchmarks.md). The type flow is then expanded back to patients (a type's
highest priorities first, on its best-fitting locations first).

**Proven, not assumed.** The expanded assignment is checked against the full
patient-level problem by linear-programming duality (`certify`): location prices are
computed as the least solution of the optimality conditions, and the assignment is
accepted only when it is feasible, every pair satisfies the dual constraint, and the
primal and dual objectives are equal — an optimality gap of exactly 0 on the real
problem, however the types were formed. Should that ever fail (types are recognised by
a hash), the full patient-level graph is solved instead (`solve_full`), which
OR-Tools' SimpleMinCostFlow solves exactly on integer costs.
"""

import logging
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from attachment.matching.candidates import Candidates

logger = logging.getLogger(__name__)

ALTERNATIVES = 3
# Rounds of price updates before `certify` gives up (the prices converge in a handful
# on real and synthetic instances; a wrong assignment may not converge at all).
PRICE_ROUNDS = 500


class SolverError(Exception):
    """OR-Tools did not reach an optimum (a bug or an impossible cost range)."""


@dataclass
class Assignment:
    """Chosen pairs, as indices into the candidates' pair arrays."""

    candidates: Candidates
    pairs: np.ndarray  # int64 pair indices, one per matched patient
    # The dual objective that proves the assignment optimal (equal to `value`), when
    # it was certified.
    bound: int | None = None

    @property
    def value(self) -> int:
        return int(self.candidates.value[self.pairs].sum())

    def alternatives(self, limit: int = ALTERNATIVES) -> dict[int, np.ndarray]:
        """For each matched patient's pair index, the pair indices of its runner-up
        candidates: the next best by value, the chosen one left out."""
        c = self.candidates
        if not len(c):
            return {}
        starts = np.flatnonzero(np.r_[True, c.patient[1:] != c.patient[:-1]])
        ends = np.r_[starts[1:], len(c)]
        start_of = dict(zip(c.patient[starts].tolist(), starts.tolist(), strict=True))
        end_of = dict(zip(c.patient[starts].tolist(), ends.tolist(), strict=True))
        result = {}
        for pair in self.pairs.tolist():
            patient = int(c.patient[pair])
            window = np.arange(
                start_of[patient], min(end_of[patient], start_of[patient] + limit + 1)
            )
            result[pair] = window[window != pair][:limit]
        return result


def solve(candidates: Candidates) -> Assignment:
    """The assignment of greatest total value, with its proof."""
    c = candidates
    if not len(c):
        return Assignment(c, np.empty(0, dtype=np.int64), bound=0)
    pairs = _solve_by_type(c)
    bound = certify(c, pairs)
    if bound is None:
        logger.warning("matching: the by-type solution was not certified; solving per patient")
        pairs = solve_full(c)
        bound = certify(c, pairs)
    return Assignment(c, pairs, bound=bound)


# --- by type ----------------------------------------------------------------------------


def _solve_by_type(c: Candidates) -> np.ndarray:
    """The optimum of the type flow (module docstring), expanded to pair indices."""
    n, m = len(c.patients), len(c.locations)
    starts = np.flatnonzero(np.r_[True, c.patient[1:] != c.patient[:-1]])
    lengths = np.diff(np.r_[starts, len(c)])
    owner = np.repeat(np.arange(len(starts)), lengths)  # row number of each pair
    best = np.maximum.reduceat(c.value, starts)  # a patient's priority, as it acts here
    below = best[owner] - c.value  # the pair's fit relative to the patient's best, >= 0
    kind, first = _types(c.location, below, starts, lengths)
    types = len(first)

    # Each type's patients in the order it matches them: priority, then first come.
    patient_of_row = c.patient[starts]
    order = np.lexsort(
        (c.patients.ids[patient_of_row], c.patients.registered[patient_of_row], -best, kind)
    )
    type_count = np.bincount(kind, minlength=types)
    new_class = np.r_[
        True, (kind[order][1:] != kind[order][:-1]) | (best[order][1:] != best[order][:-1])
    ]
    class_start = np.flatnonzero(new_class)
    class_count = np.diff(np.r_[class_start, len(order)])
    class_type = kind[order][class_start]
    class_value = best[order][class_start]

    # The type's candidate row, from its first patient (best fit first).
    arc_pair = _ranges(starts[first], lengths[first])
    arc_type = np.repeat(np.arange(types), lengths[first])
    arc_location = c.location[arc_pair]

    sink = 2 * types + m
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        class_type.astype(np.int32),
        (types + class_type).astype(np.int32),
        class_count.astype(np.int64),
        -class_value.astype(np.int64),
    )
    fit_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        (types + arc_type).astype(np.int32),
        (2 * types + arc_location).astype(np.int32),
        type_count[arc_type].astype(np.int64),
        below[arc_pair].astype(np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(types, dtype=np.int32),
        np.full(types, sink, dtype=np.int32),
        type_count.astype(np.int64),
        np.zeros(types, dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(2 * types, 2 * types + m, dtype=np.int32),
        np.full(m, sink, dtype=np.int32),
        c.locations.capacity.astype(np.int64),
        np.zeros(m, dtype=np.int64),
    )
    flow.set_nodes_supplies(np.arange(types, dtype=np.int32), type_count.astype(np.int64))
    flow.set_node_supply(sink, -len(starts))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")

    # Expand: a type's first k patients (k = its flow) take its units, best fit first.
    units = flow.flows(fit_arcs)
    matched_count = np.bincount(arc_type, weights=units, minlength=types).astype(np.int64)
    type_start = np.searchsorted(kind[order], np.arange(types))
    rank = np.arange(len(order)) - type_start[kind[order]]
    matched_rows = order[rank < matched_count[kind[order]]]
    target = np.full(n, -1, dtype=np.int64)
    target[patient_of_row[matched_rows]] = np.repeat(arc_location, units)
    return np.flatnonzero(c.location == target[c.patient]).astype(np.int64)


def _types(location, below, starts, lengths) -> tuple[np.ndarray, np.ndarray]:
    """Each row's type number, and the first row of each type. Rows are told apart by
    a 64-bit hash of their (location, relative value) pairs, with their length and two
    exact sums beside it; a collision would only cost the certificate (`solve`)."""
    key = (location.astype(np.uint64) << np.uint64(32)) | below.astype(np.uint64)
    signature = np.empty(
        len(starts),
        dtype=[("hash", "u8"), ("length", "i8"), ("locations", "i8"), ("below", "i8")],
    )
    signature["hash"] = np.add.reduceat(_mix(key), starts)
    signature["length"] = lengths
    signature["locations"] = np.add.reduceat(location.astype(np.int64), starts)
    signature["below"] = np.add.reduceat(below.astype(np.int64), starts)
    _, first, kind = np.unique(signature, return_index=True, return_inverse=True)
    return kind.ravel(), first


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads each key over all 64 bits before summing."""
    x = x.copy()
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of arange(start, start + length) for each pair, vectorised."""
    offsets = np.repeat(starts - np.cumsum(np.r_[0, lengths[:-1]]), lengths)
    return offsets + np.arange(int(lengths.sum()))


# --- per patient --------------------------------------------------------------------------


def solve_full(c: Candidates) -> np.ndarray:
    """The optimum of the patient-level flow, as pair indices:

    patient (supply 1) ──(1, −value)──▶ location ──(places, 0)──▶ sink
    patient ─────────────────────(1, 0)─────────────────────────▶ sink
    """
    patient_number, n = _numbering(c.patient, len(c.patients))
    location_number, m = _numbering(c.location, len(c.locations))
    locations = np.flatnonzero(location_number >= 0)
    sink = n + m
    flow = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        patient_number[c.patient],
        location_number[c.location] + n,
        np.ones(len(c), dtype=np.int64),
        -c.value.astype(np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n, dtype=np.int32),
        np.full(n, sink, dtype=np.int32),
        np.ones(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n, n + m, dtype=np.int32),
        np.full(m, sink, dtype=np.int32),
        c.locations.capacity[locations].astype(np.int64),
        np.zeros(m, dtype=np.int64),
    )
    flow.set_nodes_supplies(np.arange(n, dtype=np.int32), np.ones(n, dtype=np.int64))
    flow.set_node_supply(sink, -n)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    return np.flatnonzero(flow.flows(pair_arcs) > 0).astype(np.int64)


def _numbering(index: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """For entries 0..size-1, their rank among those `index` uses (-1 when unused),
    and how many are used: what np.unique and searchsorted give, without sorting."""
    used = np.zeros(size, dtype=bool)
    used[index] = True
    number = np.cumsum(used, dtype=np.int32) - 1
    number[~used] = -1
    return number, int(used.sum())


# --- the proof ----------------------------------------------------------------------------


def certify(c: Candidates, pairs: np.ndarray) -> int | None:
    """The dual objective proving `pairs` optimal, or None when they are not (or not
    provably within PRICE_ROUNDS).

    The linear program's dual gives each patient a utility u ≥ 0 and each location a
    price w ≥ 0 with u_p + w_l ≥ value_pl for every candidate pair. With the
    assignment fixed, complementary slackness sets u_p = value(p's pair) − w(its
    location) for a matched patient and 0 for the others; the least prices meeting
    every pair's constraint are found by raising them until nothing changes (a
    longest-path computation, Bellman–Ford by rounds). The assignment is optimal when
    it is feasible, those prices are 0 wherever places are left, no utility is
    negative, and the primal and dual objectives are equal."""
    n, m = len(c.patients), len(c.locations)
    capacity = c.locations.capacity.astype(np.int64)
    chosen_patient = c.patient[pairs]
    load = np.bincount(c.location[pairs], minlength=m)
    if len(np.unique(chosen_patient)) != len(pairs) or (load > capacity).any():
        return None
    at = np.zeros(n, dtype=np.int64)
    at[chosen_patient] = c.location[pairs]
    at_value = np.zeros(n, dtype=np.int64)
    at_value[chosen_patient] = c.value[pairs]
    matched = np.zeros(n, dtype=bool)
    matched[chosen_patient] = True
    price = np.zeros(m, dtype=np.int64)
    for _ in range(PRICE_ROUNDS):
        utility = np.where(matched, at_value - price[at], 0)
        raised = np.zeros(m, dtype=np.int64)
        np.maximum.at(raised, c.location, c.value - utility[c.patient])
        if (raised <= price).all():
            break
        price = np.maximum(price, raised)
    else:
        return None
    utility = np.where(matched, at_value - price[at], 0)
    if (utility < 0).any() or (price[load < capacity] != 0).any():
        return None
    if (utility[c.patient] + price[c.location] < c.value).any():
        return None
    primal = int(c.value[pairs].sum())
    dual = int(utility.sum() + (capacity * price).sum())
    return dual if dual == primal else None
