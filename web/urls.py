"""Pages, included at the site root: patients at /, /book/, /me/ and /manage/<token>; the
front desk under /desk/."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from .views import booking, calendar, care_team, desk, desk_booking, desk_calls, desk_floor, desk_waitlist, patient

app_name = "web"

urlpatterns = [
    path("", booking.services, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("book/", booking.book_entry, name="book"),
    path("book/details", booking.details, name="details"),
    path("book/verify", booking.verify, name="verify"),
    path("book/verify/new-code", booking.resend, name="verify-resend"),
    path("book/review", booking.review, name="review"),
    path("book/continue", booking.continue_booking, name="book-continue"),
    path("book/taken", booking.lost, name="lost"),
    path("book/not-now", booking.refused, name="refused"),
    path("book/start-over", booking.start_over, name="start-over"),
    path("book/<slug:code>/", booking.place, name="place"),
    path("book/<slug:code>/<str:where>/", booking.times, name="times"),
    path("book/<slug:code>/<str:where>/pick", booking.pick, name="pick"),
    path("me/", patient.my_appointments, name="my-appointments"),
    path("me/booked/<int:appointment_id>", patient.booked, name="booked"),
    path("me/sign-in", patient.sign_in_start, name="sign-in"),
    path("me/sign-in/code", patient.sign_in_code, name="sign-in-code"),
    path("me/sign-in/new-code", patient.sign_in_resend, name="sign-in-resend"),
    path("me/sign-out", patient.sign_out, name="sign-out"),
    path("me/visits/<int:appointment_id>/cancel", patient.cancel, name="cancel"),
    path("me/visits/<int:appointment_id>/move", patient.reschedule, name="reschedule"),
    path("me/visits/<int:appointment_id>/escort", patient.escort, name="escort"),
    path("me/visits/<int:appointment_id>/calendar.ics", calendar.visit_calendar, name="visit-calendar"),
    path("manage/<str:token>", patient.manage, name="manage"),
    # The short form a text carries; it redirects to the page above.
    path("m/<str:token>", RedirectView.as_view(pattern_name="web:manage"), name="manage-short"),
    path("manage/<str:token>/calendar.ics", calendar.manage_calendar, name="manage-calendar"),
    path("desk/login", desk.StaffLoginView.as_view(), name="desk-login"),
    path("desk/logout", auth_views.LogoutView.as_view(next_page="web:desk-login"), name="desk-logout"),
    path("desk/", desk.day_view, name="desk-day"),
    path("desk/home", care_team.staff_home, name="staff-home"),
    path("desk/my-day", care_team.my_day, name="desk-my-day"),
    path("desk/patients", care_team.patients, name="desk-patients"),
    path("desk/patients/<int:patient_id>", care_team.patient, name="desk-patient"),
    path("desk/week", desk.week_view, name="desk-week"),
    path("desk/appointments/<int:appointment_id>", desk.appointment_detail, name="desk-appointment"),
    path("desk/appointments/<int:appointment_id>/check-in", desk.check_in, name="desk-check-in"),
    path("desk/appointments/<int:appointment_id>/no-show", desk.no_show, name="desk-no-show"),
    path("desk/appointments/<int:appointment_id>/complete", desk.complete, name="desk-complete"),
    path("desk/appointments/<int:appointment_id>/cancel", desk.cancel, name="desk-cancel"),
    path("desk/appointments/<int:appointment_id>/escort", desk.escort, name="desk-escort"),
    path("desk/appointments/<int:appointment_id>/move", desk_booking.move, name="desk-move"),
    path("desk/book", desk_booking.find_patient, name="desk-find-patient"),
    path("desk/book/<int:patient_id>", desk_booking.book_for_patient, name="desk-book"),
    path("desk/floor", desk_floor.floor, name="desk-floor"),
    path("desk/inbox", desk_floor.inbox, name="desk-inbox"),
    path("desk/inbox/<int:message_id>/handled", desk_floor.inbox_handled, name="desk-inbox-handled"),
    path("desk/block", desk_floor.block, name="desk-block"),
    path("desk/waitlist", desk_waitlist.waitlist, name="desk-waitlist"),
    path("desk/waitlist/add", desk_waitlist.add, name="desk-waitlist-add"),
    path("desk/waitlist/<int:entry_id>/withdraw", desk_waitlist.withdraw, name="desk-waitlist-withdraw"),
    path("desk/waitlist/<int:entry_id>/priority", desk_waitlist.priority, name="desk-waitlist-priority"),
    path("desk/waitlist/<int:entry_id>/offer", desk_waitlist.offer, name="desk-waitlist-offer"),
    path("desk/waitlist/report", desk_waitlist.report, name="desk-waitlist-report"),
    path("desk/calls", desk_calls.calls, name="desk-calls"),
    path("desk/calls/<int:appointment_id>/called", desk_calls.record_visit_call, name="desk-call-record"),
    path("desk/calls/<int:appointment_id>/escort", desk_calls.call_escort, name="desk-call-escort"),
]
