"""Account URLs. Django's password views get our own templates (named accounts/…, because
the admin app ships registration/… templates that would otherwise win)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from pulserx.accounts import (
    email_change_views,
    language_views,
    passkey_views,
    signed_in,
    two_factor,
    views,
)

urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", two_factor.sign_in_code, name="sign_in_code"),
    path("sso/", include("pulserx.accounts.sso.urls")),
    path("login/passkey/options/", passkey_views.sign_in_options, name="passkey_sign_in_options"),
    path("login/passkey/", passkey_views.sign_in_with_passkey, name="passkey_sign_in"),
    path("login/code/passkey/options/", passkey_views.second_step_options,
         name="passkey_second_step_options"),
    path("login/code/passkey/", passkey_views.second_step_with_passkey,
         name="passkey_second_step"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change_form.html"), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="accounts/password_change_done.html"), name="password_change_done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"), name="password_reset_complete"),
    path("settings/", views.account_settings, name="account_settings"),
    path("settings/clock-format/", views.clock_format_settings, name="clock_format_settings"),
    path("settings/two-step/", two_factor.two_step_on, name="two_step_on"),
    path("settings/two-step/off/", two_factor.two_step_off, name="two_step_off"),
    path("settings/two-step/recovery-codes/", two_factor.renew_recovery_codes,
         name="renew_recovery_codes"),
    path("settings/passkeys/add/", passkey_views.add_passkey, name="add_passkey"),
    path("settings/passkeys/add/finish/", passkey_views.finish_adding_passkey,
         name="finish_adding_passkey"),
    path("settings/passkeys/<int:passkey_id>/remove/", passkey_views.remove_passkey,
         name="remove_passkey"),
    path("settings/sessions/sign-out-others/", signed_in.sign_out_elsewhere,
         name="sign_out_elsewhere"),
    path("settings/email/", email_change_views.change_email, name="change_email"),
    path("settings/email/cancel/", email_change_views.cancel_email_change,
         name="cancel_email_change"),
    path("email/confirm/<str:token>/", email_change_views.confirm_email_change,
         name="confirm_email_change"),
    path("email/undo/<str:token>/", email_change_views.undo_email_change,
         name="undo_email_change"),
    path("settings/language/", language_views.language_settings, name="language_settings"),
    path("delete/", views.delete_account, name="delete_account"),
    path("access-log/", views.who_saw_what, name="access_log"),
    path("timezone/", views.report_timezone, name="report_timezone"),
    path("timezone/choose/", views.choose_clock, name="choose_clock"),
    path("verify/send/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("care/", views.care_home, name="care_home"),
    path("care/invite/", views.care_invite, name="care_invite"),
    path("care/people/new/", views.person_new, name="person_new"),
    path("care/people/<int:patient_id>/login/", views.person_login_invite,
         name="person_login_invite"),
    path("welcome/<str:token>/", views.person_login, name="person_login"),
    path("care/<int:link_id>/revoke/", views.care_revoke, name="care_revoke"),
    path("care/<int:link_id>/alerts/", views.care_alerts, name="care_alerts"),
    path("care/<int:link_id>/role/", views.care_role, name="care_role"),
    path("care/accept/<str:token>/", views.care_accept, name="care_accept"),
]
