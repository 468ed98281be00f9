import uuid

import django.core.validators
from django.db import migrations, models

import engagement.models


def give_each_resource_a_key(apps, schema_editor):
    Resource = apps.get_model("engagement", "Resource")
    for resource in Resource.objects.filter(key__isnull=True).only("pk"):
        resource.key = uuid.uuid4()
        resource.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_messages_and_tracking")]

    operations = [
        migrations.AddField(
            model_name="resource",
            name="key",
            field=models.UUIDField(editable=False, null=True, verbose_name="key"),
        ),
        migrations.RunPython(give_each_resource_a_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="resource",
            name="key",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="key"
            ),
        ),
        migrations.AddField(
            model_name="resource",
            name="file",
            field=models.FileField(
                blank=True,
                upload_to=engagement.models.resource_upload_path,
                validators=[
                    django.core.validators.FileExtensionValidator(
                        ("pdf", "docx", "xlsx", "pptx", "odt", "txt", "png", "jpg", "jpeg")
                    )
                ],
                verbose_name="file",
            ),
        ),
        migrations.AlterField(
            model_name="resource",
            name="url",
            field=models.URLField(
                blank=True,
                max_length=2000,
                validators=[django.core.validators.URLValidator(schemes=["http", "https"])],
                verbose_name="address",
            ),
        ),
        migrations.AddConstraint(
            model_name="resource",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("url", ""), models.Q(("file", ""), _negated=True)),
                    models.Q(models.Q(("url", ""), _negated=True), ("file", "")),
                    _connector="OR",
                ),
                name="resource_address_or_file",
            ),
        ),
    ]
