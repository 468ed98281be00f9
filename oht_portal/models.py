"""Cross-cutting models: people and their roles, OHTs and regions, the audit trail."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from oht_portal.choices import (
    AlertResolution,
    ApiTokenScope,
    ApiTokenStatus,
    AuditAction,
    AuditOutcome,
    RegionCode,
    Role,
)

oht_code_validator = RegexValidator(r"^OHT\d{3}$", _("An OHT code is OHT followed by 3 digits."))
fsa_validator = RegexValidator(
    r"^[KLMNP]\d[A-Z]$",
    _("An Ontario FSA is a letter (K, L, M, N or P), a digit and a letter."),
)


class UserManager(BaseUserManager):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to the portal. Site admins are superusers; everyone else
    reaches data only through their memberships of OHTs."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("admin site access"),
        default=False,
        help_text=_("Whether the person may sign in to the Django admin."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Region(models.Model):
    """An Ontario Health region; OHTs are grouped in six of them."""

    code = models.CharField(_("code"), max_length=20, unique=True, choices=RegionCode.choices)
    name_en = models.CharField(_("English name"), max_length=100)
    name_fr = models.CharField(_("French name"), max_length=100)

    class Meta:
        verbose_name = _("Ontario Health region")
        verbose_name_plural = _("Ontario Health regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if (get_language() or "en").startswith("fr") else self.name_en


class OHT(models.Model):
    """An Ontario Health Team: the unit that owns patients, capacity and every report.

    Its profile names the single point of contact and the health information custodian
    that care connectors deal with (the workflow the provincial guidance asks for)."""

    code = models.CharField(
        _("OHT code"), max_length=6, unique=True, validators=[oht_code_validator]
    )
    name_en = models.CharField(_("English name"), max_length=200)
    name_fr = models.CharField(_("French name"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="ohts", verbose_name=_("region")
    )
    primary_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("primary point of contact for care connectors"),
    )
    custodian_name = models.CharField(
        _("health information custodian"),
        max_length=200,
        blank=True,
        help_text=_("The one body named to receive patient-level HCC data for this OHT."),
    )
    custodian_contact_email = models.EmailField(_("custodian contact e-mail"), blank=True)
    # Neighbouring OHTs that agreed to share capacity: matching may then propose their
    # locations to this OHT's patients (and the reverse). An agreement goes both ways.
    matching_partners = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("matching partners")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Ontario Health Team")
        verbose_name_plural = _("Ontario Health Teams")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def name(self) -> str:
        if (get_language() or "en").startswith("fr") and self.name_fr:
            return self.name_fr
        return self.name_en

    def members_with_role(self, role: str):
        return User.objects.filter(memberships__oht=self, memberships__role=role).distinct()


class ServedFSA(models.Model):
    """A forward sortation area (first three characters of a postal code) an OHT serves."""

    oht = models.ForeignKey(
        OHT, on_delete=models.CASCADE, related_name="served_fsas", verbose_name=_("OHT")
    )
    fsa = models.CharField(_("FSA"), max_length=3, validators=[fsa_validator])

    class Meta:
        verbose_name = _("FSA served")
        verbose_name_plural = _("FSAs served")
        ordering = ["oht", "fsa"]
        constraints = [models.UniqueConstraint(fields=["oht", "fsa"], name="uniq_oht_fsa")]
        indexes = [models.Index(fields=["fsa"])]

    def __str__(self) -> str:
        return self.fsa

    @property
    def is_rural(self) -> bool:
        """Canada Post gives rural FSAs the digit 0."""
        return self.fsa[1] == "0"


class Membership(models.Model):
    """A person's role in one OHT. Every scoped query starts from these rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    oht = models.ForeignKey(
        OHT, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("OHT")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["oht", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "oht", "role"], name="uniq_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.oht.code}"


class AuditEvent(models.Model):
    """One append-only line of the audit trail: who did what to which record, when,
    from where, with what outcome.

    It holds ids, never the health information itself, and no foreign keys, so that
    deleting a user or a patient can never rewrite history. On PostgreSQL a trigger
    refuses UPDATE and DELETE of these rows (migration 0002)."""

    occurred_at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True, db_index=True)
    actor_email = models.CharField(_("user e-mail"), max_length=254, blank=True)
    actor_roles = models.CharField(_("roles"), max_length=200, blank=True)
    oht_code = models.CharField(_("OHT"), max_length=6, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("record type"), max_length=60, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    patient_id = models.BigIntegerField(_("patient id"), null=True, blank=True, db_index=True)
    path = models.CharField(_("page or endpoint"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["patient_id", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_email} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")


class ImportRun(models.Model):
    """One file taken in through the extract pipeline, whatever way it arrived.

    The counts always add up: rows_read = created + updated + unchanged + rejected.
    The raw file is kept read-only beside the run for audit."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")
        DUPLICATE = "duplicate", _("Already imported")

    class Trigger(models.TextChoices):
        COMMAND = "command", _("Command line")
        UPLOAD = "upload", _("Upload page")
        INBOX = "inbox", _("Inbox folder")
        DEMO = "demo", _("Demo set-up")

    kind = models.CharField(_("kind"), max_length=30, blank=True, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"), default=0)
    raw_file = models.CharField(_("kept file"), max_length=500, blank=True)
    trigger = models.CharField(_("started from"), max_length=10, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_runs",
        verbose_name=_("started by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    extract_date = models.DateField(_("extract date"), null=True, blank=True)
    forced = models.BooleanField(_("stale check overridden"), default=False)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_created = models.PositiveIntegerField(_("created"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    warnings_count = models.PositiveIntegerField(_("warnings"), default=0)
    error = models.TextField(_("why the file was refused or failed"), blank=True)
    ohts = models.ManyToManyField(
        OHT, blank=True, related_name="import_runs", verbose_name=_("OHTs covered")
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-queued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class ImportIssue(models.Model):
    """A rejected row, a warning, or a file-level problem of one import run. Reasons
    name the line, column and rule, never the value (which may be health information)."""

    class Severity(models.TextChoices):
        REJECTED = "rejected", _("Row rejected")
        WARNING = "warning", _("Warning")

    run = models.ForeignKey(
        ImportRun, on_delete=models.CASCADE, related_name="issues", verbose_name=_("import run")
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    column = models.CharField(_("column"), max_length=60, blank=True)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("import issue")
        verbose_name_plural = _("import issues")
        ordering = ["run", "line", "id"]

    def __str__(self) -> str:
        return f"line {self.line}: {self.column} {self.reason}"


class ApiTokenGrant(models.Model):
    """What a knox API token is for (label, scope), who made it, and how it ended.

    Knox keeps only the hash of the live token and deletes the row when the token is
    revoked or found expired; this row stays (the link is set to null) so that the
    history of every token ever issued survives for the audit."""

    token = models.OneToOneField(
        settings.KNOX_TOKEN_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grant",
        verbose_name=_("live token"),
    )
    token_key = models.CharField(_("token starts with"), max_length=25, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="api_token_grants",
        verbose_name=_("user"),
    )
    user_email = models.CharField(_("user e-mail"), max_length=254)
    label = models.CharField(_("label"), max_length=100, blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=ApiTokenScope.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    oht = models.ForeignKey(
        OHT,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created for the OHT"),
        help_text=_("Set when an OHT administrator made the token for a care connector."),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.token_key} · {self.user_email}"

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return ApiTokenStatus.REVOKED
        if self.token_id is None or (self.expires_at and self.expires_at <= timezone.now()):
            return ApiTokenStatus.EXPIRED
        return ApiTokenStatus.ACTIVE

    def get_status_display(self) -> str:
        return ApiTokenStatus(self.status).label

    @property
    def is_active(self) -> bool:
        return self.status == ApiTokenStatus.ACTIVE


class ApiReadAlert(models.Model):
    """One token (or one signed-in user) returned an unusual number of patient records
    within one clock hour. Counts and ids only: no health information."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="api_read_alerts",
        verbose_name=_("user"),
    )
    user_email = models.CharField(_("user e-mail"), max_length=254)
    token_key = models.CharField(
        _("token starts with"),
        max_length=25,
        blank=True,
        help_text=_("Blank when the reads came from a browser session."),
    )
    window_start = models.DateTimeField(_("hour starting"))
    patients_read = models.PositiveIntegerField(_("patient records returned"))
    threshold = models.PositiveIntegerField(_("threshold per hour"))
    created_at = models.DateTimeField(_("raised"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    resolution = models.CharField(
        _("resolution"), max_length=20, choices=AlertResolution.choices, blank=True
    )

    class Meta:
        verbose_name = _("unusual API read alert")
        verbose_name_plural = _("unusual API read alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user_email", "token_key", "window_start"], name="uniq_api_read_alert"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_email} {self.token_key or '-'} {self.window_start:%Y-%m-%d %H:00}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
