"""ETags and If-Match for the resources the API lets a caller change.

A resource's ETag is a strong tag made from its pk and its version: the values that
change whenever it does (`updated_at`, a status, its current declaration…), so reading
it costs no extra work. Every GET of such a resource answers with its `ETag`; every
write on it (PATCH, or an action such as a referral transition or a verification)
honours `If-Match`:

- no If-Match: the write goes ahead (clients that do not track versions keep working);
- a tag that is current, or `*`: the write goes ahead;
- anything else (a stale tag, a weak `W/` tag, a malformed header): 412, nothing written.

The comparison runs inside the write's transaction, on the row read again under
SELECT … FOR UPDATE — the lock the services take themselves — so two callers holding
the same tag cannot both pass it: the second one sees the first one's change and gets
the 412."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils.http import parse_etags
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = _(
        "This resource changed since you read it. Read it again and send its new ETag in If-Match."
    )


def make_etag(obj, version: tuple) -> str:
    """A strong ETag (quoted) for `obj` at `version`."""
    raw = "|".join([obj._meta.label_lower, str(obj.pk), *(str(part) for part in version)])
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def if_match_allows(header: str, etag: str) -> bool:
    """Strong comparison of an If-Match header with the current `etag` (RFC 9110 13.1.1)."""
    tags = parse_etags(header)
    return "*" in tags or etag in tags


class ETagMixin:
    """For a viewset whose resource can be changed through the API.

    Subclasses give `etag_version(obj)` and name, in `etag_write_actions`, the actions
    that honour If-Match, and in `etag_read_actions` those whose response carries the
    resource's ETag (the schema documents both from these sets). A write runs inside
    `with self.write_lock(obj) as current:`, which locks the row, checks If-Match
    against it and yields it fresh."""

    etag_read_actions: frozenset[str] = frozenset({"retrieve"})
    etag_write_actions: frozenset[str] = frozenset()

    def etag_version(self, obj) -> tuple:
        raise NotImplementedError

    def etag_for(self, obj) -> str:
        return make_etag(obj, self.etag_version(obj))

    def etag_response(self, data, obj, *, status: int = 200) -> Response:
        response = Response(data, status=status)
        response["ETag"] = self.etag_for(obj)
        return response

    def check_if_match(self, obj) -> None:
        header = self.request.headers.get("If-Match", "").strip()
        if header and not if_match_allows(header, self.etag_for(obj)):
            raise PreconditionFailed

    def lock_for_write(self, obj):
        """`obj` read again under its row lock; override to lock another row."""
        return type(obj)._default_manager.select_for_update().get(pk=obj.pk)

    @contextmanager
    def write_lock(self, obj) -> Iterator:
        with transaction.atomic():
            current = self.lock_for_write(obj)
            self.check_if_match(current)
            yield current
