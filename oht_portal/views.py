"""Pages of the portal shell: home, health, the audit trail and API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oht_portal.audit import audit_record
from oht_portal.celery import app as celery_app
from oht_portal.choices import AUDIT_ROLES, AuditAction, Role
from oht_portal.forms import ApiTokenForm, AuditQueryForm
from oht_portal.models import Membership
from oht_portal.scoping import ohts_for_user
from oht_portal.selectors import api_tokens_of, audit_events_for
from oht_portal.services import api_token_create, api_token_revoke


@login_required
@require_GET
def home(request):
    memberships = Membership.objects.filter(user=request.user).select_related("oht", "oht__region")
    return render(request, "oht_portal/home.html", {"memberships": memberships})


@login_required
@require_GET
def oht_profile(request, code: str):
    """Who is who for one OHT: the contact care connectors call, the custodian, the PCN
    clinical leads and the aligned care connectors. Members of the OHT only."""
    oht = get_object_or_404(ohts_for_user(request.user).select_related("region"), code=code)
    people = {
        role: oht.members_with_role(role).order_by("full_name", "email")
        for role in (Role.PCN_LEAD, Role.CARE_CONNECTOR, Role.OHT_STAFF, Role.PRIVACY_LEAD)
    }
    return render(
        request,
        "oht_portal/oht_profile.html",
        {
            "oht": oht,
            "fsas": oht.served_fsas.all(),
            "pcn_leads": people[Role.PCN_LEAD],
            "care_connectors": people[Role.CARE_CONNECTOR],
            "staff": people[Role.OHT_STAFF],
            "privacy_leads": people[Role.PRIVACY_LEAD],
        },
    )


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # any failure means "down" to an operator
        return "down"


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "eager"  # the embedded default: tasks run in-process, there is no broker
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        return "down"


@never_cache
@require_GET
def health(request):
    """For operators and load balancers: 200 when the database and broker answer."""
    status = {"database": _database_status(), "broker": _broker_status()}
    healthy = all(value in {"ok", "eager"} for value in status.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **status}, status=200 if healthy else 503
    )


@login_required
@require_GET
def audit_log(request):
    """The read-only audit trail for privacy leads; each query is itself audited."""
    if not (request.user.is_superuser or ohts_for_user(request.user, roles=AUDIT_ROLES).exists()):
        raise PermissionDenied
    form = AuditQueryForm(request.GET or None)
    page = None
    import_history = None
    if form.is_valid():
        # The audit trail holds ids only; the patient app turns an HCC id into one.
        from attachment.selectors import patient_import_history, patient_pk_for_hcc_id

        data = form.cleaned_data
        patient_id = actor_id = None
        if data["hcc_id"]:
            patient_id = patient_pk_for_hcc_id(data["hcc_id"]) or -1
        if data["email"]:
            actor_id = (
                get_user_model()
                .objects.filter(email__iexact=data["email"])
                .values_list("pk", flat=True)
                .first()
                or -1
            )
        events = audit_events_for(
            user=request.user,
            patient_id=patient_id,
            actor_id=actor_id,
            since=data["since"],
            until=data["until"],
        )
        page = Paginator(events, 100).get_page(request.GET.get("page"))
        if patient_id:
            import_history = patient_import_history(
                user=request.user, patient_id=patient_id, roles=AUDIT_ROLES
            )[:100]
        audit_record(
            actor=request.user,
            action=AuditAction.AUDIT_QUERY,
            request=request,
            detail={
                "patient_id": patient_id,
                "actor_id": actor_id,
                "since": str(data["since"] or ""),
                "until": str(data["until"] or ""),
            },
        )
    return render(
        request,
        "oht_portal/audit_log.html",
        {"form": form, "page": page, "import_history": import_history},
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """Each person makes and revokes their own API tokens; the clear token shows once."""
    new_token = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _instance, new_token = api_token_create(
            user=request.user, days=form.cleaned_data["days"], request=request
        )
        form = ApiTokenForm()
    return render(
        request,
        "oht_portal/api_tokens.html",
        {"form": form, "tokens": api_tokens_of(user=request.user), "new_token": new_token},
    )


@login_required
@require_POST
def api_token_revoke_view(request, token_key: str):
    if api_token_revoke(user=request.user, token_key=token_key, request=request):
        messages.success(request, _("The token was revoked."))
    else:
        messages.error(request, _("No such token."))
    return redirect("api_tokens")
