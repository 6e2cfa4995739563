"""Settings → Channels: add a channel by choosing its service and filling its fields, send a
test, pause, rename, choose what it carries, remove. Every change goes through
`pulserx.notifications.channels.editing`; these views translate HTTP."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pulserx.notifications.channels import catalogue, editing
from pulserx.notifications.channels.editing import ChannelError
from pulserx.notifications.models import Service, UserChannel
from pulserx.siteurl import site_url
from pulserx.web.access import patient_label
from pulserx.web.channel_forms import ChannelForm


def own_channel(request: HttpRequest, channel_id: int) -> UserChannel:
    return get_object_or_404(UserChannel, pk=channel_id, user=request.user)


@login_required
@require_http_methods(["GET"])
def channels_page(request: HttpRequest) -> HttpResponse:
    channels = UserChannel.objects.filter(user=request.user)  # type: ignore[misc]
    names = dict(medication_choices(request))
    return render(request, "web/channels.html", {
        "channels": [shown(editing.view_of(c), names, site_url(request)) for c in channels],
        "services": [(spec.service.value, spec.service.label)
                     for spec in catalogue.SERVICES.values()],
    })


def shown(view: editing.ChannelView, names: dict[int, str], site: str) -> dict[str, object]:
    """A channel as its card shows it: field labels, masked values, what it sends, and for
    SMS the address Twilio posts replies to."""
    labels = {f.name: f.label for f in catalogue.spec_for(view.service).fields}
    return {"view": view,
            "reply_webhook": site + reverse("channel-twilio-webhook", args=[view.id])
            if view.service == Service.TWILIO else "",
            "settings": [(labels[name], value) for name, value in view.settings.items()
                         if value],
            "sends": [editing.KIND_LABELS[kind] for kind, on in view.kinds.items() if on],
            "about": [names[pk] for pk in view.medications if pk in names]}


def medication_choices(request: HttpRequest) -> list[tuple[int, str]]:
    """The medications a channel may be restricted to, as the person reads them."""
    user = request.user
    return [(m.pk, " ".join(filter(None, (m.name, m.strength)))
             + ("" if m.patient.user_id == user.pk else f" ({patient_label(m.patient)})"))
            for m in editing.choosable_medications(user)  # type: ignore[arg-type]
            .select_related("patient__user")]


@login_required
@require_http_methods(["GET", "POST"])
def channel_new(request: HttpRequest) -> HttpResponse:
    try:
        spec = catalogue.spec_for(request.GET.get("service", ""))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("channels")
    form = ChannelForm(spec, request.POST or None, medications=medication_choices(request))
    if request.method == "POST" and form.is_valid():
        values = form.settings_values()
        try:
            if request.POST.get("action") == "test":
                editing.send_test(spec.service, values, request.user)  # type: ignore[arg-type]
                messages.success(request, _("The test message was sent: check that it "
                                            "arrived. Nothing is saved until you press Save."))
            else:
                channel = editing.add_channel(
                    request.user, spec.service,  # type: ignore[arg-type]
                    form.cleaned_data["name"], values, form.cleaned_data["kinds"],
                    form.cleaned_data.get("medications", []))
                # Translators: %(name)s is the name the person gave a channel.
                messages.success(request, _("%(name)s is added.") % {"name": channel.name})
                if note := editing.connect_buttons(channel):
                    # Translators: %(reason)s says why the buttons could not be connected.
                    messages.warning(request, _("Reminders will arrive without Take / Skip "
                                                "buttons: %(reason)s.") % {"reason": note})
                return redirect("channels")
        except ChannelError as error:
            form.add_channel_error(error)
    return render(request, "web/channel_form.html", {"form": form, "spec": spec})


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = own_channel(request, channel_id)
    spec = catalogue.spec_for(channel.service)
    view = editing.view_of(channel)
    initial = {"name": channel.name, "kinds": [k for k, on in view.kinds.items() if on],
               "medications": view.medications,
               **{f"s_{k}": v for k, v in view.settings.items()
                  if not next(f for f in spec.fields if f.name == k).secret}}
    form = ChannelForm(spec, request.POST or None, initial=initial, editing=True,
                       medications=medication_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            with_secrets = editing.merged_settings(channel, form.settings_values())
            if request.POST.get("action") == "test":
                editing.send_test(channel.service, with_secrets, channel.user)
                messages.success(request, _("The test message was sent: check that it "
                                            "arrived."))
            else:
                editing.update_channel(channel, name=form.cleaned_data["name"],
                                       kinds=form.cleaned_data["kinds"],
                                       raw=form.settings_values(),
                                       medications=form.cleaned_data.get("medications", []))
                messages.success(request, _("%(name)s is saved.") % {"name": channel.name})
                return redirect("channels")
        except ChannelError as error:
            form.add_channel_error(error)
    return render(request, "web/channel_form.html",
                  {"form": form, "spec": spec, "channel": channel})


@login_required
@require_POST
def channel_action(request: HttpRequest, channel_id: int, action: str) -> HttpResponse:
    channel = own_channel(request, channel_id)
    try:
        if action == "test":
            editing.send_test_to(channel)
            messages.success(request, _("A test message was sent to %(name)s: check that it "
                                        "arrived.") % {"name": channel.name})
        elif action in ("pause", "resume"):
            editing.update_channel(channel, paused=action == "pause")
            if channel.paused:
                messages.success(request, _("%(name)s is paused.") % {"name": channel.name})
            else:
                messages.success(request, _("%(name)s is on again.") % {"name": channel.name})
        elif action == "remove":
            editing.remove_channel(channel)
            messages.success(request, _("%(name)s is removed.") % {"name": channel.name})
        else:
            raise Http404
    except ChannelError as error:
        # Translators: a channel's name and what went wrong.
        messages.error(request, _("%(name)s: %(error)s") % {"name": channel.name,
                                                            "error": error})
    return redirect("channels")
