from django.urls import path

from pulserx.notifications import channel_button_views, email_link_views, push_views

urlpatterns = [
    path("push/key", push_views.push_key, name="push-key"),
    path("push/subscriptions", push_views.push_subscriptions, name="push-subscriptions"),
    path("push/action", push_views.push_action, name="push-action"),
    path("email/dose/<str:token>/", email_link_views.email_dose_action,
         name="email-dose-action"),
    path("channels/dose/<str:token>/", channel_button_views.channel_dose_action,
         name="channel-dose-action"),
    path("channels/telegram/<int:channel_id>/", channel_button_views.telegram_webhook,
         name="channel-telegram-webhook"),
    path("channels/twilio/<int:channel_id>/", channel_button_views.twilio_webhook,
         name="channel-twilio-webhook"),
]
