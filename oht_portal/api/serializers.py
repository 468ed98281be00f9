from rest_framework import serializers

from oht_portal.models import OHT


class OHTSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    fsas = serializers.SerializerMethodField()

    class Meta:
        model = OHT
        fields = ["code", "name_en", "name_fr", "region", "fsas"]
        read_only_fields = fields

    def get_fsas(self, oht: OHT) -> list[str]:
        return [served.fsa for served in oht.served_fsas.all()]
