"""Personal data in templates: masked by default.

::

    {% load personal_data %}
    {{ person.cccd|masked_cccd }}
    {% show_personal_data request.user person as unmasked %}
    {% if unmasked %}{{ person.phone }}{% else %}{{ person.phone|masked_phone }}{% endif %}
"""

from django import template

from tinhso.accounts import personal_data
from tinhso.accounts.validators import mask_address, mask_cccd, mask_phone

register = template.Library()


@register.filter
def masked_cccd(value) -> str:
    return mask_cccd(str(value or ""))


@register.filter
def masked_phone(value) -> str:
    return mask_phone(str(value or ""))


@register.filter
def masked_address(value) -> str:
    return mask_address(str(value or ""))


@register.simple_tag
def show_personal_data(viewer, subject, unit=None) -> bool:
    return personal_data.show_personal_data(viewer, subject, unit=unit)
