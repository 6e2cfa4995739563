"""Account pages: sign up and in, a patient's settings, caregivers and their invitations."""

from __future__ import annotations

from datetime import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pulserx.accounts import (
    access_log,
    care,
    deletion,
    email_change_views,
    emails,
    passkeys,
    people,
    signed_in,
    throttle,
    two_factor,
    verification,
)
from pulserx.accounts.care import home_url
from pulserx.accounts.clock_formats import ClockFormatForm, remember_language_clock
from pulserx.accounts.forms import (
    CaregiverSettingsForm,
    DeleteAccountForm,
    InviteForm,
    PatientSettingsForm,
    PersonForm,
    PersonLoginForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
)
from pulserx.accounts.models import (
    AccountType,
    CareLink,
    CareLinkStatus,
    CareRole,
    Patient,
    User,
    patient_of,
)
from pulserx.accounts.sso import identities as sso_identities
from pulserx.accounts.zones import current_name, validate_timezone
from pulserx.clock_format import written_time
from pulserx.languages import remember_browser_language
from pulserx.reminders import travel
from pulserx.reminders.clock import patient_zone, reader_zone
from pulserx.reminders.planning import replan_patient
from pulserx.reminders.schedule import TravelPolicy
from pulserx.siteurl import site_url


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()},
                                              require_https=request.is_secure())
    return target if allowed else ""


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        assert isinstance(self.request.user, User)
        return home_url(self.request.user)

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        """The password is right. With two-step sign-in on, the code comes first."""
        user = form.get_user()
        assert isinstance(user, User)
        if two_factor.has_second_step(user):
            return two_factor.ask_for_code(self.request, user, self.get_redirect_url())
        # The backend that checked the password is on the user (Django's authenticate()).
        return two_factor.complete_sign_in(self.request, user, backend=None,
                                           next_url=self.get_redirect_url())


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetPasswordForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = ResetPasswordForm.email_template
    subject_template_name = ResetPasswordForm.subject_template

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not throttle.count_attempt(request):
            return throttle.lockout_response(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Links in emails use the configured public address, not the request's Host header.
        self.extra_email_context = {"site_url": site_url(self.request)}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever set the password read the account's email: its sign-in lock (if any) ends.
        throttle.release_account(form.user.email)
        return response


def sign_up(request: HttpRequest) -> HttpResponse:
    """Create the account and email a link that confirms the address and signs in. An
    address that already has an account gets an email saying so, and the page answers the
    same either way: sign-up does not tell strangers who has an account."""
    if request.user.is_authenticated:
        return redirect(home_url(request.user))  # type: ignore[arg-type]
    form = SignUpForm(request.POST or None, initial=signup_initial(request))
    if request.method == "POST" and form.is_valid():
        existing = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if existing is None:
            try:
                user = form.save()
                remember_language_clock(request, user)
                remember_browser_language(request, user)
                verification.send_verification(user, then=safe_next(request),
                                               site=site_url(request))
            except IntegrityError:  # the same address signed up a moment ago
                existing = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if existing is not None:
            verification.send_account_exists(existing, site=site_url(request))
        return redirect("signup_sent")
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request)})


def signup_initial(request: HttpRequest) -> dict[str, str]:
    """What a link may fill in on the sign-up form: an invitation's address, and "caregiver"
    for someone invited to look after a patient."""
    initial = {}
    if request.GET.get("as") in AccountType.values:
        initial["account_type"] = request.GET["as"]
    if request.GET.get("email"):
        initial["email"] = request.GET["email"][:254]
    return initial


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_sent.html")


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    patient = patient_of(request.user)
    if patient is None:
        return caregiver_settings(request)
    clock_before = patient_zone(patient)
    form = PatientSettingsForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            if form.changes_clock:
                replan_patient(patient.pk, moved_from=clock_before)
        messages.success(request, _("Settings saved."))
        return redirect("account_settings")
    return render_settings(request, patient, form=form)


def caregiver_settings(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    form = CaregiverSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Settings saved."))
        return redirect("account_settings")
    return render(request, "accounts/settings.html", {
        "caregiver_form": form, "clock_format_form": ClockFormatForm(instance=request.user),
        **account_security(request)})


def account_security(request: HttpRequest) -> dict[str, Any]:
    """Settings → Email address, Two-step sign-in, Passkeys, Sign-in with other accounts and
    Signed-in sessions."""
    assert isinstance(request.user, User)
    return {**email_change_views.settings_context(request.user),
            **two_factor.settings_context(request.user),
            **passkeys.settings_context(request.user),
            **sso_identities.settings_context(request),
            "signed_in_sessions": signed_in.sessions_of(request)}


@login_required
@require_POST
def clock_format_settings(request: HttpRequest) -> HttpResponse:
    """Settings → How times are written: 12-hour, 24-hour, or as the browser's language."""
    assert isinstance(request.user, User)
    form = ClockFormatForm(request.POST, instance=request.user)
    if form.is_valid():
        form.save()
        # Translators: %(example)s is a time as it will be written ("8:00 PM", "20:00").
        messages.success(request, _("Times are now written like %(example)s.") % {
            "example": written_time(time(20, 0), request.user.twelve_hour)})
    else:
        messages.error(request, _("Choose how times are written."))
    return redirect("account_settings")


def render_settings(request: HttpRequest, patient: Patient, *,
                    form: PatientSettingsForm | None = None,
                    invite_form: InviteForm | None = None, status: int = 200,
                    extra: dict[str, Any] | None = None) -> HttpResponse:
    links = patient.care_links.select_related("caregiver").order_by("status", "-created_at")
    return render(request, "accounts/settings.html", {
        "patient": patient,
        "form": form or PatientSettingsForm(instance=patient),
        "invite_form": invite_form or InviteForm(patient=patient),
        "care_links": [(link, emails.accept_url(link, request)) for link in links],
        "care_roles": CareRole.choices,
        "api_tokens": patient.user.api_tokens.order_by("-created_at", "-pk"),
        "clock_format_form": ClockFormatForm(instance=patient.user),
        **account_security(request),
        **(extra or {}),
    }, status=status)


def patient_or_404(request: HttpRequest) -> Patient:
    patient = patient_of(request.user)
    if patient is None:
        raise Http404("Only patients have caregivers.")
    return patient


@require_POST
def report_timezone(request: HttpRequest) -> JsonResponse:
    """The browser says where the person is now. A patient's reminders move only when they
    choose (Today asks); a caregiver's own clock simply follows."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "Sign in first."}, status=401)
    zone = current_name(request.POST.get("timezone", ""))
    try:
        validate_timezone(zone)
    except ValidationError as exc:
        return JsonResponse({"errors": {"timezone": exc.messages}}, status=400)
    assert isinstance(request.user, User)
    remember_language_clock(request, request.user)
    patient = patient_of(request.user)
    if patient is None:
        changed = bool(User.objects.filter(pk=request.user.pk).exclude(timezone=zone)
                       .update(timezone=zone))
        return JsonResponse({"timezone": zone, "changed": changed, "ask": False})
    report = travel.report_zone(patient, zone)
    return JsonResponse({"timezone": zone, "changed": report.changed, "ask": report.ask})


@login_required
@require_POST
def choose_clock(request: HttpRequest) -> HttpResponse:
    """The answer to Today's travel question: follow the local clock or keep the home one."""
    patient = patient_or_404(request)
    choice = request.POST.get("travel_policy", "")
    if choice not in {policy.value for policy in TravelPolicy}:
        return HttpResponse("travel_policy must be home or local.", status=400)
    policy = TravelPolicy(choice)
    moved = travel.choose_clock(patient, policy)
    patient.refresh_from_db()
    zone = patient.current_timezone.replace("_", " ")
    if policy == TravelPolicy.LOCAL_CLOCK:
        # Translators: %(zone)s is a time zone ("Asia/Tokyo").
        text = _("Reminders now follow the clock in %(zone)s.") % {"zone": zone}
    else:
        text = _("Reminders keep your home clock (%(zone)s).") % {
            "zone": patient.timezone.replace("_", " ")}
    if not moved:
        text = f"{text} {_('Nothing needed to move.')}"
    messages.success(request, text)
    return redirect("today")


@login_required
@require_POST
def care_invite(request: HttpRequest) -> HttpResponse:
    patient = patient_or_404(request)
    form = InviteForm(request.POST, patient=patient)
    if not form.is_valid():
        return render_settings(request, patient, invite_form=form)
    link = care.invite_caregiver(patient, form.cleaned_data["email"],
                                 CareRole(form.cleaned_data["role"]))
    if emails.send_invite(link, request):
        messages.success(request, _("Invitation sent to %(email)s.") % {
            "email": link.invited_email})
    else:
        messages.warning(request, _("We could not send the email. Copy the invitation link "
                                    "below and send it yourself."))
    return redirect(reverse("account_settings") + "#caregivers")


def own_link(request: HttpRequest, link_id: int) -> CareLink:
    return get_object_or_404(CareLink, pk=link_id, patient__user_id=request.user.pk)


@login_required
@require_POST
def care_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    link = own_link(request, link_id)
    care.revoke(link)
    messages.success(request, _("%(email)s can no longer see your doses.") % {
        "email": link.invited_email})
    return redirect(reverse("account_settings") + "#caregivers")


@login_required
@require_POST
def care_role(request: HttpRequest, link_id: int) -> HttpResponse:
    """The patient changes what a member of their care team may do; it holds at once."""
    link = own_link(request, link_id)
    try:
        role = care.set_role(link, request.POST.get("role"))
    except care.RoleRefused as refused:  # only a hand-made request gets here: say why
        return HttpResponse(str(refused), status=400, content_type="text/plain")
    who = link.caregiver.email if link.caregiver else link.invited_email
    # Translators: a caregiver's address and their new role: "ana@example.com: Sees — …".
    messages.success(request, _("%(who)s: %(role)s.") % {"who": who, "role": role.label})
    return redirect(reverse("account_settings") + "#caregivers")


@login_required
@require_POST
def care_alerts(request: HttpRequest, link_id: int) -> HttpResponse:
    link = own_link(request, link_id)
    choice = request.POST.get("alert_on_missed")
    if choice not in ("on", "off"):
        return HttpResponse("alert_on_missed must be on or off.", status=400)
    link.alert_on_missed = choice == "on"
    link.save(update_fields=["alert_on_missed"])
    return redirect(reverse("account_settings") + "#caregivers")


def care_accept(request: HttpRequest, token: str) -> HttpResponse:
    link = get_object_or_404(CareLink.objects.select_related("patient__user"), token=token)
    if not request.user.is_authenticated:  # say who invites, and to what, before signing in
        if request.method != "GET":
            return redirect_to_login(request.get_full_path())
        return render(request, "accounts/accept.html", {
            "link": link, "inviter": link.patient.user, "signed_out": True,
            "signup_query": urlencode({"next": request.path, "as": AccountType.CAREGIVER,
                                       "email": link.invited_email}),
            "login_query": urlencode({"next": request.path})})
    assert isinstance(request.user, User)
    if link.caregiver_id == request.user.pk and link.status == CareLinkStatus.ACCEPTED:
        return redirect("care_home")
    context: dict[str, object] = {"link": link, "inviter": link.patient.user}
    try:
        if request.method == "POST":
            care.accept_invite(link, request.user)
            name = link.patient.user.get_full_name() or link.patient.user.email
            messages.success(request, _("You now look after %(name)s.") % {"name": name})
            return redirect("care_home")
        care.check_acceptable(link, request.user)
    except care.InviteUnavailable as problem:
        context["problem"] = problem.reason
        return render(request, "accounts/accept.html", context, status=problem.status)
    return render(request, "accounts/accept.html", context)


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the verification email. Its first use also signs the new account in;
    after that it only confirms (a link in a mailbox must not stay a way in)."""
    first_use, user = verification.verify(token)
    if user is None:
        return render(request, "accounts/verify.html", {"ok": False}, status=400)
    # With two-step sign-in on, the link confirms the address but does not stand in for the code.
    if (first_use and not request.user.is_authenticated
            and not two_factor.has_second_step(user)):
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to PulseRx: your address is confirmed."))
        return redirect(verification.continue_path(token) or home_url(user))
    return render(request, "accounts/verify.html", {"ok": True, "email": user.email})


@login_required
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    if request.user.email_verified:
        messages.success(request, _("Your address is already confirmed."))
    elif verification.send_verification(request.user, site=site_url(request)):
        messages.success(request, _("We sent a new link to %(email)s.") % {
            "email": request.user.email})
    else:
        messages.error(request, _("The mail server refused the message; try again later."))
    return redirect(safe_next(request) or home_url(request.user))


@login_required
def care_home(request: HttpRequest, person_form: PersonForm | None = None) -> HttpResponse:
    assert isinstance(request.user, User)
    links = care.links_cared_for_by(request.user).select_related("patient__user")
    cared = [(link, reverse("care_patient_day", kwargs={"patient_id": link.patient_id}))
             for link in links.order_by("patient__user__first_name", "pk")]
    invites = care.pending_invites_for(request.user).select_related("patient__user")
    return render(request, "accounts/care_home.html", {
        "people": cared, "invites": invites,
        "person_form": person_form or PersonForm(initial={"timezone": request.user.timezone}),
    }, status=400 if person_form is not None else 200)


@login_required
@require_POST
def person_new(request: HttpRequest) -> HttpResponse:
    """Add a person the signed-in user looks after who has no login of their own."""
    assert isinstance(request.user, User)
    form = PersonForm(request.POST)
    if not form.is_valid():
        return care_home(request, person_form=form)
    try:
        patient = people.create_person(request.user, form.cleaned_data["name"],
                                       form.cleaned_data["timezone"], form.routine())
    except ValidationError as refused:
        form.add_error("timezone", refused)
        return care_home(request, person_form=form)
    messages.success(request, _("%(name)s is added: you manage their medications.") % {
        "name": patient.user.first_name})
    return redirect("care_patient_day", patient_id=patient.pk)


@login_required
@require_POST
def person_login_invite(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A manager emails a person without a login the link to choose their own password."""
    assert isinstance(request.user, User)
    patient = care.patient_in_care(request.user, patient_id, CareRole.MANAGES)
    if patient is None or patient.user_id == request.user.pk \
            or not people.is_without_login(patient.user):
        raise Http404("No such person")
    form = PersonLoginForm(request.POST)
    back = reverse("care_patient_day", kwargs={"patient_id": patient.pk}) + "#own-login"
    if not form.is_valid():
        for error in form.errors.get("email", []):
            messages.error(request, str(error))
        return redirect(back)
    email = form.cleaned_data["email"]
    if people.send_login_invite(patient, email, request.user, site=site_url(request)):
        messages.success(request, _("Link sent to %(email)s.") % {"email": email})
    else:
        messages.error(request, _("The mail server refused the message; try again later."))
    return redirect(back)


def person_login(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: the person chooses a password and their account becomes their own
    (their address verified by their following the link)."""
    try:
        user, email = people.login_invite_target(token)
    except people.LoginInviteUnavailable:
        return render(request, "accounts/person_login.html", {"problem": True}, status=410)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = people.give_login(user, email, form.cleaned_data["new_password1"])
        except (people.LoginInviteUnavailable, IntegrityError):
            return render(request, "accounts/person_login.html", {"problem": True}, status=410)
        if request.user.is_authenticated:
            logout(request)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to PulseRx: your address is confirmed."))
        return redirect(home_url(user))
    return render(request, "accounts/person_login.html",
                  {"form": form, "email": email, "name": user.first_name})


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Ask for the account's deletion (password again); signs out. Signing in within the
    grace period cancels it."""
    assert isinstance(request.user, User)
    user = request.user
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST":
        checked = throttle.password_again(request, form, user.email)
        if isinstance(checked, HttpResponse):
            return checked
        if checked:
            purge_at = deletion.request_deletion(user)
            zone = reader_zone(user)
            local = purge_at.astimezone(zone) if zone else purge_at
            logout(request)
            return render(request, "accounts/delete_requested.html", {
                "purge_at": local, "purge_time": written_time(local, user.twelve_hour),
                "zone": zone.key if zone else "UTC"})
    return render(request, "accounts/delete_account.html", {
        "form": form, "grace_days": settings.PULSERX_DELETION_GRACE.days,
        "handovers": people.handovers(user)})


@login_required
def who_saw_what(request: HttpRequest) -> HttpResponse:
    """The patient's own access log: who other than them read their data, and when."""
    patient = patient_or_404(request)
    assert isinstance(request.user, User)
    zone = reader_zone(request.user) or patient_zone(patient)
    return render(request, "accounts/access_log.html", {
        "lines": access_log.access_lines(patient, zone), "zone": zone.key,
        "days": settings.PULSERX_ACCESS_LOG_DAYS})
