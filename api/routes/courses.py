"""Treatment course routes: templates, booking a course, and changes to one."""

from django.urls import path

from api.views import courses

urlpatterns = [
    path("course-templates", courses.CourseTemplateListView.as_view(), name="course-templates"),
    path("courses", courses.CourseListView.as_view(), name="courses"),
    path("courses/<int:pk>", courses.CourseDetailView.as_view(), name="course"),
    path("courses/<int:pk>/pause", courses.PauseView.as_view(), name="course-pause"),
    path("courses/<int:pk>/resume", courses.ResumeView.as_view(), name="course-resume"),
    path("courses/<int:pk>/boosters", courses.BoosterView.as_view(), name="course-boosters"),
    path("courses/<int:pk>/cancel", courses.CancelView.as_view(), name="course-cancel"),
    path("courses/<int:pk>/visits/<int:visit>/reschedule", courses.VisitRescheduleView.as_view(),
         name="course-visit-reschedule"),
]
