from tests.accounts.nav_urls import minimal as urlpatterns

__all__ = ["urlpatterns"]
