from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class UsernameAndAddressLockout(AxesDatabaseHandler):
    """Two limits within the cool-off time: AXES_FAILURE_LIMIT failures of one username from one
    address lock that username at that address, and ADMIN_USERNAME_FAILURE_LIMIT failures of one
    username from anywhere lock the username itself, so rotating addresses is no way around.

    Henna mistyping on her phone locks only the phone's address; she can still sign in from her
    own computer. django-axes compares a single failure count with a single limit, so the
    username's count is given on that limit's scale: it reaches AXES_FAILURE_LIMIT exactly
    when the username's own failures reach ADMIN_USERNAME_FAILURE_LIMIT.
    Needs AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"], in that order.
    """

    def get_failures(self, request, credentials=None) -> int:
        per_address, per_username = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = settings.AXES_FAILURE_LIMIT
        return max(per_address, per_username * limit // settings.ADMIN_USERNAME_FAILURE_LIMIT)
