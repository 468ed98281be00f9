from rest_framework import serializers

from oht_portal.models import OHT


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
