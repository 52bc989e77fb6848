"""`database.ini`: where the data center listens and which stores it uses."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar
from typing import Literal

from pydantic import Field

from aops_utils import conf
from aops_utils.conf import Endpoint
from aops_utils.conf import Port
from aops_utils.conf import Retired
from aops_utils.conf import Section
from aops_utils.conf import ServerSection
from aops_utils.conf import WebServiceIni


class ElasticsearchSection(ServerSection):
    # 21.09 raised every index's max_result_window to this so that one from/size query could
    # return everything.
    retired: ClassVar[Mapping[str, Retired]] = {
        "max_es_query_num": Retired(
            "no effect: listings read past Elasticsearch's 10,000-hit window through the scroll "
            "API, so indices keep the default window and every document is still returned"
        ),
    }

    port: Port = 9200
    timeout: float = Field(30.0, gt=0)
    index_prefix: str = ""

    @property
    def url(self) -> str:
        return self.endpoint.url


class MysqlSection(ServerSection):
    port: Port = 3306
    database_name: str = Field("aops", pattern=r"^[A-Za-z0-9_]{1,64}$")
    # 21.09 connects password-free; `user`/`password` are additions for secured servers.
    engine_format: str = "mysql+pymysql://@%s:%s/%s"
    user: str = ""
    password: str = ""
    tls: bool = False
    pool_size: int = Field(64, gt=0)
    pool_recycle: int = Field(7200, gt=0)

    @property
    def url(self) -> str:
        url = self.engine_format % (self.ip, self.port, self.database_name)
        if self.user and "://@" in url:
            from urllib.parse import quote

            secret = f":{quote(self.password, safe='')}" if self.password else ""
            url = url.replace("://@", f"://{quote(self.user, safe='')}{secret}@", 1)
        return url

    @property
    def server_url(self) -> str:
        return self.url.rsplit("/", 1)[0]


class PrometheusSection(ServerSection):
    port: Port = 9090
    disable_ssl: bool = True
    timeout: float = Field(30.0, gt=0)

    @property
    def url(self) -> str:
        scheme = "http" if self.disable_ssl else "https"
        return self.endpoint.url.replace("http", scheme, 1)


class StoreSection(Section):
    """Beyond 21.09: which implementation backs each seam (the embedded suite uses sqlite/sql)."""

    relational: Literal["mysql", "sqlite"] = "mysql"
    document: Literal["elasticsearch", "sql"] = "elasticsearch"
    sqlite_path: Path = Path("/var/lib/aops/aops.db")


class DatabaseIni(WebServiceIni):
    database: Endpoint = Endpoint(port=11119)
    elasticsearch: ElasticsearchSection = ElasticsearchSection()
    mysql: MysqlSection = MysqlSection()
    prometheus: PrometheusSection = PrometheusSection()
    store: StoreSection = StoreSection()


load = conf.ServiceLoader(DatabaseIni, "database.ini", lambda ini: ini.database)
