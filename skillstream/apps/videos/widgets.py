"""The thumbnail control of the upload and edit forms: the current picture, a button to choose
another, and a remove toggle (instead of Django's bare "Currently: ... Clear" widget)."""

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString

IMAGE_TYPES = "image/png,image/jpeg,image/webp"


class ThumbnailInput(forms.ClearableFileInput):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = {**(attrs or {}), "accept": IMAGE_TYPES, "class": "thumb-file"}
        file_input = forms.FileInput.render(self, name, None, attrs, renderer)
        if value and getattr(value, "url", None):
            clear = self.clear_checkbox_name(name)
            picture = format_html(
                '<img class="thumb-current" src="{}" alt="The current thumbnail" width="160" '
                'height="90">',
                value.url,
            )
            remove = format_html(
                '<label class="thumb-remove"><input type="checkbox" name="{}" id="{}"> '
                "Remove this thumbnail</label>",
                clear,
                self.clear_checkbox_id(clear),
            )
            hint = "Choose another image to replace it."
        else:
            picture = format_html(
                '<span class="thumb-current thumb-none">{}</span>', "No thumbnail yet"
            )
            remove = ""
            hint = "Without one, a frame of the video becomes its poster."
        return format_html(
            '<div class="thumb-control">{}<div class="thumb-actions">{}{}'
            '<p class="help">{}</p></div></div>',
            picture,
            file_input,
            remove,
            hint,
        )
