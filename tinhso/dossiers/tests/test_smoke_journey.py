import pytest

from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import DossierFile, Status
from tinhso.dossiers.tests.factories import DossierFactory


@pytest.mark.django_db
def test_each_trait_reaches_its_state(setup):
    assert DossierFactory(setup=setup).status == Status.DRAFT
    assert DossierFactory(setup=setup, submitted=True).status == Status.SUBMITTED
    received = DossierFactory(setup=setup, received=True)
    assert received.status == Status.RECEIVED
    assert received.code.startswith(setup.desk.code + "-")
    assert received.files.filter(kind=DossierFile.Kind.RECEIPT).exists()
    assert DossierFactory(setup=setup, processing=True).status == Status.PROCESSING
    ready = DossierFactory(setup=setup, result_ready=True)
    assert ready.status == Status.RESULT_READY
    assert ready.result_file is not None
    returned = DossierFactory(setup=setup, returned=True)
    assert returned.status == Status.RETURNED
    assert returned.returned_electronically is True
    late = DossierFactory(setup=setup, overdue=True)
    assert selectors.days_left(late) < 0
    assert [e.action for e in selectors.dossier_timeline(returned)] == [
        "create",
        "submit",
        "receive",
        "forward",
        "approve",
        "return_result",
    ]
    services.dossier_rate(acting_user=returned.applicant, dossier=returned, rating=5)


@pytest.mark.django_db
@pytest.mark.usefixtures("real_pdf")
def test_real_receipt_and_signed_result(setup):
    from tinhso.dossiers import pdf, signing

    try:
        pdf.render_form("01", {"dossier_code": "X"})
    except pdf.PdfUnavailable:
        pytest.skip("WeasyPrint/Pango not installed here")
    dossier = DossierFactory(setup=setup, returned=True)
    receipt = dossier.files.get(kind=DossierFile.Kind.RECEIPT)
    assert receipt.file.file.open("rb").read(4) == b"%PDF"
    result = dossier.result_file.file.open("rb").read()
    report = signing.verify_pdf(result)
    assert report.intact and report.valid
