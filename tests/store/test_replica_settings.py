"""``KETNAP_READ_DATABASE_URL``: the read replica's URL, checked against the primary's."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from service.bootstrap import read_settings

PRIMARY = "postgresql://ketnap:pw@db-primary:5432/ketnap"


def test_a_replica_of_the_same_database_is_read_from_the_environment() -> None:
    replica = "postgresql://ketnap:pw@db-replica:5433/ketnap?sslmode=require"
    settings = read_settings(
        {"KETNAP_DATABASE_URL": PRIMARY, "KETNAP_READ_DATABASE_URL": f" {replica} "}
    )
    assert settings.read_database_url == replica
    params = settings.read_postgres()
    assert params is not None
    assert (params.host, params.port, params.dbname) == ("db-replica", "5433", "ketnap")
    assert ("sslmode", "require") in params.extra
    assert read_settings({"KETNAP_DATABASE_URL": PRIMARY}).read_postgres() is None


@pytest.mark.parametrize(
    "environ",
    [
        {"KETNAP_READ_DATABASE_URL": "postgresql://ketnap:pw@db-replica/ketnap"},  # no primary
        {"KETNAP_DATABASE_URL": PRIMARY, "KETNAP_READ_DATABASE_URL": "postgresql://x:pw@r/other"},
        {"KETNAP_DATABASE_URL": PRIMARY, "KETNAP_READ_DATABASE_URL": "mysql://x:pw@r/ketnap"},
    ],
)
def test_a_replica_url_without_the_primary_or_of_another_database_is_refused(
    environ: dict[str, str],
) -> None:
    with pytest.raises(InvalidInput) as info:
        read_settings(environ)
    error = info.value
    assert (error.code, error.field) == ("SETTING_INVALID", "KETNAP_READ_DATABASE_URL")
    assert "KETNAP_READ_DATABASE_URL" in error.message_vi
    assert "KETNAP_READ_DATABASE_URL" in error.message_en
    assert ":pw@" not in str(error)  # passwords are not echoed
