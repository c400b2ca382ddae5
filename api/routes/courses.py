"""Treatment course routes: templates, booking a course, and changes to one."""

from django.urls import path

from api.views import courses

urlpatterns = [
    path("course-templates", courses.CourseTemplateListView.as_view(), name="course-templates"),
    path("courses", courses.CourseListView.as_view(), name="courses"),
    path("courses/<id:pk>", courses.CourseDetailView.as_view(), name="course"),
    path("courses/<id:pk>/pause", courses.PauseView.as_view(), name="course-pause"),
    path("courses/<id:pk>/resume", courses.ResumeView.as_view(), name="course-resume"),
    path("courses/<id:pk>/boosters", courses.BoosterView.as_view(), name="course-boosters"),
    path("courses/<id:pk>/cancel", courses.CancelView.as_view(), name="course-cancel"),
    path("courses/<id:pk>/visits/<id:visit>/reschedule", courses.VisitRescheduleView.as_view(),
         name="course-visit-reschedule"),
]
