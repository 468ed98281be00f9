"""The optimal assignment: every open place at once, as a min-cost flow.

    patient (supply 1) ──(1, −value)──▶ location ──(places, 0)──▶ sink (takes all)
    patient ─────────────────────(1, 0)─────────────────────────▶ sink

Each patient supplies one unit and the sink takes them all; a unit that goes straight
to the sink is a patient left unmatched, at no cost. The cheapest flow is therefore
the assignment of greatest total value (OR-Tools' SimpleMinCostFlow is exact on
integer costs). Supplies on the patients, rather than one source node with an arc to
each of them, give the same optimum about a fifth faster. Every candidate pair is
worth at least 1 (candidates: BASE), so the optimum never leaves a place empty while a
patient who could take it waits unmatched: moving that patient's unit onto the pair
would lower the cost.
"""

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from attachment.matching.candidates import Candidates

ALTERNATIVES = 3


class SolverError(Exception):
    """OR-Tools did not reach an optimum (a bug or an impossible cost range)."""


@dataclass
class Assignment:
    """Chosen pairs, as indices into the candidates' pair arrays."""

    candidates: Candidates
    pairs: np.ndarray  # int64 pair indices, one per matched patient

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
    """The assignment of greatest total value."""
    c = candidates
    if not len(c):
        return Assignment(c, np.empty(0, dtype=np.int64))
    # Nodes: 0..n-1 patients, n..n+m-1 locations (each in number order), n+m the sink.
    # Numbered by a table lookup rather than np.unique: sorting 13 M pairs took 2 s.
    patient_number, n = _numbering(c.patient, len(c.patients))
    location_number, m = _numbering(c.location, len(c.locations))
    locations = np.flatnonzero(location_number >= 0)
    patient_node = patient_number[c.patient]
    location_node = location_number[c.location] + n
    sink = n + m
    capacity = c.locations.capacity[locations].astype(np.int64)

    flow = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        patient_node, location_node, np.ones(len(c), dtype=np.int64), -c.value.astype(np.int64)
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
        capacity,
        np.zeros(m, dtype=np.int64),
    )
    flow.set_nodes_supplies(np.arange(n, dtype=np.int32), np.ones(n, dtype=np.int64))
    flow.set_node_supply(sink, -n)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    chosen = np.flatnonzero(flow.flows(pair_arcs) > 0)
    return Assignment(c, chosen.astype(np.int64))


def _numbering(index: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """For entries 0..size-1, their rank among those `index` uses (-1 when unused),
    and how many are used: what np.unique and searchsorted give, without sorting."""
    used = np.zeros(size, dtype=bool)
    used[index] = True
    number = np.cumsum(used, dtype=np.int32) - 1
    number[~used] = -1
    return number, int(used.sum())
