"""Forms for the unit pages."""

from django import forms

from thuocdo.units.models import UnitProfile


class UnitProfileForm(forms.ModelForm):
    class Meta:
        model = UnitProfile
        fields = ["office_address", "phone", "email", "head_name", "office_hours"]
