from tests.accounts.nav_urls import complete as urlpatterns

__all__ = ["urlpatterns"]
