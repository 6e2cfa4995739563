from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pulserx.accounts"
    label = "accounts"

    def ready(self) -> None:
        # By path: the receivers' modules (sessions, deletion, the sign-in throttle) are the
        # web's; the worker never signs anyone in and does not load them.
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from pulserx.accounts.models import password_changed
        from pulserx.accounts.sso import checks  # noqa: F401  (registers the system check)
        from pulserx.receivers import connect_by_path

        for path, uid in (
            ("pulserx.accounts.throttle.forget_own_failures", "pulserx-forget-own-failures"),
            ("pulserx.accounts.deletion.cancel_on_sign_in", "pulserx-cancel-deletion"),
            ("pulserx.accounts.clock_formats.remember_on_sign_in", "pulserx-language-clock"),
            ("pulserx.accounts.signed_in.record_sign_in", "pulserx-signed-in-session"),
        ):
            connect_by_path(user_logged_in, path, uid)
        connect_by_path(user_logged_out, "pulserx.accounts.signed_in.forget_sign_out",
                        "pulserx-signed-out-session")
        connect_by_path(password_changed, "pulserx.accounts.signed_in.forget_on_password_change",
                        "pulserx-sessions-new-password")
