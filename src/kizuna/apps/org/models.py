"""Teams, members with a role, and their API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TeamKind(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic (high touch)")
    CORPORATE_ONBOARDING = "corporate_onboarding", _("Corporate onboarding")
    CORPORATE_ADOPTION = "corporate_adoption", _("Corporate adoption")
    ENABLEMENT = "enablement", _("Enablement (1:N)")


class Role(models.TextChoices):
    ADMIN = "admin", _("CS ops admin")
    MANAGER = "manager", _("Manager")
    CSM = "csm", _("CSM")
    VIEWER = "viewer", _("Viewer")


class Team(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=TeamKind.choices)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ja").startswith("en") else self.name_ja


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    language = models.CharField(
        _("language"), max_length=8, choices=[("ja", "日本語"), ("en", "English")], default="ja"
    )
    crm_user_id = models.CharField(
        _("CRM user ID"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("The member's user id in the CRM: accounts it owns there are theirs here."),
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_short_name(self) -> str:
        """How the administration greets the member (their display name, like every page)."""
        return str(self)


class ApiToken(models.Model):
    """A per-user token for the REST API. Only a SHA-256 hash of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
