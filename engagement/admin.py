"""Engagement in the admin, scoped like the pages: the OHTs where the person may
message clinicians. What recipients did (deliveries, opens, clicks, answers) is a
record, read-only here."""

from django.contrib import admin

from engagement.choices import MessageStatus
from engagement.models import Answer, Click, Message, Question, Recipient, Resource, TrackedLink
from oht_portal.admin_mixins import OHTScopedAdminMixin, ReadOnlyAdminMixin
from oht_portal.choices import DIRECTORY_EDIT_ROLES
from oht_portal.scoping import scope_to_user


class EngagementScopedAdmin(OHTScopedAdminMixin, admin.ModelAdmin):
    def get_queryset(self, request):
        # Skip the mixin's patient-data roles: engagement is for DIRECTORY_EDIT_ROLES.
        return scope_to_user(
            admin.ModelAdmin.get_queryset(self, request),
            request.user,
            oht_field=self.scope_oht_field,
            roles=DIRECTORY_EDIT_ROLES,
        )


@admin.register(Resource)
class ResourceAdmin(EngagementScopedAdmin):
    list_display = ["title_en", "oht", "language", "audience", "active", "created_at"]
    list_filter = ["oht", "language", "audience", "active"]
    search_fields = ["title_en", "title_fr", "url"]
    list_select_related = ["oht"]
    readonly_fields = ["created_by", "created_at"]


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["position", "kind", "text_en", "text_fr"]
    extra = 0


@admin.register(Message)
class MessageAdmin(EngagementScopedAdmin):
    """A draft's texts can be corrected here; a sent message is a record, read-only.
    Sending and its figures are the portal's."""

    list_display = ["subject_en", "oht", "kind", "status", "sent_at", "recipient_count"]
    list_filter = ["oht", "kind", "status"]
    search_fields = ["subject_en", "subject_fr"]
    list_select_related = ["oht"]
    date_hierarchy = "created_at"
    filter_horizontal = ["resources"]
    readonly_fields = ["status", "created_by", "created_at", "sent_at", "recipient_count"]
    inlines = [QuestionInline]

    def has_change_permission(self, request, obj=None) -> bool:
        draft = obj is None or obj.status == MessageStatus.DRAFT
        return draft and super().has_change_permission(request, obj)


@admin.register(Question)
class QuestionAdmin(EngagementScopedAdmin):
    scope_oht_field = "message__oht"
    list_display = ["message", "position", "kind", "text_en"]
    list_filter = ["kind"]
    search_fields = ["text_en", "text_fr", "message__subject_en"]
    list_select_related = ["message"]


class RecordAdmin(ReadOnlyAdminMixin, EngagementScopedAdmin):
    """Written by sending and by recipients' own actions only."""


@admin.register(Recipient)
class RecipientAdmin(RecordAdmin):
    scope_oht_field = "message__oht"
    list_display = [
        "clinician",
        "message",
        "language",
        "status",
        "sent_at",
        "opened_at",
        "clicked_at",
        "answered_at",
    ]
    list_filter = ["status", "language", "message__kind"]
    search_fields = ["clinician__family_name", "=clinician__registration_number"]
    list_select_related = ["clinician", "message"]


@admin.register(TrackedLink)
class TrackedLinkAdmin(RecordAdmin):
    scope_oht_field = "message__oht"
    list_display = ["url", "message", "position"]
    search_fields = ["url", "message__subject_en"]
    list_select_related = ["message"]


@admin.register(Click)
class ClickAdmin(RecordAdmin):
    scope_oht_field = "recipient__message__oht"
    list_display = ["clicked_at", "tracked_link", "recipient"]
    list_filter = ["recipient__message__oht"]
    search_fields = ["tracked_link__url", "recipient__clinician__family_name"]
    list_select_related = ["tracked_link", "recipient__clinician"]
    date_hierarchy = "clicked_at"


@admin.register(Answer)
class AnswerAdmin(RecordAdmin):
    scope_oht_field = "recipient__message__oht"
    list_display = ["question", "recipient", "location", "text", "answered_at"]
    list_filter = ["question__kind", "recipient__message__oht"]
    search_fields = ["text", "recipient__clinician__family_name", "question__text_en"]
    list_select_related = ["question", "recipient__clinician", "location"]
    date_hierarchy = "answered_at"
