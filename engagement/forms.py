"""Forms of engagement. They check the shape of what was typed; the rules (drafts only,
resources of the message's OHT, choices in both languages, one answer per recipient)
live in engagement.services, whose ApplicationError the views show as a form error."""

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.choices import QuestionKind
from engagement.models import RESOURCE_FILE_MAX_BYTES, Message, Question, Resource
from engagement.services import AnswerInput


class MessageForm(forms.ModelForm):
    """A draft's texts and resources; its OHT and kind are chosen once, at creation."""

    class Meta:
        model = Message
        fields = ["oht", "kind", "subject_en", "subject_fr", "body_en", "body_fr", "resources"]
        widgets = {
            "body_en": forms.Textarea(attrs={"rows": 10}),
            "body_fr": forms.Textarea(attrs={"rows": 10}),
            "resources": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, ohts, resources, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["oht"], self.fields["kind"]
        else:
            self.fields["oht"].queryset = ohts
            self.fields["oht"].empty_label = None
        self.fields["resources"].queryset = resources
        self.fields["resources"].help_text = _(
            "Listed at the end of the e-mail, titled in each clinician's language."
        )


class SegmentPickForm(forms.Form):
    """Start the segment from a saved directory report or a pasted directory address."""

    report = forms.ModelChoiceField(
        label=_("Saved directory report"), queryset=None, required=False
    )
    address = forms.CharField(
        label=_("Or paste the address of a directory page"), required=False, max_length=4000
    )

    def __init__(self, *args, reports, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = reports

    def query(self) -> str | None:
        """The query string chosen, or None when nothing was."""
        report, address = self.cleaned_data.get("report"), self.cleaned_data.get("address")
        if report is not None:
            return report.query
        if address:
            return address.split("?", 1)[1] if "?" in address else address
        return None


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["position", "kind", "text_en", "text_fr", "choices_en", "choices_fr"]
        widgets = {
            "text_en": forms.Textarea(attrs={"rows": 2}),
            "text_fr": forms.Textarea(attrs={"rows": 2}),
            "choices_en": forms.Textarea(attrs={"rows": 4}),
            "choices_fr": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"position": _("Leave blank to put the question last.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False


class ResourceForm(forms.ModelForm):
    """An address or an uploaded file, never both."""

    url = forms.URLField(label=_("Address"), max_length=2000, assume_scheme="https", required=False)

    class Meta:
        model = Resource
        fields = [
            "oht",
            "title_en",
            "title_fr",
            "url",
            "file",
            "language",
            "audience",
            "description_en",
            "description_fr",
            "active",
        ]
        widgets = {
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "description_fr": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, ohts, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["oht"]
        else:
            self.fields["oht"].queryset = ohts
            self.fields["oht"].empty_label = None
        self.fields["file"].help_text = _(
            "PDF, Word, Excel, PowerPoint, text or an image, up to 10 MB. Education "
            "material only: never a document about a patient."
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and getattr(upload, "size", 0) > RESOURCE_FILE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload

    def clean(self):
        data = super().clean()
        has_url, has_file = bool(data.get("url")), bool(data.get("file"))
        if has_url == has_file:
            raise forms.ValidationError(_("Give either an address or a file, not both."))
        return data


class SurveyForm(forms.Form):
    """The text and choice questions of a survey, in the language shown. Capacity
    questions use clinicians.forms.CapacityForm, one per practice location."""

    respondent = forms.CharField(
        label=_("Your name"),
        max_length=200,
        help_text=_("If you answer for the clinician (as their clinic manager, say)."),
    )

    def __init__(self, *args, questions, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.language = language
        self.questions = [q for q in questions if q.kind != QuestionKind.CAPACITY]
        for question in self.questions:
            label = question.text_in(language)
            if question.kind == QuestionKind.CHOICE:
                field = forms.TypedChoiceField(
                    label=label,
                    choices=list(enumerate(question.choice_list(language))),
                    coerce=int,
                    widget=forms.RadioSelect,
                )
            else:
                field = forms.CharField(
                    label=label, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
                )
            self.fields[f"q{question.pk}"] = field

    def answers(self) -> list[AnswerInput]:
        answers = []
        for question in self.questions:
            name = f"q{question.pk}"
            value = self.cleaned_data[name]
            if question.kind == QuestionKind.CHOICE:
                label = question.choice_list(self.language)[value]
                answers.append(AnswerInput(question=question, choice=value, text=label))
            else:
                answers.append(AnswerInput(question=question, text=value.strip()))
        return answers
