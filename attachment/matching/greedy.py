"""A first-come pass, for comparison only: patients in order of registration, each
taking their best candidate that still has room. This is how matching one patient at
a time by hand goes; the run shows its totals beside the optimum's so staff see the
gain. It is never the answer (architecture: a greedy pass is a fallback, never the
answer)."""

import numpy as np

from attachment.matching.candidates import Candidates
from attachment.matching.solver import Assignment


def greedy(candidates: Candidates) -> Assignment:
    c = candidates
    if not len(c):
        return Assignment(c, np.empty(0, dtype=np.int64))
    starts = np.flatnonzero(np.r_[True, c.patient[1:] != c.patient[:-1]])
    ends = np.r_[starts[1:], len(c)]
    first_come = np.lexsort(
        (c.patients.ids[c.patient[starts]], c.patients.registered[c.patient[starts]])
    )
    room = c.locations.capacity.tolist()
    location = c.location.tolist()
    chosen = []
    for group in first_come.tolist():
        for pair in range(int(starts[group]), int(ends[group])):
            if room[location[pair]] > 0:
                room[location[pair]] -= 1
                chosen.append(pair)
                break
    return Assignment(c, np.array(chosen, dtype=np.int64))
