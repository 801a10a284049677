"""Pages of the dossiers room, mounted at /dich-vu-cong/ (app_name "dossiers").

Portal tiles: ``dossiers:catalogue`` (the procedures) and ``dossiers:lookup`` (public look-up
by dossier code, ``?ma=<code>``: the QR code of every receipt points here).
"""

from django.urls import path

from tinhso.dossiers import views

app_name = "dossiers"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure_detail"),
    path("thu-tuc/<str:code>/nop/", views.file_start, name="file_start"),
    path("ho-so-cua-toi/", views.my_dossiers, name="my_dossiers"),
    path("ho-so/<int:pk>/", views.dossier_detail, name="dossier_detail"),
    path("ho-so/<int:pk>/buoc/<int:step>/", views.draft_step, name="draft_step"),
    path("ho-so/<int:pk>/giay-to/", views.draft_papers, name="draft_papers"),
    path("ho-so/<int:pk>/xem-lai/", views.draft_review, name="draft_review"),
    path("ho-so/<int:pk>/bo-sung/", views.dossier_supplement, name="dossier_supplement"),
    path("ho-so/<int:pk>/rut/", views.dossier_withdraw, name="dossier_withdraw"),
    path("ho-so/<int:pk>/danh-gia/", views.dossier_rate, name="dossier_rate"),
    path("ho-so/<int:pk>/thanh-toan/", views.payment_start, name="payment_start"),
    path("ho-so/<int:pk>/tep/<int:file_id>/", views.dossier_file, name="dossier_file"),
    path("ho-so/<int:pk>/mau-06/", views.dossier_handover_pdf, name="dossier_handover_pdf"),
    path("ho-so/<int:pk>/xu-ly/<str:action>/", views.dossier_action, name="dossier_action"),
    path("thanh-toan/ket-qua/", views.payment_return, name="payment_return"),
    path("can-bo/", views.work_queue, name="work_queue"),
    path("can-bo/tiep-nhan-hang-loat/", views.bulk_receive, name="bulk_receive"),
    path("can-bo/nhan-truc-tiep/", views.enter_in_person, name="enter_in_person"),
    path("so-theo-doi/", views.register, name="register"),
    path("so-theo-doi/excel/", views.register_export, name="register_export"),
]
