from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "bookings"

urlpatterns = [
    path(_("yhteydenotto/"), views.InquiryView.as_view(), name="inquiry"),
    path(_("yhteydenotto/kiitos/"), views.ThanksView.as_view(), name="thanks"),
]
