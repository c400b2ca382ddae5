from django.urls import path

from .views import OneInsertView

urlpatterns = [path("insert", OneInsertView.as_view(), name="bench-ceiling-insert")]
