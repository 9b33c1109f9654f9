import re

from django import forms
from django.conf import settings

from apps.videos.media import ACCEPTED_LABEL, SNIFF_BYTES, VIDEO_TYPES, sniff_video_type
from apps.videos.models import Video
from apps.videos.uploads import max_upload_bytes
from apps.videos.widgets import ThumbnailInput

MAX_TAGS = 10


def normalise_tags(raw: str) -> str:
    tags: list[str] = []
    for tag in raw.split(","):
        tag = re.sub(r"\s+", " ", tag).strip().lower()[:30]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise forms.ValidationError(f"Use at most {MAX_TAGS} tags.")
    return ", ".join(tags)


class VideoDetailsForm(forms.ModelForm):
    """Title, description, tags and thumbnail: shared by upload and edit."""

    class Meta:
        model = Video
        fields = ["title", "description", "tags", "thumbnail"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5}), "thumbnail": ThumbnailInput}
        help_texts = {"thumbnail": "Optional: a PNG, JPEG or WebP image, 16:9 looks best."}

    def clean_tags(self) -> str:
        return normalise_tags(self.cleaned_data.get("tags", ""))

    def clean_thumbnail(self):
        thumb = self.cleaned_data.get("thumbnail")
        limit = settings.MAX_THUMBNAIL_MB * 1024 * 1024
        if thumb and hasattr(thumb, "size") and thumb.size > limit:
            raise forms.ValidationError(
                f"The thumbnail is larger than {settings.MAX_THUMBNAIL_MB} MB."
            )
        return thumb


class UploadForm(VideoDetailsForm):
    """Development upload: the file comes through Django. Production: a signed token naming the
    object the browser already put in S3."""

    video_file = forms.FileField(
        label="Video file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(VIDEO_TYPES)}),
    )
    upload_token = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["video_file", "title", "description", "tags", "thumbnail"]

    def __init__(self, *args, direct: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.direct = direct
        self.fields[
            "video_file"
        ].help_text = f"{ACCEPTED_LABEL}, up to {settings.MAX_UPLOAD_MB} MB."

    def clean_video_file(self):
        upload = self.cleaned_data.get("video_file")
        if self.direct or upload is None:
            return upload
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                f"This file is {upload.size / 1048576:.1f} MB; the limit is "
                f"{settings.MAX_UPLOAD_MB} MB."
            )
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
        if sniff_video_type(head) is None:
            raise forms.ValidationError(
                f"This file is not a supported video. Upload {ACCEPTED_LABEL}."
            )
        return upload

    def clean(self) -> dict:
        data = super().clean()
        if self.direct and not data.get("upload_token"):
            raise forms.ValidationError("Choose a video file and wait for the upload to finish.")
        if not self.direct and not data.get("video_file") and "video_file" not in self.errors:
            self.add_error("video_file", "Choose a video file to upload.")
        return data


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Add a comment",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Add a comment…"}),
    )
