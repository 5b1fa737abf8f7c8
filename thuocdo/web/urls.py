from django.urls import path

from thuocdo.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("u/<str:code>/", views.unit_page, name="unit"),
    path("u/<str:code>/lien-he/", views.unit_profile, name="unit_profile"),
]
