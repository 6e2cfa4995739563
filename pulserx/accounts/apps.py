from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pulserx.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from pulserx.accounts.clock_formats import remember_on_sign_in
        from pulserx.accounts.deletion import cancel_on_sign_in
        from pulserx.accounts.models import password_changed
        from pulserx.accounts.signed_in import (
            forget_on_password_change,
            forget_sign_out,
            record_sign_in,
        )
        from pulserx.accounts.sso import checks  # noqa: F401  (registers the system check)
        from pulserx.accounts.throttle import forget_own_failures

        user_logged_in.connect(forget_own_failures, dispatch_uid="pulserx-forget-own-failures")
        user_logged_in.connect(cancel_on_sign_in, dispatch_uid="pulserx-cancel-deletion")
        user_logged_in.connect(remember_on_sign_in, dispatch_uid="pulserx-language-clock")
        user_logged_in.connect(record_sign_in, dispatch_uid="pulserx-signed-in-session")
        user_logged_out.connect(forget_sign_out, dispatch_uid="pulserx-signed-out-session")
        password_changed.connect(forget_on_password_change,
                                 dispatch_uid="pulserx-sessions-new-password")
