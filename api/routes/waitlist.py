"""Waitlist routes: joining, the desk's list, withdrawing, priority, the weekly report."""

from django.urls import path

from api.views import waitlist

urlpatterns = [
    path("waitlist", waitlist.WaitlistView.as_view(), name="waitlist-join"),
    path("waitlist/entries", waitlist.WaitlistListView.as_view(), name="waitlist-entries"),
    path("waitlist/entries/<id:pk>/withdraw", waitlist.WaitlistWithdrawView.as_view(), name="waitlist-withdraw"),
    path("waitlist/entries/<id:pk>/priority", waitlist.WaitlistPriorityView.as_view(), name="waitlist-priority"),
    path("waitlist/report", waitlist.WaitlistReportView.as_view(), name="waitlist-report"),
]
