from rest_framework import serializers

from oht_portal.models import OHT, ImportRun


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(source="get_full_name", read_only=True)
    email = serializers.EmailField(read_only=True)


class OHTSerializer(serializers.ModelSerializer):
    """An OHT as care connectors need it: who to call and who holds the data."""

    region = serializers.CharField(source="region.code", read_only=True)
    fsas = serializers.SerializerMethodField()
    primary_contact = ContactSerializer(read_only=True, allow_null=True)

    class Meta:
        model = OHT
        fields = [
            "code",
            "name_en",
            "name_fr",
            "region",
            "fsas",
            "primary_contact",
            "custodian_name",
            "custodian_contact_email",
        ]
        read_only_fields = fields

    def get_fsas(self, oht: OHT) -> list[str]:
        return [served.fsa for served in oht.served_fsas.all()]


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: `required`, `invalid`, …")
    message = serializers.CharField(help_text="For people, in the caller's language.")


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers has this shape (oht_portal.api.exceptions)."""

    code = serializers.CharField(
        help_text="Stable, for programs: `invalid`, `not_found`, `not_authenticated`, "
        "`permission_denied`, `precondition_failed`, `throttled`, or the rule a service "
        "applied (`no_capacity_left`, `illegal_transition`, `rule_broken`, …)."
    )
    message = serializers.CharField(help_text="For people, in the caller's language.")
    fields = serializers.DictField(
        child=FieldErrorSerializer(many=True),
        help_text="Each field that was wrong and why; empty when the error is not about fields.",
    )


class ImportRunSerializer(serializers.ModelSerializer):
    """Where an extract's import stands: its kind, status, dates and counts. Nothing of
    the file (name, content, rows, issues): runs are status only. `ohts` lists only the
    caller's OHTs among those the run covered (every one for a site admin)."""

    status = serializers.ChoiceField(choices=ImportRun.Status.choices, read_only=True)
    trigger = serializers.ChoiceField(choices=ImportRun.Trigger.choices, read_only=True)
    ohts = serializers.SerializerMethodField()

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "kind",
            "status",
            "trigger",
            "extract_date",
            "queued_at",
            "started_at",
            "finished_at",
            "rows_read",
            "rows_created",
            "rows_updated",
            "rows_unchanged",
            "rows_rejected",
            "warnings_count",
            "ohts",
        ]
        read_only_fields = fields

    def get_ohts(self, run: ImportRun) -> list[str]:
        mine = self.context.get("oht_ids")
        return sorted(oht.code for oht in run.ohts.all() if mine is None or oht.pk in mine)
