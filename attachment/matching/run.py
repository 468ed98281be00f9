"""A matching run: started by a person, executed by a Celery job, ending in proposals.

`matching_run_start` records the run (and its audit row) and enqueues the job on
commit with the run's id only. `matching_run_execute` reads the candidates, solves,
and writes the proposal set in one transaction: the OHT's earlier proposals still
waiting for a decision are superseded, so staff review one set at a time. Progress
and stage are written as it goes, outside that transaction, for the page to poll."""

import json
import logging
from collections.abc import Iterable
from itertools import islice

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from attachment.choices import MatchingRunStatus, ProposalStatus
from attachment.matching.candidates import VIRTUAL, Candidates, read_candidates
from attachment.matching.explain import reasons_for, totals
from attachment.matching.greedy import greedy
from attachment.matching.solver import Assignment, solve
from attachment.models import MatchingRun, Proposal
from oht_portal.audit import audit_record
from oht_portal.choices import PATIENT_DATA_ROLES, AuditAction, AuditOutcome
from oht_portal.models import OHT, AuditEvent
from oht_portal.scoping import ohts_for_user, roles_of

logger = logging.getLogger(__name__)

# Stages, stored untranslated and worded on display (MatchingRun.stage).
STAGE_READING = gettext_noop("reading candidates")
STAGE_SOLVING = gettext_noop("solving")
STAGE_WRITING = gettext_noop("writing proposals")
STAGE_DONE = gettext_noop("done")
BATCH = 5000


def matching_run_start(
    *, oht: OHT, include_partners: bool = False, actor=None, request=None
) -> MatchingRun:
    """Record a run for `oht` and enqueue its job once the run is committed. Only
    someone who may see the OHT's patients may start one."""
    from attachment.matching.tasks import matching_run_execute

    if (
        actor is not None
        and not ohts_for_user(actor, roles=PATIENT_DATA_ROLES).filter(pk=oht.pk).exists()
    ):
        raise PermissionDenied(_("You may not run matching for this OHT."))
    with transaction.atomic():
        run = MatchingRun.objects.create(
            oht=oht,
            include_partners=include_partners,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            request=request,
            obj=run,
            oht_code=oht.code,
            detail={"include_partners": include_partners},
        )
        transaction.on_commit(lambda: matching_run_execute.delay(run.pk))
    return run


def _progress(run: MatchingRun, stage: str, progress: int, **fields) -> None:
    MatchingRun.objects.filter(pk=run.pk).update(stage=stage, progress=progress, **fields)


def matching_run_execute(run_id: int) -> str:
    """The job's body. Ends `done` with its proposals, or `failed` with a message that
    names no patient."""
    run = MatchingRun.objects.select_related("oht", "created_by").get(pk=run_id)
    if run.status == MatchingRunStatus.DONE:
        return run.status
    _progress(
        run,
        STAGE_READING,
        5,
        status=MatchingRunStatus.RUNNING,
        started_at=timezone.now(),
        error="",
    )
    try:
        candidates = read_candidates(run.oht, include_partners=run.include_partners)
        _progress(run, STAGE_SOLVING, 40)
        best = solve(candidates)
        first_come = greedy(candidates)
        _progress(run, STAGE_WRITING, 70)
        count = _write_proposals(run, candidates, best)
        MatchingRun.objects.filter(pk=run.pk).update(
            status=MatchingRunStatus.DONE,
            stage=STAGE_DONE,
            progress=100,
            finished_at=timezone.now(),
            totals={**totals(best), **candidates.stats, "proposals": count},
            greedy_totals=totals(first_come),
        )
        return MatchingRunStatus.DONE
    except Exception as error:
        # The type only: a database error's text may quote row values.
        logger.error("matching run %s failed: %s", run_id, type(error).__name__)
        MatchingRun.objects.filter(pk=run.pk).update(
            status=MatchingRunStatus.FAILED,
            finished_at=timezone.now(),
            error=_("The matching run failed (%(kind)s). Start it again, or tell the site admin.")
            % {"kind": type(error).__name__},
        )
        return MatchingRunStatus.FAILED


@transaction.atomic
def _write_proposals(run: MatchingRun, candidates: Candidates, best: Assignment) -> int:
    """Write the new set and one audit row per proposal, then supersede what is still
    proposed for this OHT (or for these patients) from earlier runs."""
    c = candidates
    pairs = best.pairs
    reasons = _reasons_json(c, pairs)
    alternatives = _alternatives_json(c, pairs, best.alternatives())
    patient_ids = c.patients.ids[c.patient[pairs]].tolist()
    location_ids = c.locations.ids[c.location[pairs]].tolist()
    scores = np.round(c.score[pairs], 1).tolist()
    km = c.km[pairs].tolist()
    virtual = ((c.flags[pairs] & VIRTUAL) != 0).tolist()
    proposed = ProposalStatus.PROPOSED.value
    # A generator: COPY sends each batch as it is made, so the server parses and
    # indexes one batch while the next is formatted (on the other core).
    rows = (
        (
            run.pk,
            patient_ids[i],
            location_ids[i],
            scores[i],
            None if virtual[i] or km[i] != km[i] else round(km[i], 1),
            reasons[i],
            alternatives[i],
            proposed,
        )
        for i in range(len(patient_ids))
    )
    _insert(
        Proposal,
        ["run", "patient", "location", "score", "distance_km", "reasons", "alternatives", "status"],
        rows,
    )
    _audit_proposals(run, c, best)
    # After the insert, so "these patients" is a subquery, not a list of ids to send.
    these_patients = Proposal.objects.filter(run=run).values("patient_id")
    Proposal.objects.filter(status=ProposalStatus.PROPOSED).filter(
        Q(run__oht=run.oht) | Q(patient_id__in=these_patients)
    ).exclude(run=run).update(status=ProposalStatus.SUPERSEDED)
    return len(patient_ids)


def _alternatives_json(c: Candidates, pairs: np.ndarray, runners_up: dict) -> list[str]:
    """Each chosen pair's runners-up as the JSON text `json.dumps` gives
    [{"location": id, "score": s, "reasons": [...]}, ...]: written out directly, since
    dumping 450,000 small dicts one by one took seconds."""
    counts = [len(runners_up[chosen]) for chosen in pairs.tolist()]
    if not sum(counts):
        return ["[]"] * len(counts)
    alternative_pairs = np.concatenate([runners_up[chosen] for chosen in pairs.tolist()])
    alternative_pairs = alternative_pairs.astype(np.int64)
    # Only the pairs written are read out of the (province: 13 M) pair arrays.
    reasons = _reasons_json(c, alternative_pairs)
    locations = c.locations.ids[c.location[alternative_pairs]].tolist()
    scores = np.round(c.score[alternative_pairs], 1).tolist()
    result = []
    at = 0
    for count in counts:
        result.append(
            "["
            + ", ".join(
                f'{{"location": {locations[k]}, "score": {scores[k]!r}, "reasons": {reasons[k]}}}'
                for k in range(at, at + count)
            )
            + "]"
        )
        at += count
    return result


def _reasons_json(c: Candidates, pairs: np.ndarray) -> list[str]:
    """`json.dumps(reasons_for(c, pairs))` pair by pair, computed once per distinct
    reason set: the reasons depend only on cohort, complex vulnerability, months
    waited, the pair's flags, the patient's language and the rounded distance, and a
    province's 600,000 written pairs share a few thousand of them."""
    pairs = np.asarray(pairs, dtype=np.int64)
    if not len(pairs):
        return []
    patients = c.patient[pairs]
    flags = c.flags[pairs].astype(np.int64)
    km = c.km[pairs]
    # Python's round() on the float32 value, as reasons_for does: both round half to even.
    km_code = np.where(np.isnan(km), -1, np.rint(km.astype(np.float64))).astype(np.int64)
    languages = np.unique(
        np.asarray(c.patients.language, dtype=object)[patients].astype(str), return_inverse=True
    )[1]
    key = np.stack(
        [
            c.patients.cohort[patients].astype(np.int64),
            c.patients.complex_vulnerable[patients].astype(np.int64),
            c.patients.months[patients].astype(np.int64),
            flags,
            languages.astype(np.int64).reshape(-1),
            km_code,
        ],
        axis=1,
    )
    _unique, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    texts = [json.dumps(reasons) for reasons in reasons_for(c, pairs[first])]
    return [texts[i] for i in inverse.reshape(-1).tolist()]


def _insert(model, fields: list[str], rows: Iterable[tuple]) -> None:
    """Insert rows (JSON columns given as JSON text): COPY on PostgreSQL, where a
    province's 150,000 proposals take seconds; batched INSERTs elsewhere. `rows` may
    be a generator: it is read one batch at a time."""
    columns = [model._meta.get_field(name).column for name in fields]
    if connection.vendor == "postgresql":
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        table = connection.ops.quote_name(model._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {table} ({names}) FROM STDIN"  # noqa: S608 - names from the model
            ) as copy,
        ):
            rows = iter(rows)
            while batch := list(islice(rows, BATCH)):
                copy.write(_copy_text(batch))
        return
    json_fields = {
        i
        for i, name in enumerate(fields)
        if model._meta.get_field(name).get_internal_type() == "JSONField"
    }
    objects = [
        model(
            **{
                column: json.loads(value) if i in json_fields else value
                for i, (column, value) in enumerate(zip(columns, row, strict=True))
            }
        )
        for row in rows
    ]
    model.objects.bulk_create(objects, batch_size=BATCH)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(rows: list[tuple]) -> str:
    """Rows in COPY's text format (NULL as \\N, backslash, tab and newlines escaped):
    one string per batch is much faster than psycopg's write_row for each row."""
    return "".join(
        "\t".join("\\N" if v is None else str(v).translate(_COPY_ESCAPES) for v in row) + "\n"
        for row in rows
    )


def _audit_proposals(run: MatchingRun, c: Candidates, best: Assignment) -> None:
    """One CREATE row per proposal, naming its patient: the job acts for the person
    who started the run."""
    actor = run.created_by
    codes = dict(OHT.objects.filter(pk__in=set(c.patients.oht.tolist())).values_list("pk", "code"))
    now = timezone.now()
    actor_id = actor.pk if actor else None
    email = actor.email if actor else ""
    roles = ",".join(roles_of(actor))[:200] if actor else ""
    patients = c.patient[best.pairs]
    rows = (
        (
            now,
            actor_id,
            email,
            roles,
            codes.get(oht, ""),
            AuditAction.CREATE.value,
            MatchingRun._meta.label_lower,
            str(run.pk),
            patient,
            "",
            None,
            AuditOutcome.SUCCESS.value,
            json.dumps({"proposal_for_location": location}),
        )
        for oht, patient, location in zip(
            c.patients.oht[patients].tolist(),
            c.patients.ids[patients].tolist(),
            c.locations.ids[c.location[best.pairs]].tolist(),
            strict=True,
        )
    )
    _insert(
        AuditEvent,
        [
            "occurred_at",
            "actor_id",
            "actor_email",
            "actor_roles",
            "oht_code",
            "action",
            "object_type",
            "object_id",
            "patient_id",
            "path",
            "ip_address",
            "outcome",
            "detail",
        ],
        rows,
    )
