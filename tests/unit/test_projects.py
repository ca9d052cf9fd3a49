"""An enterprise's audit project opens when it accepts its task."""

from __future__ import annotations

import pytest

from core import projects
from core.errors import PermissionDenied
from tests.support.projects import accepted_project
from tests.support.roster import user


def test_accepting_opens_a_numbered_project_that_only_the_enterprise_sees(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        assert project.project_number.endswith("13060800001") and len(project.project_number) == 15
        assert projects.own_project(s, enterprise, project.id).id == project.id
        with pytest.raises(PermissionDenied):
            projects.projects_of(s, user(s, "130608"))
        other = user(s, "QY1306060001")
        with pytest.raises(PermissionDenied):
            projects.own_project(s, other, project.id)
