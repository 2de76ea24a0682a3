from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class DateHierarchyChangeList(ChangeList):
    """A date in the address that no calendar holds (year 9999's next month, a year of twenty
    digits) is a wrong filter, like any other: the admin shows the list unfiltered with its
    notice, instead of an error page."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class DateHierarchyMixin:
    """For a ModelAdmin with date_hierarchy."""

    def get_changelist(self, request, **kwargs):
        return DateHierarchyChangeList
