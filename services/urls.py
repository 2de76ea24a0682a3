from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "services"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(_("palvelut/<slug:slug>/"), views.ServiceDetailView.as_view(), name="detail"),
    path(_("tietosuoja/"), views.PrivacyNoticeView.as_view(), name="privacy"),
    path(_("saavutettavuus/"), views.AccessibilityView.as_view(), name="accessibility"),
]
