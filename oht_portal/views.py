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
from django.views.defaults import page_not_found

from oht_portal.api.exceptions import error_body
from oht_portal.audit import audit_record
from oht_portal.celery import app as celery_app
from oht_portal.choices import AUDIT_ROLES, AuditAction, Role
from oht_portal.forms import ApiTokenForm, AuditQueryForm
from oht_portal.models import Membership
from oht_portal.scoping import ohts_for_user
from oht_portal.selectors import (
    api_read_alerts_for,
    api_token_history_of,
    api_tokens_of,
    audit_events_for,
    connector_get_for_admin,
    connectors_administered_by,
)
from oht_portal.services import (
    ApplicationError,
    api_read_alert_close,
    api_token_create,
    api_token_revoke,
)


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
        {
            "form": form,
            "page": page,
            "import_history": import_history,
            "alerts": api_read_alerts_for(user=request.user)[:50],
        },
    )


def _token_form_submit(request, *, user, created_by, oht=None):
    """Validate the new-token form; on success the clear token (shown once) and a fresh
    form, else None and the bound form with its errors."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return None, form
    data = form.cleaned_data
    try:
        _instance, token = api_token_create(
            user=user,
            days=data["days"],
            scope=data["scope"],
            label=data["label"],
            created_by=created_by,
            oht=oht,
            request=request,
        )
    except ApplicationError as error:
        form.add_error(None, str(error))
        return None, form
    return token, ApiTokenForm()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """Each person makes and revokes their own API tokens; the clear token shows once.
    OHT administrators also find here the care connectors whose tokens they manage."""
    new_token = None
    form = ApiTokenForm()
    if request.method == "POST":
        new_token, form = _token_form_submit(request, user=request.user, created_by=request.user)
    return render(
        request,
        "oht_portal/api_tokens.html",
        {
            "form": form,
            "tokens": api_tokens_of(user=request.user),
            "history": api_token_history_of(user=request.user),
            "new_token": new_token,
            "connectors": connectors_administered_by(user=request.user),
        },
    )


@login_required
@require_POST
def api_token_revoke_view(request, token_key: str):
    grant = api_tokens_of(user=request.user).filter(token_key=token_key).first()
    if grant is not None and api_token_revoke(actor=request.user, grant=grant, request=request):
        messages.success(request, _("The token was revoked."))
    else:
        messages.error(request, _("No such token."))
    return redirect("api_tokens")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def connector_api_tokens(request, user_id: int):
    """An OHT administrator makes and revokes the tokens of one of their OHTs' care
    connectors. Anyone else (another OHT's connector, a non-connector) is a 404."""
    connector, oht = connector_get_for_admin(user=request.user, pk=user_id)
    new_token = None
    form = ApiTokenForm()
    if request.method == "POST":
        new_token, form = _token_form_submit(
            request, user=connector, created_by=request.user, oht=oht
        )
    return render(
        request,
        "oht_portal/connector_api_tokens.html",
        {
            "connector": connector,
            "oht": oht,
            "form": form,
            "tokens": api_tokens_of(user=connector),
            "history": api_token_history_of(user=connector),
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def connector_api_token_revoke(request, user_id: int, token_key: str):
    connector, oht = connector_get_for_admin(user=request.user, pk=user_id)
    grant = api_tokens_of(user=connector).filter(token_key=token_key).first()
    if grant is not None and api_token_revoke(
        actor=request.user, grant=grant, oht=oht, request=request
    ):
        messages.success(request, _("The token was revoked."))
    else:
        messages.error(request, _("No such token."))
    return redirect("connector_api_tokens", user_id=connector.pk)


@login_required
@require_POST
def api_read_alert_close_view(request, pk: int):
    """A privacy lead revokes the token behind an unusual-read alert, or dismisses it."""
    alert = get_object_or_404(api_read_alerts_for(user=request.user), pk=pk)
    revoke = request.POST.get("action") == "revoke"
    # The audit row goes to an OHT of the privacy lead that the person belongs to.
    oht = (
        ohts_for_user(request.user, roles=AUDIT_ROLES)
        .filter(memberships__user_id=alert.user_id)
        .order_by("code")
        .first()
    )
    if api_read_alert_close(
        actor=request.user, alert=alert, revoke_token=revoke, oht=oht, request=request
    ):
        if revoke:
            messages.success(request, _("The alert is closed and its token revoked."))
        else:
            messages.success(request, _("The alert is closed."))
    return redirect("audit_log")


def not_found(request, exception=None):
    """The 404 of the whole site: the API's JSON error shape under /api/, so a client
    that mistypes a path gets the same answer as for a missing record; the page
    otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("not_found", _("Not found.")),
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return page_not_found(request, exception)
