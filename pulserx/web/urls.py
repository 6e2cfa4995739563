from django.urls import path

from pulserx.reminders.models import DoseStatus
from pulserx.web import app_files, dose_views, inbox_views, medication_views, views

urlpatterns = [
    path("", views.today, name="today"),
    path("sw.js", app_files.service_worker, name="service-worker"),
    path("manifest.webmanifest", app_files.web_manifest, name="web-manifest"),
    path("today/timeline", views.today_timeline, name="today_timeline"),
    path("today/travel", views.today_travel, name="today_travel"),
    path("today/adherence", views.today_adherence, name="today_adherence"),
    path("test-reminder", views.test_reminder, name="test_reminder"),
    path("doses/<int:dose_id>/row", dose_views.dose_row, name="dose_row"),
    path("doses/<int:dose_id>/take", dose_views.record, {"status": DoseStatus.TAKEN},
         name="dose_take"),
    path("doses/<int:dose_id>/skip", dose_views.record, {"status": DoseStatus.SKIPPED},
         name="dose_skip"),
    path("doses/<int:dose_id>/snooze", dose_views.snooze, name="dose_snooze"),
    path("medications/", medication_views.medications, name="medications"),
    path("medications/new", medication_views.medication_new, name="medication_new"),
    path("medications/<int:medication_id>/edit", medication_views.medication_edit,
         name="medication_edit"),
    path("medications/<int:medication_id>/pause", medication_views.medication_pause,
         name="medication_pause"),
    path("medications/<int:medication_id>/delete", medication_views.medication_delete,
         name="medication_delete"),
    path("inbox/", inbox_views.inbox_page, name="inbox"),
    path("inbox/read-all", inbox_views.inbox_read_all, name="inbox_read_all"),
    path("inbox/since", inbox_views.inbox_since, name="inbox_since"),
    path("care/<int:patient_id>/", views.care_patient_day, name="care_patient_day"),
    path("care/<int:patient_id>/timeline", views.care_patient_timeline,
         name="care_patient_timeline"),
    path("care/<int:patient_id>/adherence", views.care_patient_adherence,
         name="care_patient_adherence"),
]
