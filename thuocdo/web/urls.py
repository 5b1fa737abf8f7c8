from django.urls import path

from thuocdo.web import views, views_change, views_dossiers, views_public, views_search

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("tim-don-vi/", views_search.search, name="search"),
    path("don-vi-cua-toi.css", views_search.own_units_css, name="own_css"),
    path("cong-khai/", views_public.board, name="public"),
    path("cong-khai/<str:code>/", views_public.province_board, name="public_province"),
    path("u/<str:code>/", views.unit_page, name="unit"),
    path("u/<str:code>/lien-he/", views.unit_profile, name="unit_profile"),
    path("u/<str:code>/ho-so/", views_dossiers.dossier_list, name="dossiers"),
    path("u/<str:code>/thay-doi/", views_change.score_change, name="change"),
    path("u/<str:code>/fragments/<slug:name>/", views.fragment, name="fragment"),
]
