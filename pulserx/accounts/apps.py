from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pulserx.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from pulserx.accounts.clock_formats import remember_on_sign_in
        from pulserx.accounts.deletion import cancel_on_sign_in
        from pulserx.accounts.throttle import forget_own_failures

        user_logged_in.connect(forget_own_failures, dispatch_uid="pulserx-forget-own-failures")
        user_logged_in.connect(cancel_on_sign_in, dispatch_uid="pulserx-cancel-deletion")
        user_logged_in.connect(remember_on_sign_in, dispatch_uid="pulserx-language-clock")
