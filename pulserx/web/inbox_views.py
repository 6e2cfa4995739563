"""The inbox page, "mark all read", and the reconcile endpoint live.js calls on connect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from pulserx.notifications import inbox
from pulserx.notifications.models import ALERT_KINDS, Notification
from pulserx.notifications.render import place_for
from pulserx.reminders.clock import patient_zone, reader_zone
from pulserx.web.access import signed_in_user
from pulserx.web.day import TimelineEntry, dose_state
from pulserx.web.forms import SinceForm
from pulserx.web.responses import is_htmx

PAGE_SIZE = 50
SINCE_LIMIT = 50


@login_required
@require_GET
def inbox_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    notifications = (inbox.with_words(Notification.objects.filter(recipient=user))
                     .prefetch_related("deliveries__target").order_by("-id"))
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    reader = reader_zone(user)
    items = []
    for notification, payload in zip(page.object_list,
                                     inbox.payloads(list(page.object_list)),
                                     strict=True):
        dose = notification.dose
        about_own_dose = (dose is not None and notification.kind in ALERT_KINDS
                          and dose.patient.user_id == user.pk)
        items.append({
            "notification": notification, "payload": payload,
            "zone": patient_zone(notification.patient),
            # When it arrived, on the patient's clock; named when the reader's differs.
            "place": "" if notification.patient.user_id == user.pk else place_for(
                patient_zone(notification.patient), reader, notification.created_at),
            "deliveries": sorted(notification.deliveries.all(), key=lambda d: d.channel),
            "entry": TimelineEntry(due_at=dose.due_at, medication=dose.medication,
                                   amount=dose.amount, dose=dose, state=dose_state(dose, now))
            if about_own_dose and dose is not None else None,
        })
    template = "web/_inbox_list.html" if is_htmx(request) else "web/inbox.html"
    return render(request, template, {"items": items, "page": page})


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    marked = inbox.mark_read(signed_in_user(request))
    if marked:
        # Translators: %(count)s is a number of inbox messages.
        text = ngettext("Marked %(count)s as read.", "Marked %(count)s as read.",
                        marked) % {"count": marked}
    else:
        text = _("Nothing unread.")
    messages.success(request, text)
    return redirect("inbox")


@login_required
@require_GET
def inbox_since(request: HttpRequest) -> JsonResponse:
    """`?after=<id>`: the user's notifications newer than `id`, oldest first, each shaped
    like the live event, so the page handles a missed event as if it had arrived live.
    Also the unread count and the newest id (`last_id`), the cursor for a page without one."""
    form = SinceForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": "after must be a notification id (0 or more)."},
                            status=400)
    user = signed_in_user(request)
    after = form.cleaned_data["after"]
    found: list[Notification] = []
    more = False
    if after is not None:  # without one, a page only learns the newest id (`last_id`)
        found, more = inbox.notifications_since(user, after, SINCE_LIMIT)
    return JsonResponse({
        "notifications": inbox.payloads(found),
        "more": more,
        "unread": inbox.unread_count(user),
        "last_id": inbox.last_notification_id(user),
    })
