from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "tinhso.outreach"
    label = "outreach"
    verbose_name = "Tuyên truyền, truyền thanh cơ sở và tổ công nghệ số cộng đồng"

    def ready(self) -> None:
        # Registers the outreach permissions and adds them to the default roles.
        from tinhso.outreach import permissions  # noqa: F401
