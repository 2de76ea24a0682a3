from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import booking_views, manage_views, views

app_name = "bookings"

urlpatterns = [
    path(_("yhteydenotto/"), views.InquiryView.as_view(), name="inquiry"),
    path(_("yhteydenotto/kiitos/"), views.ThanksView.as_view(), name="thanks"),
    path(_("ajanvaraus/"), booking_views.BookingView.as_view(), name="booking"),
    path(
        _("ajanvaraus/<str:token>/vahvistus/"),
        manage_views.ConfirmationView.as_view(),
        name="confirmation",
    ),
    path(_("ajanvaraus/<str:token>/kutsu.ics"), manage_views.invitation, name="invitation"),
    path(_("ajanvaraus/<str:token>/"), manage_views.ManageView.as_view(), name="manage"),
]
