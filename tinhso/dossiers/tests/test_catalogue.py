"""The catalogue: versions, the real data file, CSV / Excel round trip, all-or-nothing import."""

import io
import json

import pytest
from django.core.management import call_command

from tinhso.accounts.permissions import Perm
from tinhso.dossiers import catalogue, errors
from tinhso.dossiers.catalogue import procedure_save
from tinhso.dossiers.models import Procedure, ProcedureVersion
from tinhso.dossiers.permissions import DossierPerm
from tinhso.dossiers.tests.factories import DossierFactory, ProcedureFactory, procedure_item
from tinhso.kernel.errors import Forbidden
from tinhso.units.tests.factories import AgencyFactory, ProvinceFactory, official_with

pytestmark = pytest.mark.django_db


def test_the_data_file_loads_whole_and_twice_changes_nothing():
    report = catalogue.catalogue_load_json()
    count = len(json.loads(catalogue.DATA_FILE.read_text()))
    assert count >= 20
    assert (report.rows, report.created) == (count, count)
    again = catalogue.catalogue_load_json()
    assert (again.unchanged, again.created, again.updated) == (count, 0, 0)
    assert ProcedureVersion.objects.count() == count


def test_editing_makes_a_new_version_and_filed_dossiers_keep_theirs(setup):
    procedure = ProcedureFactory(code="9.100001")
    dossier = DossierFactory(setup=setup, procedure=procedure, submitted=True)
    version, outcome = procedure_save(
        acting_user=None, data=procedure_item(code="9.100001", processing_days=5, steps=[])
    )
    assert outcome == "updated" and version.number == 2
    procedure.refresh_from_db()
    assert procedure.current_version == version and procedure.processing_days == 5
    dossier.refresh_from_db()
    assert dossier.procedure_version.number == 1
    assert dossier.procedure_version.processing_days == 3
    with pytest.raises(ValueError):
        dossier.procedure_version.save()


def test_a_bad_item_is_refused_with_field_codes():
    bad = procedure_item(online_mode="soon", processing_days=-1)
    bad["form"]["steps"][0]["fields"][0]["type"] = "colour"
    with pytest.raises(errors.ProcedureInvalid) as caught:
        procedure_save(acting_user=None, data=bad)
    fields = {problem["field"]: problem["code"] for problem in caught.value.details}
    assert fields["online_mode"] == "online_mode_invalid"
    assert fields["processing_days"] == "processing_days_invalid"
    assert fields["form.steps[0].fields[0].type"] == "field_type_invalid"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_round_trips(file_format):
    catalogue.catalogue_load_json()
    before = {p.code: p.current_version.data for p in Procedure.objects.all()}
    exported = catalogue.catalogue_export(file_format=file_format)
    report = catalogue.catalogue_import(
        acting_user=None, file=io.BytesIO(exported), file_format=file_format
    )
    assert report.unchanged == len(before)
    assert {p.code: p.current_version.data for p in Procedure.objects.all()} == before


def test_import_is_all_or_nothing_with_row_errors():
    ProcedureFactory(code="9.200001")
    exported = catalogue.catalogue_export(file_format="csv").decode("utf-8-sig")
    lines = exported.splitlines()
    good = lines[1].replace("9.200001", "9.200002")
    bad = lines[1].replace("9.200001", "9.200003").replace(",full,", ",someday,")
    text = "\n".join([lines[0], good, bad, good])
    with pytest.raises(errors.CatalogueRowsInvalid) as caught:
        catalogue.catalogue_import(acting_user=None, file=io.StringIO(text), file_format="csv")
    problems = {(p["line"], p["field"], p["code"]) for p in caught.value.details}
    assert (3, "online_mode", "online_mode_invalid") in problems
    assert (4, "code", "code_duplicate") in problems
    assert not Procedure.objects.filter(code="9.200002").exists()


def test_unreadable_file_is_refused():
    with pytest.raises(errors.CatalogueFileInvalid):
        catalogue.catalogue_import(
            acting_user=None, file=io.BytesIO(b"PK\x03\x04nonsense"), file_format="xlsx"
        )


def test_only_province_level_managers_edit_the_catalogue():
    province = ProvinceFactory()
    provincial = official_with(
        AgencyFactory(unit=province, province_level=True), DossierPerm.MANAGE_CATALOGUE
    )
    communal = official_with(AgencyFactory(), DossierPerm.MANAGE_CATALOGUE)
    nobody = official_with(AgencyFactory(), Perm.UNITS_VIEW)
    procedure_save(acting_user=provincial, data=procedure_item(code="9.300001"))
    with pytest.raises(errors.CatalogueOutOfScope):
        procedure_save(acting_user=communal, data=procedure_item(code="9.300002"))
    with pytest.raises(Forbidden):
        procedure_save(acting_user=nobody, data=procedure_item(code="9.300003"))


def test_command_imports_and_exports(tmp_path):
    call_command("dossiers_catalogue", "import", str(catalogue.DATA_FILE), stdout=io.StringIO())
    target = tmp_path / "thu-tuc.xlsx"
    call_command("dossiers_catalogue", "export", str(target), stdout=io.StringIO())
    out = io.StringIO()
    call_command("dossiers_catalogue", "import", str(target), stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
