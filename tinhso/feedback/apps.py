from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "tinhso.feedback"
    label = "feedback"
    verbose_name = "Phản ánh hiện trường"
