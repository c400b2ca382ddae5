"""Catalog routes: what can be booked, where, with whom, and when."""

from django.urls import path

from api.views import availability, catalog, earliest

urlpatterns = [
    path("services", catalog.ServiceListView.as_view(), name="services"),
    path("locations", catalog.LocationListView.as_view(), name="locations"),
    path("staff", catalog.StaffListView.as_view(), name="staff"),
    path("availability", availability.AvailabilityView.as_view(), name="availability"),
    path("availability/earliest", earliest.EarliestView.as_view(), name="availability-earliest"),
]
