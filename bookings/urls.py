from django.urls import path
from django.utils.translation import gettext_lazy as _

from .inquiries import views as inquiry_views
from .scheduling import manage_views
from .scheduling import views as booking_views

app_name = "bookings"

urlpatterns = [
    path(_("yhteydenotto/"), inquiry_views.InquiryView.as_view(), name="inquiry"),
    path(_("yhteydenotto/kiitos/"), inquiry_views.ThanksView.as_view(), name="thanks"),
    path(_("ajanvaraus/"), booking_views.BookingView.as_view(), name="booking"),
    path(
        _("ajanvaraus/<str:token>/vahvistus/"),
        manage_views.ConfirmationView.as_view(),
        name="confirmation",
    ),
    path(
        _("ajanvaraus/vahvista/<str:token>/"),
        manage_views.ConfirmBookingView.as_view(),
        name="confirm",
    ),
    path(_("ajanvaraus/<str:token>/kutsu.ics"), manage_views.invitation, name="invitation"),
    path(_("ajanvaraus/<str:token>/peru/"), manage_views.CancelView.as_view(), name="cancel"),
    path(_("ajanvaraus/<str:token>/"), manage_views.ManageView.as_view(), name="manage"),
]
