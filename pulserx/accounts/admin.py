"""Django admin for staff: users, patient profiles, care links and linked sign-ins (no health
data here)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from pulserx.accounts.models import CareLink, Patient, SignInIdentity, User


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "account_type")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "account_type", "is_staff", "is_active")
    list_filter = ("account_type", "is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password", "account_type")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                    "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("email", "account_type", "usable_password", "password1",
                           "password2")}),
    )


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "timezone", "current_timezone", "travel_policy",
                    "notify_email", "notify_push")
    list_filter = ("travel_policy", "notify_email", "notify_push")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
    # The calendar address is a credential to the patient's dose times: staff never see it.
    exclude = ("calendar_token",)


@admin.register(CareLink)
class CareLinkAdmin(admin.ModelAdmin):
    list_display = ("id", "patient", "invited_email", "caregiver", "status", "alert_on_missed",
                    "created_at")
    list_filter = ("status", "alert_on_missed")
    search_fields = ("invited_email", "caregiver__email", "patient__user__email")
    raw_id_fields = ("patient", "caregiver")
    # The invitation token would let whoever reads it join the care team: never shown.
    exclude = ("token",)
    readonly_fields = ("created_at",)


@admin.register(SignInIdentity)
class SignInIdentityAdmin(admin.ModelAdmin):
    """Staff may remove a link (e.g. a provider account that changed hands), not forge one."""

    list_display = ("id", "user", "provider", "email", "created_at", "last_used_at")
    list_filter = ("provider",)
    search_fields = ("user__email", "email", "subject")
    raw_id_fields = ("user",)
    readonly_fields = ("user", "provider", "issuer", "subject", "email", "created_at",
                       "last_used_at")

    def has_add_permission(self, request: object) -> bool:
        return False
