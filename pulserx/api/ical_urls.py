from django.urls import path

from pulserx.api.ical import calendar_feed

urlpatterns = [path("<slug:token>.ics", calendar_feed, name="calendar-feed")]
