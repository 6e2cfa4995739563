"""Settings → Your data: download everything as one ZIP, and bring such a ZIP back into an
account that has no medications yet. Only the patient themself may do either."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from pulserx.exports.archive_format import MAX_UPLOAD_BYTES, ArchiveRefused
from pulserx.exports.archive_in import too_large, unpack
from pulserx.exports.archive_out import archive_name, build_archive
from pulserx.exports.record_in import import_record
from pulserx.web.access import own_patient
from pulserx.web.responses import attachment


@login_required
@require_GET
def data_export(request: HttpRequest) -> HttpResponse:
    """The patient's whole record (a caregiver has no patient profile of their own: 404)."""
    patient = own_patient(request)
    now = timezone.now()
    return attachment(build_archive(patient, now), "application/zip", archive_name(now))


@csrf_exempt
@require_POST
def data_import(request: HttpRequest) -> HttpResponse:
    """The size is judged from the request's header before anything reads its body (the
    CSRF check reads it, so it runs after, in `checked_import`)."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if not declared.isdigit() or int(declared) > MAX_UPLOAD_BYTES + 64 * 1024:
        response = HttpResponse(too_large(), content_type="text/plain; charset=utf-8",
                                status=413)
        response["Connection"] = "close"
        return response
    return checked_import(request)


@csrf_protect
@login_required
def checked_import(request: HttpRequest) -> HttpResponse:
    patient = own_patient(request)
    upload = request.FILES.get("archive")
    try:
        if upload is None:
            raise ArchiveRefused(_("Choose the ZIP that “Download all my data” saved."))
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise ArchiveRefused(too_large())
        record = unpack(upload.read(MAX_UPLOAD_BYTES + 1))
        summary = import_record(patient, record, timezone.now())
    except ArchiveRefused as refused:
        messages.error(request, str(refused))
        return redirect(reverse("account_settings") + "#your-data")
    messages.success(request, summary.message())
    return redirect(reverse("account_settings") + "#your-data")
