"""Primary care teams of the person's OHTs, with their locations; editors create and
change them through `team_save`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clinicians.forms import TeamForm
from clinicians.models import PracticeLocation
from clinicians.selectors import team_list
from clinicians.services import team_save
from clinicians.views.directory import editable_ohts, may_edit


@login_required
@require_http_methods(["GET", "POST"])
def team_index(request):
    """GET lists the teams; POST creates one in an OHT the person edits."""
    ohts = editable_ohts(request.user)
    form = None
    if ohts.exists():
        form = TeamForm(request.POST or None, ohts=ohts)
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        team = team_save(team=form.save(commit=False), actor=request.user, request=request)
        messages.success(request, _("Team “%(name)s” created.") % {"name": team.name})
        return redirect("clinicians:team_list")
    edit_oht_ids = set(ohts.values_list("pk", flat=True))
    locations = PracticeLocation.objects.select_related("clinician").order_by("practice_name", "pk")
    teams = list(team_list(user=request.user).prefetch_related(Prefetch("locations", locations)))
    for team in teams:
        team.may_edit = team.oht_id in edit_oht_ids
    return render(
        request,
        "clinicians/team_list.html",
        {"teams": teams, "form": form},
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request, pk: int):
    team = get_object_or_404(team_list(user=request.user), pk=pk)
    if not may_edit(request.user, team.oht_id):
        raise PermissionDenied
    # The heading keeps the stored name while a changed one is still being corrected.
    stored_name = team.name
    form = TeamForm(request.POST or None, instance=team, ohts=editable_ohts(request.user))
    if request.method == "POST" and form.is_valid():
        team_save(team=form.save(commit=False), actor=request.user, request=request)
        messages.success(request, _("Team “%(name)s” saved.") % {"name": team.name})
        return redirect("clinicians:team_list")
    return render(
        request,
        "clinicians/team_edit.html",
        {"team": team, "team_name": stored_name, "form": form},
        status=400 if form.is_bound else 200,
    )


urlpatterns = [
    path("teams/", team_index, name="team_list"),
    path("teams/<int:pk>/edit/", team_edit, name="team_edit"),
]
