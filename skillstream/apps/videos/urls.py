from django.urls import path

from apps.videos import views

app_name = "videos"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("feed/", views.feed, name="feed"),
    path("upload/", views.upload, name="upload"),
    path("upload/sign/", views.upload_sign, name="upload_sign"),
    path("studio/", views.dashboard, name="dashboard"),
    path("v/<int:pk>/", views.watch, name="watch"),
    path("v/<int:pk>/edit/", views.edit, name="edit"),
    path("v/<int:pk>/delete/", views.delete, name="delete"),
    path("v/<int:pk>/like/", views.toggle_like, name="like"),
    path("v/<int:pk>/comments/", views.add_comment, name="comment"),
    path("comments/<int:pk>/delete/", views.delete_comment, name="delete_comment"),
]
