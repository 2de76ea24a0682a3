"""The admin's change forms as a test sends them back."""


def form_data(response) -> dict:
    """What the change form would send back unchanged: its fields and every inline."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is not None:
                data[key] = getattr(value, "pk", value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data
