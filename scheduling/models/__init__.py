from .booking import Allocation, Appointment, AppointmentEvent, AppointmentStatus, BookingChannel
from .catalog_version import CatalogVersion
from .clinic import Location, Modality, Phase, Resource, ResourceKind, Service, StaffMember, StaffRole, StaffUsage
from .courses import Course, CourseStatus, CourseStep, CourseTemplate, CourseVisit
from .hours import Closure, HoursOverride, WorkingHours
from .patients import Patient

__all__ = [
    "Allocation", "Appointment", "AppointmentEvent", "AppointmentStatus", "BookingChannel", "CatalogVersion",
    "Closure", "Course", "CourseStatus", "CourseStep", "CourseTemplate", "CourseVisit", "HoursOverride",
    "Location", "Modality", "Patient", "Phase",
    "Resource", "ResourceKind", "Service", "StaffMember", "StaffRole", "StaffUsage", "WorkingHours",
]
